"""Small helpers that read settings from the environment (with `var/dev.env` as fallback)."""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

DEV_ENV_FILE = Path(
    os.environ.get("SSPF_ENV_FILE") or Path(__file__).resolve().parent.parent / "var" / "dev.env"
)


def _read_env_file(path: Path) -> dict[str, str]:
    values = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                name, value = line.split("=", 1)
                values[name.strip()] = value.strip()
    return values


_dev_env = _read_env_file(DEV_ENV_FILE)


def env(name: str, default: str | None = None) -> str | None:
    """The real environment wins; the development file fills in what it leaves out."""
    if name in os.environ:
        return os.environ[name]
    return _dev_env.get(name, default)


def envbool(name: str, default: bool) -> bool:
    value = env(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def envint(name: str, default: int) -> int:
    value = env(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def envlist(name: str, default: str) -> list[str]:
    value = env(name, default) or ""
    return [item.strip() for item in value.split(",") if item.strip()]


def envsecret(name: str) -> str | None:
    """A secret from NAME, or from the file that NAME_FILE points to."""
    value = env(name)
    if value:
        return value
    path = env(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip() or None
        except OSError as error:
            raise ImproperlyConfigured(
                f"{name}_FILE points to {path}, which cannot be read ({error.strerror})."
            ) from None
    return None
