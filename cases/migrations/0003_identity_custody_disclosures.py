"""Access hardening (DESIGN §4): names per organisation, the organisation that recorded a
protected identity, guardians and declared custody per case, and bounded disclosures.

Existing data is carried over: each organisation that owned a case about a person keeps the
name it saw; the first owner recorded a protection; a guardian is copied into every case of
its person, with each case's consents pointing at that case's copy.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import sspf.crypto


def forward(apps, schema_editor):
    YoungPerson = apps.get_model("cases", "YoungPerson")
    PersonName = apps.get_model("cases", "PersonName")
    Case = apps.get_model("cases", "Case")
    Guardian = apps.get_model("cases", "Guardian")
    Consent = apps.get_model("cases", "Consent")
    Disclosure = apps.get_model("cases", "Disclosure")
    for person in YoungPerson.objects.all():
        owners = list(
            Case.objects.filter(young_person=person)
            .order_by("opened_on", "id")
            .values_list("owner_id", flat=True)
        )
        for owner in dict.fromkeys(owners):
            PersonName.objects.create(
                young_person=person,
                organisation_id=owner,
                given_name=person.given_name,
                family_name=person.family_name,
                gender=person.gender,
            )
        if person.protected_identity and owners:
            person.protected_by_id = owners[0]
            person.save(update_fields=["protected_by"])
    for guardian in Guardian.objects.filter(case__isnull=True):
        cases = list(Case.objects.filter(young_person_id=guardian.young_person_id).order_by("id"))
        if not cases:
            guardian.delete()
            continue
        guardian.case = cases[0]
        guardian.save(update_fields=["case"])
        for case in cases[1:]:
            copy = Guardian.objects.create(
                case=case,
                young_person_id=guardian.young_person_id,
                name=guardian.name,
                phone=guardian.phone,
                relation=guardian.relation,
                has_custody=guardian.has_custody,
            )
            Consent.objects.filter(case=case, guardian=guardian).update(guardian=copy)
    for disclosure in Disclosure.objects.select_related("recorded_by"):
        disclosure.from_organisation_id = disclosure.recorded_by.organisation_id
        disclosure.justification = disclosure.note or "-"
        disclosure.save(update_fields=["from_organisation", "justification"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_roles"),
        ("cases", "0002_role_permissions"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="PersonName",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("given_name", sspf.crypto.EncryptedCharField(max_length=100, verbose_name="given name")),
                ("family_name", sspf.crypto.EncryptedCharField(max_length=100, verbose_name="family name")),
                ("gender", models.CharField(choices=[("girl", "Girl"), ("boy", "Boy"), ("other", "Other"), ("not_recorded", "Not recorded")], max_length=20, verbose_name="gender")),
                ("recorded_at", models.DateTimeField(auto_now_add=True)),
                ("organisation", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="accounts.organisation")),
                ("young_person", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="names", to="cases.youngperson")),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("young_person", "organisation"), name="one_name_per_organisation")
                ],
            },
        ),
        migrations.AddField(
            model_name="youngperson",
            name="protected_by",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="accounts.organisation", verbose_name="protection recorded by"),
        ),
        migrations.AddField(
            model_name="case",
            name="custody",
            field=models.CharField(choices=[("unknown", "Not yet known"), ("joint", "Joint custody (two custodians)"), ("sole", "Sole custody (one custodian)"), ("special", "Special custodian (särskilt förordnad vårdnadshavare)")], default="unknown", max_length=20, verbose_name="custody"),
        ),
        migrations.AddField(
            model_name="guardian",
            name="case",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name="guardians", to="cases.case"),
        ),
        migrations.AlterField(
            model_name="guardian",
            name="young_person",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="cases.youngperson"),
        ),
        migrations.AddField(
            model_name="disclosure",
            name="statute",
            field=models.CharField(blank=True, max_length=200, verbose_name="the statute that requires it"),
        ),
        migrations.AddField(
            model_name="disclosure",
            name="from_organisation",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="accounts.organisation", verbose_name="from organisation"),
        ),
        migrations.AddField(
            model_name="disclosure",
            name="justification",
            field=sspf.crypto.EncryptedTextField(default="", verbose_name="justification"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="disclosure",
            name="ended_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="ended early"),
        ),
        migrations.AddField(
            model_name="disclosure",
            name="ended_by",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL),
        ),
        migrations.RunPython(forward, migrations.RunPython.noop),
        migrations.RemoveField(model_name="youngperson", name="given_name"),
        migrations.RemoveField(model_name="youngperson", name="family_name"),
        migrations.RemoveField(model_name="guardian", name="young_person"),
        migrations.RemoveField(model_name="disclosure", name="note"),
        migrations.AlterField(
            model_name="guardian",
            name="case",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="guardians", to="cases.case"),
        ),
        migrations.AlterField(
            model_name="disclosure",
            name="from_organisation",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="accounts.organisation", verbose_name="from organisation"),
        ),
        migrations.AlterField(
            model_name="disclosure",
            name="basis",
            field=models.CharField(choices=[("osl_10_18a", "10 kap. 18 a § OSL (social services to police, under 21)"), ("osl_10_28", "10 kap. 28 § OSL (another statute requires it)")], max_length=20, verbose_name="statutory basis"),
        ),
        migrations.AlterModelOptions(name="disclosure", options={"ordering": ["-valid_from", "-id"]}),
    ]
