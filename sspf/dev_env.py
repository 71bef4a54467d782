"""Writes development secrets and settings into var/ once; `make run` calls it.

Run again, it only adds what is missing, so keys that encrypted existing data are kept.
"""

import secrets
import sys
from pathlib import Path

from sspf.keys import new_key_spec

VAR_DIR = Path(__file__).resolve().parent.parent / "var"

SECRET_FILES = {
    "SECRET_KEY_FILE": ("secret_key", lambda: secrets.token_urlsafe(50)),
    "SSPF_FIELD_KEYS_FILE": ("field_keys", lambda: new_key_spec("dev1")),
    "SSPF_INDEX_KEY_FILE": ("index_key", lambda: new_key_spec("dev1")),
    "SSPF_AUDIT_KEY_FILE": ("audit_key", lambda: new_key_spec("dev1")),
}
SETTINGS = {"DEBUG": "1", "SSPF_REQUIRE_2FA": "0"}


def main() -> int:
    VAR_DIR.mkdir(mode=0o700, exist_ok=True)
    env_file = VAR_DIR / "dev.env"
    lines = env_file.read_text(encoding="utf-8").splitlines() if env_file.exists() else []
    present = {line.split("=", 1)[0] for line in lines if "=" in line}
    added = []
    for name, value in SETTINGS.items():
        if name not in present:
            lines.append(f"{name}={value}")
            added.append(name)
    for name, (filename, make) in SECRET_FILES.items():
        path = VAR_DIR / filename
        if not path.exists():
            path.touch(mode=0o600)
            path.write_text(make() + "\n", encoding="utf-8")
        if name not in present:
            lines.append(f"{name}={path}")
            added.append(name)
    if added or not env_file.exists():
        env_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
        env_file.chmod(0o600)
        print(f"var/dev.env: added {', '.join(added)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
