from auditlog.models import AbstractLogEntry
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit import seal
from sspf.crypto import EncryptedTextField, RowKeyField


class LogEntry(AbstractLogEntry):
    """django-auditlog's log entry: written with an insert-time mac, sealed into the chain by
    the sealer soon after (audit/seal.py).

    Entries are written once and never changed: on PostgreSQL triggers refuse UPDATE and
    DELETE on this table and on the seals.
    """

    nonce = models.CharField(max_length=32, null=True, editable=False)
    mac = models.CharField(max_length=64, null=True, unique=True, editable=False)
    mac_key_id = models.CharField(max_length=64, null=True, editable=False)

    class Meta(AbstractLogEntry.Meta):
        swappable = "AUDITLOG_LOGENTRY_MODEL"
        indexes = [
            models.Index(fields=["content_type", "object_id"]),
            # A user's activity over a period (the auditors' workspace).
            models.Index(fields=["actor", "timestamp"]),
        ]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("audit log entries are never changed")
        super().save(*args, **kwargs)
        seal.written()

    def _save_table(self, *args, **kwargs):
        # After the pre_save signal, through which auditlog's middleware fills in the actor,
        # address and correlation id: the insert-time mac must cover what is inserted.
        seal.prepare(self)
        return super()._save_table(*args, **kwargs)


class Seal(models.Model):
    """The link of one entry in the chain: HMAC(key, previous seal ‖ canonical entry), at its
    position in the chain (1, 2, …: the order of sealing, counted from the first entry ever
    sealed, purged ones included)."""

    entry = models.OneToOneField(
        LogEntry, on_delete=models.PROTECT, primary_key=True, related_name="seal"
    )
    key_id = models.CharField(max_length=64)
    previous = models.CharField(max_length=64)
    value = models.CharField(max_length=64, unique=True)
    position = models.BigIntegerField(unique=True)

    def __str__(self):
        return f"seal of entry {self.entry_id}"


class ChainHead(models.Model):
    """A single row naming the newest seal; the sealer locks it so the chain cannot fork.

    Its state (last id, last seal, count = the newest seal's position) is sealed in `mac`, and
    copied out of the database as anchors (audit/anchor.py); `anchored_at` says when the last
    anchor was due. `scan_from`, `scan_mark` and `scan_mark_at` only tell the request-end
    sealer where to look (audit/seal.py); they vouch for nothing: an entry they hide stays
    unsealed, and verification reports it.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_entry_id = models.BigIntegerField(null=True)
    last_seal = models.CharField(max_length=64, default=seal.GENESIS)
    entry_count = models.BigIntegerField(default=0)
    key_id = models.CharField(max_length=64, blank=True)
    mac = models.CharField(max_length=64, blank=True)
    anchored_at = models.DateTimeField(null=True, blank=True)
    scan_from = models.BigIntegerField(default=0)
    scan_mark = models.BigIntegerField(null=True, blank=True)
    scan_mark_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"chain head at entry {self.last_entry_id}"


class Checkpoint(models.Model):
    """Where a retention purge cut the log: the last purged entry's id, seal and position in
    the chain (`entry_count`), sealed with the audit key (audit/retention.py). Verification
    starts from the newest checkpoint instead of the genesis seal; the rows are never changed
    (on PostgreSQL triggers refuse it)."""

    last_entry_id = models.BigIntegerField(unique=True)
    last_seal = models.CharField(max_length=64)
    entry_count = models.BigIntegerField()
    last_timestamp = models.DateTimeField()
    purged = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    key_id = models.CharField(max_length=64)
    mac = models.CharField(max_length=64)

    class Meta:
        ordering = ["-entry_count"]
        default_permissions = ()

    def __str__(self):
        return f"checkpoint at entry {self.last_entry_id}"


class VerificationRun(models.Model):
    """The outcome of one `manage.py verify_audit_log`: shown in the auditors' workspace, and
    a failed run on every auditor's home page until an auditor acknowledges it."""

    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    intact = models.BooleanField(default=False)
    entries = models.BigIntegerField(null=True, blank=True)
    message = models.TextField(blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        default_permissions = ()

    def __str__(self):
        return f"verification {self.pk}"


class TeamMembership(models.Model):
    """When a user was on a case team: one row per stay, kept after the membership ends, so
    that a read can be compared with the team as it was at that moment (findings). Written by
    signals on cases.CaseMember (audit/apps.py), whatever path added or removed the member."""

    case_id = models.BigIntegerField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    joined_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        default_permissions = ()
        indexes = [models.Index(fields=["case_id", "user", "joined_at"])]

    def __str__(self):
        return f"membership {self.pk}"


class Review(models.Model):
    """A systematic log review (logguppföljning): a random sample of the period's reads,
    stratified by organisation, drawn from `seed` over the log as it stood at
    `last_entry_id`, so the same sample can be drawn again; each sampled entry is assessed and
    the review closed with a conclusion."""

    row_key = RowKeyField()
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until"))
    per_organisation = models.PositiveIntegerField(_("entries per organisation"))
    seed = models.BigIntegerField(_("seed"))
    last_entry_id = models.BigIntegerField(null=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    conclusion = EncryptedTextField(_("conclusion"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        default_permissions = ()
        permissions = [("use_workspace", "Can use the auditors' workspace")]

    def __str__(self):
        return f"review {self.pk}"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class ReviewSample(models.Model):
    """One sampled entry and the auditor's assessment of it. The entry is referred to without
    a database constraint: a retention purge may remove it later, the assessment stays."""

    class Verdict(models.TextChoices):
        JUSTIFIED = "justified", _("Justified")
        NOT_JUSTIFIED = "not_justified", _("Not justified")
        FOLLOW_UP = "follow_up", _("Needs follow-up")

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="samples")
    row_key = RowKeyField()
    position = models.PositiveIntegerField()
    entry = models.ForeignKey(
        LogEntry,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, null=True, related_name="+"
    )
    verdict = models.CharField(_("assessment"), max_length=20, choices=Verdict.choices, blank=True)
    comment = EncryptedTextField(_("comment"), blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assessed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["review", "position"]
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["review", "position"], name="one_sample_per_position")
        ]

    def __str__(self):
        return f"sample {self.position} of review {self.review_id}"
