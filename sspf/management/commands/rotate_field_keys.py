"""Re-encrypts every encrypted column under the current key (the first in SSPF_FIELD_KEYS) and
in the current format, bound to its row (sspf/crypto.py): values under an older key, and
format-1 values written before values were bound to their rows.

Works in batches, each in its own transaction, and skips values that are already current:
interrupted, it can simply be run again. Each row is written only if it still holds what was
read (compare and set), so a value the application saves meanwhile is never overwritten with
an older one. Rows are read and written with plain SQL so that no model signals fire; rotation
changes no content, so it writes no audit entries per row.
"""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from tqdm import tqdm

from sspf.crypto import (
    LEGACY_VERSION,
    decrypt,
    encrypt,
    encrypted_fields,
    field_keyring,
    is_current,
    row_key_field,
)


class Command(BaseCommand):
    help = (
        "Re-encrypts every encrypted field under the current key and format, bound to its "
        "row, in resumable batches."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, batch_size, no_progress, **options):
        current = field_keyring().current_id
        self.changed = self.upgraded = 0
        for model in apps.get_models():
            fields = encrypted_fields(model)
            if fields:
                self.rotate_model(model, fields, batch_size, no_progress)
        self.stdout.write(
            self.style.SUCCESS(f"{self.changed} value(s) re-encrypted under key {current!r}.")
        )
        if self.upgraded:
            self.stdout.write(
                f"{self.upgraded} of them were format 1 and are now bound to their row."
            )

    def rotate_model(self, model, fields, batch_size, no_progress) -> None:
        quote = connection.ops.quote_name
        self.table = quote(model._meta.db_table)
        self.pk = quote(model._meta.pk.column)
        self.fields = fields
        self.columns = [quote(f.column) for f in fields]
        row_key = quote(row_key_field(model).column)
        select = f"SELECT {self.pk}, {row_key}, {', '.join(self.columns)} FROM {self.table}"  # noqa: S608
        first = f"{select} ORDER BY {self.pk} LIMIT %s"
        after = f"{select} WHERE {self.pk} > %s ORDER BY {self.pk} LIMIT %s"
        self.one = f"{select} WHERE {self.pk} = %s"
        total = model._base_manager.count()
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
                        self._rotate_row(row)
                if not rows:
                    break
                last_pk = rows[-1][0]
                progress.update(len(rows))

    def _rotate_row(self, row) -> None:
        while row is not None:
            pk, row_key, stored_values = row[0], row[1], row[2:]
            updates, upgraded = {}, 0
            for field, column, stored in zip(self.fields, self.columns, stored_values, strict=True):
                if stored is None or is_current(stored):
                    continue
                label = field.column_label
                updates[column] = (stored, encrypt(decrypt(stored, label, row_key), label, row_key))
                upgraded += stored.startswith(f"{LEGACY_VERSION}:")
            if not updates:
                return
            assignments = ", ".join(f"{column} = %s" for column in updates)
            unchanged = " AND ".join(f"{column} = %s" for column in updates)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {self.table} SET {assignments} "  # noqa: S608
                    f"WHERE {self.pk} = %s AND {unchanged}",
                    [*(new for _old, new in updates.values()), pk]
                    + [old for old, _new in updates.values()],
                )
                if cursor.rowcount == 1:
                    self.changed += len(updates)
                    self.upgraded += upgraded
                    return
                # Saved by the application meanwhile: read the row again and start over.
                cursor.execute(self.one, [pk])
                row = cursor.fetchone()
