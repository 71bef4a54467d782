"""The bench's own database: dropped and created, migrated and filled by generate_scale_data,
or reused when it already holds the data of the same scale and seed.

What the database holds is written in its comment (COMMENT ON DATABASE), so that a rerun
knows without a table of its own; a run that fails half-way leaves no comment and the next
run builds afresh.
"""

import time

import psycopg
from django.conf import settings
from django.core.management import call_command, get_commands
from django.db import connection
from psycopg import sql

MARK = "sspf-bench"


def _admin_connection():
    """A connection to the server's maintenance database, with the bench database's
    credentials (a database cannot be dropped from a connection to itself)."""
    db = settings.DATABASES["default"]
    return psycopg.connect(
        dbname="postgres",
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        autocommit=True,
    )


def wanted_mark(scale: str, seed: int, generator: str) -> str:
    return f"{MARK} generator={generator} scale={scale} seed={seed}"


def current_mark(name: str) -> str | None:
    with _admin_connection() as admin:
        row = admin.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [name],
        ).fetchone()
    return row[0] if row else None


def _mark(name: str, mark: str | None) -> None:
    with _admin_connection() as admin:
        admin.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(name), sql.Literal(mark))
        )


def _recreate(name: str) -> None:
    connection.close()
    with _admin_connection() as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def generator() -> str:
    """generate_scale_data (issue #15) when it is there; the demo data otherwise."""
    return "generate_scale_data" if "generate_scale_data" in get_commands() else "seed_demo"


def prepare(*, scale: str, seed: int, fresh: bool, say=print) -> dict:
    """Makes sure the bench database holds the data of this scale and seed; returns what it
    did and how long it took."""
    name = settings.DATABASES["default"]["NAME"]
    made_by = generator()
    mark = wanted_mark(scale, seed, made_by)
    started = time.perf_counter()
    reused = not fresh and current_mark(name) == mark
    if reused:
        say(f"database {name}: reused ({mark})")
        call_command("migrate", verbosity=0)  # new migrations since the data was made
    else:
        say(f"database {name}: building ({mark}) ...")
        _recreate(name)
        call_command("migrate", verbosity=0)
        if made_by == "generate_scale_data":
            call_command("generate_scale_data", "--scale", str(scale), "--seed", str(seed))
        else:
            say("  generate_scale_data is not available: loading the demo data instead")
            call_command("seed_demo", force=True)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        connection.close()
        _mark(name, mark)
    seconds = time.perf_counter() - started
    say(f"database {name}: ready in {seconds:.1f} s")
    return {"name": name, "generator": made_by, "reused": reused, "seconds": round(seconds, 1)}
