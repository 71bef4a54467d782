"""SSPF meetings at three levels (DESIGN §7): steering group, operational group and the
individual network meeting.

Group-level meetings (styrgrupp, operativ grupp) never name individuals: their agenda items
cannot link a case (the database refuses it), and their minutes and decisions are screened for
personnummer-shaped strings by the services. An agenda item has no link to a person or a
contact at all. A network meeting (nätverksmöte) has exactly one case; the minutes of its
agenda items are case entries (the writer's organisation and an information category) and are
read under the case rule (cases/access.py) exactly like notes.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Organisation
from audit.access import AccessDetails
from cases.models import Case, Category, Guardian, PlanItem
from schools.models import School
from sspf.crypto import EncryptedTextField, RowKeyField


class Level(models.TextChoices):
    STEERING = "steering", _("Steering group")
    OPERATIONAL = "operational", _("Operational group")
    NETWORK = "network", _("Network meeting")


class Meeting(AccessDetails, models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", pgettext_lazy("meeting", "Planned")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", pgettext_lazy("meeting", "Cancelled")

    level = models.CharField(
        pgettext_lazy("meeting", "level"), max_length=20, choices=Level.choices
    )
    date = models.DateField(_("date"))
    starts_at = models.TimeField(_("starts"))
    ends_at = models.TimeField(_("ends"))
    place = models.CharField(_("place"), max_length=200)
    schools = models.ManyToManyField(
        School, blank=True, related_name="+", verbose_name=_("schools it concerns")
    )
    area = models.CharField(_("area it concerns"), max_length=100, blank=True)
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="meetings"
    )
    convened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="convened_meetings",
        verbose_name=_("convened by"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLANNED
    )
    # Present at a network meeting besides the invited staff: no new names are recorded.
    young_person_present = models.BooleanField(_("the young person was present"), default=False)
    guardians_present = models.ManyToManyField(
        Guardian, blank=True, related_name="+", verbose_name=_("guardians present")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "starts_at", "id"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        default_permissions = ("add", "change", "view")
        indexes = [models.Index(fields=["case", "date"])]
        constraints = [
            models.CheckConstraint(
                condition=(Q(level="network") & Q(case__isnull=False))
                | (~Q(level="network") & Q(case__isnull=True)),
                name="network_meeting_has_exactly_one_case",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="meeting_ends_after_it_starts"
            ),
            models.CheckConstraint(
                condition=Q(level="network") | Q(young_person_present=False),
                name="young_person_present_only_at_network_meetings",
            ),
        ]

    def __str__(self):
        return f"meeting {self.pk}"

    @property
    def is_network(self) -> bool:
        return self.level == Level.NETWORK


class Attendance(models.Model):
    """An invitation (kallelse) of a user, their answer, and whether they came."""

    class Response(models.TextChoices):
        INVITED = "invited", _("Invited")
        ACCEPTED = "accepted", _("Attends")
        DECLINED = "declined", _("Declines")

    class Presence(models.TextChoices):
        PRESENT = "present", _("Present")
        ABSENT = "absent", _("Absent")
        EXCUSED = "excused", _("Excused")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendances")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="meeting_attendances"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    response = models.CharField(
        _("answer"), max_length=20, choices=Response.choices, default=Response.INVITED
    )
    presence = models.CharField(_("presence"), max_length=20, choices=Presence.choices, blank=True)
    invited_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation__name", "user__last_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="one_invitation_per_user")
        ]

    def __str__(self):
        return f"attendance {self.pk} at meeting {self.meeting_id}"


class AgendaItem(AccessDetails, models.Model):
    """A point on the agenda (dagordning) with its minutes (protokoll).

    The level is copied from the meeting so that the database itself refuses a case on a
    group-level item. The organisation and category make the minutes a case entry (DESIGN §4):
    the writer's organisation, and the kind of information, as on a note."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    level = models.CharField(max_length=20, choices=Level.choices, editable=False)
    order = models.PositiveSmallIntegerField(_("order"))
    row_key = RowKeyField()
    topic = EncryptedTextField(_("topic"))
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="agenda_items"
    )
    minutes = EncryptedTextField(_("minutes"), blank=True)
    minutes_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    minutes_at = models.DateTimeField(null=True, blank=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("information category"), max_length=20, choices=Category.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["meeting", "order", "id"]
        default_permissions = ()
        constraints = [
            models.CheckConstraint(
                condition=Q(level="network") | Q(case__isnull=True),
                name="group_level_item_links_no_case",
            ),
            models.CheckConstraint(
                condition=~Q(level="network") | Q(case__isnull=False),
                name="network_item_is_about_the_case",
            ),
        ]

    def __str__(self):
        return f"agenda item {self.pk}"


class Decision(models.Model):
    """A decision (beslut) under an agenda item. On a network meeting it is a commitment in the
    case's plan (cases.PlanItem); at group level it is a text without names."""

    agenda_item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="decisions")
    row_key = RowKeyField()
    text = EncryptedTextField(_("decision"), blank=True)
    plan_item = models.ForeignKey(
        PlanItem, on_delete=models.PROTECT, null=True, blank=True, related_name="decisions"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        default_permissions = ()

    def __str__(self):
        return f"decision {self.pk}"


class FollowUp(models.Model):
    """One follow-up (uppföljning) of a commitment at one meeting: the plan item's history.
    The item's own status and follow-up text are updated in the same transaction."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="follow_ups")
    plan_item = models.ForeignKey(PlanItem, on_delete=models.CASCADE, related_name="follow_ups")
    row_key = RowKeyField()
    status = models.CharField(_("status"), max_length=20, choices=PlanItem.Status.choices)
    text = EncryptedTextField(_("follow-up"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        default_permissions = ()

    def __str__(self):
        return f"follow-up {self.pk}"


class CalendarFeed(models.Model):
    """A user's secret iCalendar address. Only the token's SHA-256 is stored; a new token
    replaces the old one, and revoking deletes the row."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        default_permissions = ()

    def __str__(self):
        return f"calendar feed {self.pk}"
