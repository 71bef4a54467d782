"""The chain's head gets a count, its own seal (mac) and the time of its last anchor."""

from django.db import migrations, models


def seal_head(apps, schema_editor):
    from audit import seal

    alias = schema_editor.connection.alias
    head = apps.get_model("audit", "ChainHead").objects.using(alias).filter(pk=1).first()
    if head is None:
        return
    entries = apps.get_model("audit", "LogEntry").objects.using(alias)
    head.entry_count = (
        entries.filter(id__lte=head.last_entry_id).count() if head.last_entry_id else 0
    )
    seal.sign_head(head)
    head.save(update_fields=["entry_count", "key_id", "mac"])


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_chain_head_and_append_only")]

    operations = [
        migrations.AddField(
            model_name="chainhead",
            name="entry_count",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="chainhead",
            name="key_id",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="chainhead",
            name="mac",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="chainhead",
            name="anchored_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(seal_head, migrations.RunPython.noop),
    ]
