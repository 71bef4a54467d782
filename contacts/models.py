"""Field workers' contacts (uppsökande arbete): named contacts with a young person, and
anonymous group contacts that carry only head counts by gender and an age band."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from audit.access import AccessDetails
from cases.models import Case, Category, YoungPerson
from schools.models import School
from sspf.crypto import EncryptedTextField, RowKeyField


class Place(models.Model):
    """Where field workers meet young people; the coordinator keeps the list."""

    class Kind(models.TextChoices):
        CENTRE = "centre", _("Town centre")
        STATION = "station", _("Station")
        SCHOOL = "school", _("School")
        YOUTH_CENTRE = "youth_centre", _("Youth centre")
        ONLINE = "online", _("Online")
        HOME_VISIT = "home_visit", _("Home visit")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("place")
        verbose_name_plural = _("places")

    def __str__(self):
        return self.name


class Contact(AccessDetails, models.Model):
    class Kind(models.TextChoices):
        STREET = "street", _("Street outreach")
        CONCERN_TALK = "concern_talk", _("Concern talk")
        SCHOOL = "school", _("School contact")
        PHONE = "phone", _("Phone")
        OTHER = "other", _("Other")

    class AgeBand(models.TextChoices):
        UNDER_13 = "under_13", _("Under 13")
        AGE_13_15 = "13_15", _("13–15")
        AGE_16_17 = "16_17", _("16–17")
        AGE_18_PLUS = "18_plus", _("18 or older")
        MIXED = "mixed", _("Mixed ages")

    class Theme(models.TextChoices):
        ALCOHOL = "alcohol", _("Alcohol")
        DRUGS = "drugs", _("Drugs")
        VIOLENCE = "violence", _("Violence")
        VANDALISM = "vandalism", _("Vandalism")
        RISKY_PLACE = "risky_place", _("Risky place")

    occurred_at = models.DateTimeField(_("when"), db_index=True)
    place = models.ForeignKey(
        Place, on_delete=models.PROTECT, related_name="contacts", verbose_name=_("place")
    )
    school = models.ForeignKey(
        School,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("school"),
    )
    kind = models.CharField(_("kind of contact"), max_length=20, choices=Kind.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="recorded_contacts"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    co_workers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("co-workers")
    )
    # Named: a young person (and perhaps their case). Anonymous: head counts only.
    young_person = models.ForeignKey(
        YoungPerson, on_delete=models.PROTECT, null=True, blank=True, related_name="contacts"
    )
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="contacts"
    )
    girls = models.PositiveSmallIntegerField(_("girls"), default=0)
    boys = models.PositiveSmallIntegerField(_("boys"), default=0)
    others = models.PositiveSmallIntegerField(_("other"), default=0)
    not_recorded = models.PositiveSmallIntegerField(_("not recorded"), default=0)
    age_band = models.CharField(_("age band"), max_length=10, choices=AgeBand.choices, blank=True)
    themes = models.JSONField(_("themes"), default=list, blank=True)
    note = EncryptedTextField(_("note"), blank=True)
    row_key = RowKeyField()
    # The recorder's organisation's category (cases.models.category_of), set by the service.
    category = models.CharField(max_length=20, choices=Category.choices)
    # One per form shown: a second submit of the same form finds the first contact.
    client_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # Voided (makulerad): kept with its history, counted nowhere (contacts/services.py).
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
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        permissions = [("view_overview", "Can see the night and weekend overview")]
        indexes = [
            models.Index(fields=["recorded_by", "-occurred_at"]),
            models.Index(fields=["organisation", "occurred_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(young_person__isnull=False) & Q(girls=0, boys=0, others=0, not_recorded=0)
                )
                | (
                    Q(young_person__isnull=True)
                    & Q(case__isnull=True)
                    & (Q(girls__gt=0) | Q(boys__gt=0) | Q(others__gt=0) | Q(not_recorded__gt=0))
                ),
                name="contact_is_named_or_an_anonymous_group",
            )
        ]

    COUNTS = ["girls", "boys", "others", "not_recorded"]

    def __str__(self):
        return f"contact {self.pk}"

    @property
    def is_named(self) -> bool:
        return self.young_person_id is not None

    @property
    def head_count(self) -> int:
        return self.girls + self.boys + self.others + self.not_recorded

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None


class ContactRevision(models.Model):
    """Rättelse: one correction or voiding of a contact, with the values it had before
    (encrypted: a previous note is as sensitive as the note). The contact holds the current
    values, which the statistics count; this table keeps the original."""

    class Change(models.TextChoices):
        CORRECTED = "corrected", _("Corrected")
        VOIDED = "voided", _("Voided")

    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="revisions")
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
        return f"contact revision {self.pk}"
