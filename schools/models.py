import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from accounts.models import Organisation
from schools.terms import Term
from sspf.crypto import EncryptedTextField, RowKeyField


class School(models.Model):
    """A school in the SSPF agreement: reference data, edited by administrators."""

    class Level(models.TextChoices):
        LOWER_SECONDARY = "lower_secondary", _("Lower secondary (years 7–9)")
        UPPER_SECONDARY = "upper_secondary", _("Upper secondary")
        OTHER = "other", _("Other")

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="schools",
        limit_choices_to={"kind": Organisation.Kind.SCHOOL},
        verbose_name=_("organisation"),
    )
    name = models.CharField(_("name"), max_length=200, unique=True)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    area = models.CharField(_("area or district"), max_length=100, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("school")
        verbose_name_plural = _("schools")

    def __str__(self):
        return self.name


class AssignmentQuerySet(models.QuerySet):
    def running(self, on: datetime.date):
        """Assignments in force on the day `on` (the end date is the first day without it)."""
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gt=on), start_date__lte=on)

    def not_ended(self, on: datetime.date):
        """Running or starting later: these keep the object permission on the school."""
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gt=on))


class Assignment(models.Model):
    """A person's assignment to a school: contact police officer or field worker.

    It runs from `start_date` up to, not including, `end_date`; while it runs it grants
    `view_school` on its school (services keep the guardian grant in sync).
    """

    class Kind(models.TextChoices):
        POLICE_CONTACT = "police_contact", _("Contact police officer")
        FIELD_WORKER = "field_worker", _("Field worker")

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("school")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="school_assignments",
        verbose_name=_("person"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(
        _("end date"), null=True, blank=True, help_text=_("The first day without the assignment.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["school__name", "kind", "start_date"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="assignment_ends_after_it_starts",
            )
        ]
        indexes = [models.Index(fields=["user", "school", "kind"])]

    def __str__(self):
        return f"assignment {self.pk}"

    def is_running(self, on: datetime.date) -> bool:
        return self.start_date <= on and (self.end_date is None or self.end_date > on)


class SchoolVisit(models.Model):
    """A contact police officer's visit to a school; every school wants one each term."""

    class Purpose(models.TextChoices):
        LEADERSHIP_ADVICE = "leadership_advice", _("Advice to school leadership")
        CLASS_VISIT = "class_visit", _("Class visit")
        PARENTS_MEETING = "parents_meeting", _("Parents' meeting")
        OTHER = "other", _("Other")

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="visits", verbose_name=_("school")
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="school_visits",
        verbose_name=_("officer"),
    )
    date = models.DateField(_("date"))
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    note = EncryptedTextField(_("note"), blank=True)
    row_key = RowKeyField()
    created_at = models.DateTimeField(auto_now_add=True)
    # Voided (makulerad): kept with its history, counted nowhere (schools/services.py).
    voided_at = models.DateTimeField(null=True, blank=True, editable=False)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    void_reason = EncryptedTextField(_("reason"), blank=True, null=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("school visit")
        verbose_name_plural = _("school visits")
        indexes = [models.Index(fields=["school", "date"])]

    def __str__(self):
        return f"school visit {self.pk}"

    @property
    def term(self) -> Term:
        return Term.of(self.date)

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None


class VisitRevision(models.Model):
    """Rättelse: one correction or voiding of a school visit, with the values it had before
    (encrypted, like the note). The visit holds the current values, which coverage counts."""

    class Change(models.TextChoices):
        CORRECTED = "corrected", _("Corrected")
        VOIDED = "voided", _("Voided")

    visit = models.ForeignKey(SchoolVisit, on_delete=models.PROTECT, related_name="revisions")
    change = models.CharField(max_length=10, choices=Change.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    previous = EncryptedTextField(blank=True)  # JSON: field name -> value before the change
    reason = EncryptedTextField(blank=True)
    row_key = RowKeyField()

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self):
        return f"visit revision {self.pk}"


class SchoolUserObjectPermission(UserObjectPermissionBase):
    """django-guardian grants on schools, with a real foreign key (DESIGN §4)."""

    content_object = models.ForeignKey(School, on_delete=models.CASCADE)


class SchoolGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(School, on_delete=models.CASCADE)
