"""PostgreSQL helpers for the round-trip tests: databases of our own beside the test database,
pg_dump/pg_restore, a digest of every table, and manage.py run against another database."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
from django.apps import apps
from django.db import connection

from sspf.crypto import encrypted_fields
from tests.conftest import missing

ROOT = Path(__file__).resolve().parents[2]
PREFIX = "sspf_h_faults"  # every database these tests make starts so


def tools() -> None:
    for tool in ("pg_dump", "pg_restore"):
        if shutil.which(tool) is None:
            missing(f"{tool} is not installed")


def _params(dbname: str) -> dict:
    config = connection.settings_dict
    return {
        "host": config["HOST"],
        "port": config["PORT"] or 5432,
        "user": config["USER"],
        "password": config["PASSWORD"] or None,
        "dbname": dbname,
    }


def url(dbname: str) -> str:
    config = connection.settings_dict
    password = f":{config['PASSWORD']}" if config["PASSWORD"] else ""
    return (
        f"postgres://{config['USER']}{password}@{config['HOST']}:{config['PORT'] or 5432}/{dbname}"
    )


def libpq_env() -> dict:
    config = connection.settings_dict
    env = {**os.environ, "PGHOST": config["HOST"], "PGPORT": str(config["PORT"] or 5432)}
    env["PGUSER"] = config["USER"]
    if config["PASSWORD"]:
        env["PGPASSWORD"] = config["PASSWORD"]
    return env


def recreate(dbname: str) -> None:
    assert dbname.startswith(PREFIX)
    drop(dbname)
    with psycopg.connect(**_params("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{dbname}"')


def drop(dbname: str) -> None:
    assert dbname.startswith(PREFIX)
    with psycopg.connect(**_params("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def dump(path: Path, dbname: str | None = None) -> None:
    subprocess.run(
        [
            "pg_dump",
            "-Fc",
            "--no-owner",
            "-f",
            str(path),
            dbname or connection.settings_dict["NAME"],
        ],
        env=libpq_env(),
        check=True,
    )


def restore(path: Path, dbname: str) -> None:
    recreate(dbname)
    subprocess.run(
        [
            "pg_restore",
            "--no-owner",
            "--exit-on-error",
            "--single-transaction",
            "-d",
            dbname,
            str(path),
        ],
        env=libpq_env(),
        check=True,
    )


def digests(dbname: str | None = None) -> dict[str, str]:
    """md5 over every row of every table (rows as text, sorted), and every sequence's value."""
    with psycopg.connect(**_params(dbname or connection.settings_dict["NAME"])) as db:
        tables = db.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        ).fetchall()
        result = {}
        for (table,) in tables:
            result[table] = db.execute(
                f"SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, E'\\n' "  # noqa: S608
                f"ORDER BY t::text)), '') FROM \"{table}\" t"
            ).fetchone()[0]
        sequences = db.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
        ).fetchall()
        result.update({f"sequence {name}": str(value) for name, value in sequences})
        return result


def plaintexts() -> dict[str, list]:
    """Every encrypted value of the database, decrypted, by model (run in the process whose
    keys are under test)."""
    result = {}
    for model in apps.get_models():
        names = [field.name for field in encrypted_fields(model)]
        if names:
            rows = model._base_manager.order_by("pk").values_list("pk", *names)
            result[model._meta.label] = [list(map(str, row)) for row in rows]
    return result


def manage(*args, dbname: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """manage.py with the test settings against database `dbname`; `env` overrides (say, the
    keys)."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": url(dbname),
            **(env or {}),
        },
        capture_output=True,
        text=True,
        timeout=300,
    )


def plaintexts_of(dbname: str, env: dict | None = None) -> dict[str, list]:
    done = manage(
        "shell",
        "-c",
        "import json; from tests.faults.pgtools import plaintexts; print(json.dumps(plaintexts()))",
        dbname=dbname,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])
