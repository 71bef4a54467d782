"""Anchors: the chain head's state, copied out of the application's database (DESIGN §6).

The seal chain proves that no entry inside the log was changed, but someone who may write the
database and holds the audit key can cut the newest entries off, wind the head back and seal it
again; or empty the log. An anchor is a record that the chain once held `entry_count` entries
(positions) up to `last_entry_id`, ending in `last_seal`, with its own HMAC. It goes to a place
the application can add to but not rewrite (SSPF_AUDIT_ANCHOR):

- a file path: one JSON line per anchor, opened for appending only. Put it on storage that
  keeps it append-only (`chattr +a`, a WORM mount, a file shipped to an object store with
  retention lock); `var/audit-anchors.jsonl` in development.
- `syslog:`: one line per anchor to the local syslog daemon (facility authpriv, tag
  `sspf-audit-anchor`), which forwards it to a log server the application cannot reach.

Anchors are written after the commit of the sealer's batch that reaches a multiple of
SSPF_AUDIT_ANCHOR_EVERY, after the first batch that comes more than SSPF_AUDIT_ANCHOR_SECONDS
after the last anchor, and by every successful `manage.py verify_audit_log`, which also checks
the log against every anchor it can read: the log must still hold each anchored entry, at the
same position in the chain, with the same seal.
"""

import datetime
import hashlib
import hmac
import json
import logging
import os
import syslog
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from audit import seal
from sspf.keys import UnknownKey

SYSLOG = "syslog:"
SYSLOG_TAG = "sspf-audit-anchor"
VERSION = 1

logger = logging.getLogger(__name__)


class AnchorError(Exception):
    """An anchor could not be written, or a stored one is damaged or forged."""


@dataclass(frozen=True)
class State:
    """What an anchor records: the head of the chain at one moment."""

    last_entry_id: int | None
    last_seal: str
    entry_count: int

    @classmethod
    def of(cls, head) -> "State":
        return cls(head.last_entry_id, head.last_seal, head.entry_count)


@dataclass(frozen=True)
class Anchor:
    last_entry_id: int | None
    last_seal: str
    entry_count: int
    at: str  # when it was written, ISO 8601 in UTC
    key_id: str
    mac: str

    @property
    def state(self) -> State:
        return State(self.last_entry_id, self.last_seal, self.entry_count)

    def line(self) -> str:
        return json.dumps({"v": VERSION, **asdict(self)}, separators=(",", ":"))


def _mac(state: State, at: str, key: bytes) -> str:
    body = json.dumps(
        ["anchor", VERSION, state.last_entry_id, state.last_seal, state.entry_count, at]
    )
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()


def make(state: State, *, now: datetime.datetime | None = None) -> Anchor:
    ring = seal.keyring()
    at = (now or timezone.now()).astimezone(datetime.UTC).isoformat(timespec="microseconds")
    return Anchor(
        state.last_entry_id,
        state.last_seal,
        state.entry_count,
        at,
        ring.current_id,
        _mac(state, at, ring.current),
    )


def due(head, now: datetime.datetime, sealed: int = 1) -> bool:
    """Whether the batch of `sealed` entries just sealed onto `head` should be anchored: it
    reached a multiple of SSPF_AUDIT_ANCHOR_EVERY, or the last anchor is old enough."""
    every = settings.SSPF_AUDIT_ANCHOR_EVERY
    if head.entry_count // every != (head.entry_count - sealed) // every:
        return True
    return head.anchored_at is None or (now - head.anchored_at).total_seconds() >= (
        settings.SSPF_AUDIT_ANCHOR_SECONDS
    )


def target() -> str:
    return str(settings.SSPF_AUDIT_ANCHOR)


def target_file() -> Path | None:
    """The anchor file, or None when anchors go to syslog (and cannot be read back here)."""
    return None if target() == SYSLOG else Path(target())


def write(state: State) -> Anchor:
    """Appends an anchor of `state` to SSPF_AUDIT_ANCHOR; raises AnchorError when it cannot."""
    anchor = make(state)
    path = target_file()
    try:
        if path is None:
            syslog.openlog(SYSLOG_TAG, 0, syslog.LOG_AUTHPRIV)
            syslog.syslog(syslog.LOG_NOTICE, anchor.line())
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(descriptor, (anchor.line() + "\n").encode())
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
    except OSError as error:
        raise AnchorError(f"cannot write the audit anchor to {target()}: {error}") from error
    return anchor


def write_after_commit(state: State) -> None:
    """The writer's anchor: a failure is logged loudly but does not undo the committed entry."""
    try:
        write(state)
    except AnchorError:
        logger.exception("Audit anchor not written at entry %s", state.last_entry_id)


def read(path: Path) -> list[Anchor]:
    """Every anchor in a file of anchor lines (text before the first "{" is ignored, so lines
    taken from a syslog server can be read as they are). A missing file holds none; a line that
    is not an anchor, or whose mac does not match, raises AnchorError."""
    ring = seal.keyring()
    anchors = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    except OSError as error:
        raise AnchorError(f"cannot read the audit anchors in {path}: {error}") from error
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            fields = json.loads(line[line.index("{") :])
            version = fields.pop("v")
            anchor = Anchor(**fields)
            key = ring.get(anchor.key_id)
        except (ValueError, TypeError, KeyError, UnknownKey) as error:
            raise AnchorError(f"{path} line {number} is not a readable anchor ({error})") from None
        if version != VERSION or not hmac.compare_digest(
            _mac(anchor.state, anchor.at, key), anchor.mac
        ):
            raise AnchorError(f"{path} line {number} does not match its seal: it was altered")
        anchors.append(anchor)
    return anchors
