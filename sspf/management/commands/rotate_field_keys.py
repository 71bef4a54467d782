"""Re-encrypts every encrypted column under the current key (the first in SSPF_FIELD_KEYS).

Works in batches, each in its own transaction, and skips values already under the current
key: interrupted, it can simply be run again. Rows are read and written with plain SQL so that
no model signals fire; rotation changes no content, so it writes no audit entries per row.
"""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from tqdm import tqdm

from sspf.crypto import decrypt, encrypt, encrypted_fields, field_keyring, key_id_of


class Command(BaseCommand):
    help = "Re-encrypts every encrypted field under the current key, in resumable batches."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, batch_size, no_progress, **options):
        current = field_keyring().current_id
        changed = 0
        for model in apps.get_models():
            fields = encrypted_fields(model)
            if fields:
                changed += self.rotate_model(model, fields, current, batch_size, no_progress)
        self.stdout.write(
            self.style.SUCCESS(f"{changed} value(s) re-encrypted under key {current!r}.")
        )

    def rotate_model(self, model, fields, current, batch_size, no_progress) -> int:
        quote = connection.ops.quote_name
        table = quote(model._meta.db_table)
        pk = quote(model._meta.pk.column)
        columns = [quote(f.column) for f in fields]
        select = f"SELECT {pk}, {', '.join(columns)} FROM {table}"  # noqa: S608
        first = f"{select} ORDER BY {pk} LIMIT %s"
        after = f"{select} WHERE {pk} > %s ORDER BY {pk} LIMIT %s"
        total = model._base_manager.count()
        changed = 0
        last_pk = None
        with tqdm(
            total=total, desc=model._meta.label, unit="row", disable=no_progress or None
        ) as progress:
            while True:
                with transaction.atomic():
                    with connection.cursor() as cursor:
                        if last_pk is None:
                            cursor.execute(first, [batch_size])
                        else:
                            cursor.execute(after, [last_pk, batch_size])
                        rows = cursor.fetchall()
                    for row in rows:
                        changed += self._rotate_row(fields, columns, table, pk, row, current)
                if not rows:
                    break
                last_pk = rows[-1][0]
                progress.update(len(rows))
        return changed

    def _rotate_row(self, fields, columns, table, pk, row, current) -> int:
        updates = {}
        for field, column, stored in zip(fields, columns, row[1:], strict=True):
            if stored is None or key_id_of(stored) == current:
                continue
            aad = field.associated_data
            updates[column] = encrypt(decrypt(stored, aad), aad)
        if updates:
            assignments = ", ".join(f"{column} = %s" for column in updates)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET {assignments} WHERE {pk} = %s",  # noqa: S608
                    [*updates.values(), row[0]],
                )
        return len(updates)
