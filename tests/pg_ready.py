"""Is the PostgreSQL server of DATABASE_URL reachable? Used by `make test-postgres`.

Exit 0 when it is. When it is not: exit 1 in CI (CI=true), where the leg must not pass
silently; elsewhere print the reason and exit 2, which the Makefile reports as a skip.
"""

import os
import sys

import dj_database_url
import psycopg


def main() -> int:
    config = dj_database_url.parse(os.environ["DATABASE_URL"])
    try:
        psycopg.connect(
            host=config["HOST"],
            port=config["PORT"] or 5432,
            user=config["USER"],
            password=config["PASSWORD"] or None,
            dbname="postgres",
            connect_timeout=3,
        ).close()
    except psycopg.OperationalError as error:
        reason = f"PostgreSQL at {config['HOST']}:{config['PORT']} is not reachable: {error}"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            print(f"FAIL: {reason}", file=sys.stderr)
            return 1
        print(f"SKIPPED: the PostgreSQL leg. {reason}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
