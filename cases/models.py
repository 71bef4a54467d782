"""Cases: the young person, the case team, consent, journal notes and the commitment plan.

Direct identifiers and free text are encrypted (sspf.crypto); every model's __str__ is a
reference, never a name. Who may read what is decided in cases/access.py only.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from accounts.models import Organisation
from audit.access import AccessDetails
from schools.models import School
from sspf.crypto import EncryptedCharField, EncryptedTextField, RowKeyField


class Category(models.TextChoices):
    """Information categories: what kind of information an entry is (DESIGN §4)."""

    SCHOOL = "school", _("School")
    SOCIAL_SERVICES = "social_services", _("Social services")
    POLICE = "police", _("Police")
    LEISURE = "leisure", _("Leisure")
    HEALTH = "health", _("Health")


def category_of(organisation) -> str:
    """The information category an organisation's own entries default to (a safe default:
    never wider than what the author's organisation is)."""
    return {
        Organisation.Kind.SCHOOL: Category.SCHOOL,
        Organisation.Kind.SOCIAL_SERVICES: Category.SOCIAL_SERVICES,
        Organisation.Kind.POLICE: Category.POLICE,
        Organisation.Kind.LEISURE: Category.LEISURE,
    }[organisation.kind]


class Versioned(models.Model):
    """Optimistic locking for rows that people edit through a form (a case, a consent, a plan
    item). Every save of an existing row raises `version` by one; an edit page carries the
    version it showed, and the service refuses the write when the row, locked, holds another
    one: someone saved in between, and nothing of theirs is silently overwritten."""

    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            self.version += 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "version"}
        super().save(*args, **kwargs)


class YoungPerson(AccessDetails, models.Model):
    """The shared person register, for de-duplication only: the number (encrypted, found
    through the blind index), birth date and gender. Names are recorded per organisation
    (PersonName), so what one organisation typed never reaches another through the register."""

    class Gender(models.TextChoices):
        GIRL = "girl", _("Girl")
        BOY = "boy", _("Boy")
        OTHER = "other", _("Other")
        NOT_RECORDED = "not_recorded", _("Not recorded")

    row_key = RowKeyField()
    personnummer = EncryptedCharField(_("personal identity number"), max_length=12)
    personnummer_index = models.CharField(max_length=64, unique=True, editable=False)
    gender = models.CharField(_("gender"), max_length=20, choices=Gender.choices)
    # Derived from the personnummer; kept in clear because consent rules and statistics
    # depend on age in the database. It is not a direct identifier on its own.
    birth_date = models.DateField(_("birth date"))
    school = models.ForeignKey(
        School,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pupils",
        verbose_name=_("current school"),
    )
    protected_identity = models.BooleanField(
        _("protected identity"),
        default=False,
        help_text=_("Skyddade personuppgifter: other agencies never see the name or number."),
    )
    protected_by = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("protection recorded by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("young person")
        verbose_name_plural = _("young people")

    def __str__(self):
        return f"person {self.pk}"

    def age_on(self, day: datetime.date) -> int:
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class PersonName(models.Model):
    """The name (and gender) of a person as one organisation recorded them (DESIGN §4:
    identity across agencies). Shown to that organisation, and through a case's consent to
    its circle. The register's own gender is the first one recorded, for statistics."""

    young_person = models.ForeignKey(YoungPerson, on_delete=models.CASCADE, related_name="names")
    row_key = RowKeyField()
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    given_name = EncryptedCharField(_("given name"), max_length=100)
    family_name = EncryptedCharField(_("family name"), max_length=100)
    gender = models.CharField(_("gender"), max_length=20, choices=YoungPerson.Gender.choices)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["young_person", "organisation"], name="one_name_per_organisation"
            )
        ]

    def __str__(self):
        return f"name {self.pk} of person {self.young_person_id}"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class Guardian(models.Model):
    """A guardian as recorded in one case: each case collects its own consents, so what one
    organisation recorded about a family is not shown to another."""

    class Relation(models.TextChoices):
        MOTHER = "mother", _("Mother")
        FATHER = "father", _("Father")
        OTHER = "other", _("Other guardian")

    case = models.ForeignKey("Case", on_delete=models.CASCADE, related_name="guardians")
    row_key = RowKeyField()
    name = EncryptedCharField(_("name"), max_length=200)
    phone = EncryptedCharField(_("phone"), max_length=40, blank=True)
    relation = models.CharField(_("relation"), max_length=20, choices=Relation.choices)
    has_custody = models.BooleanField(_("has custody"), default=True)

    class Meta:
        verbose_name = _("guardian")
        verbose_name_plural = _("guardians")

    def __str__(self):
        return f"guardian {self.pk}"


class Case(AccessDetails, Versioned, models.Model):
    class Status(models.TextChoices):
        SIGNAL = "signal", _("Signal")
        AWAITING_CONSENT = "awaiting_consent", _("Awaiting consent")
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")

    class Source(models.TextChoices):
        SCHOOL = "school", _("School")
        SOCIAL_SERVICES = "social_services", _("Social services")
        POLICE = "police", _("Police")
        LEISURE = "leisure", _("Leisure")
        GUARDIAN = "guardian", _("Guardian")
        OTHER = "other", _("Other")

    class Custody(models.TextChoices):
        """Declared, not guessed (DESIGN §4): how many custodians must consent for a minor."""

        UNKNOWN = "unknown", _("Not yet known")
        JOINT = "joint", _("Joint custody (two custodians)")
        SOLE = "sole", _("Sole custody (one custodian)")
        SPECIAL = "special", _("Special custodian (särskilt förordnad vårdnadshavare)")

    class ReopenReason(models.TextChoices):
        NEW_SIGNAL = "new_signal", _("A new signal about the young person")
        CLOSED_BY_MISTAKE = "closed_by_mistake", _("Closed by mistake")
        OTHER = "other", _("Other")

    class ClosureReason(models.TextChoices):
        GOALS_MET = "goals_met", _("Goals of the plan met")
        CONSENT_WITHDRAWN = "consent_withdrawn", _("Consent withdrawn")
        MOVED = "moved", _("Moved away")
        OTHER_MEASURE = "other_measure", _("Handed over to another measure")
        OTHER = "other", _("Other")

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    young_person = models.ForeignKey(YoungPerson, on_delete=models.PROTECT, related_name="cases")
    owner = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="owned_cases",
        verbose_name=_("owning organisation"),
    )
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="coordinated_cases",
        verbose_name=_("coordinator"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SIGNAL
    )
    signal_source = models.CharField(_("signal from"), max_length=20, choices=Source.choices)
    custody = models.CharField(
        _("custody"), max_length=20, choices=Custody.choices, default=Custody.UNKNOWN
    )
    school = models.ForeignKey(
        School,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("school"),
    )
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closure_reason = models.CharField(
        _("closure reason"), max_length=30, choices=ClosureReason.choices, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opened_on", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        default_permissions = ("add", "change", "view")
        permissions = [
            ("add_note", "Can write journal notes in the case"),
            ("manage_team", "Can change the case team"),
            ("manage_consent", "Can record and withdraw consent"),
            ("disclose_without_consent", "Can record a disclosure on a statutory basis"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="closed")
                | (Q(closed_on__isnull=False) & ~Q(closure_reason="")),
                name="closed_case_has_reason_and_date",
            )
        ]

    def __str__(self):
        return self.reference

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED


class CaseYearCounter(models.Model):
    """The last number used per year, locked while a reference is drawn."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last}"


class RiskFactor(models.Model):
    class Factor(models.TextChoices):
        TRUANCY = "truancy", _("Truancy")
        SUBSTANCE_USE = "substance_use", _("Substance use")
        CRIMINAL_ACTS = "criminal_acts", _("Criminal acts")
        VIOLENCE = "violence", _("Violence")
        EXPLOITATION = "exploitation", _("Exploitation or recruitment")
        RISKY_PEERS = "risky_peers", _("Risky peers")
        RISKY_PLACES = "risky_places", _("Risky places")
        OTHER = "other", _("Other")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="risk_factors")
    factor = models.CharField(max_length=20, choices=Factor.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "factor"], name="one_row_per_risk_factor")
        ]

    def __str__(self):
        return self.factor


class CaseMember(models.Model):
    """The case team. Membership grants the case permissions (cases/access.py)."""

    class Role(models.TextChoices):
        COORDINATOR = "coordinator", _("Coordinator")
        CASE_WORKER = "case_worker", _("Case worker")
        MENTOR = "mentor", _("Mentor")
        CONTACT = "contact", _("Contact person")
        OTHER = "other", _("Other")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_memberships"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role in the case"), max_length=20, choices=Role.choices)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "user"], name="one_membership_per_user")
        ]

    def __str__(self):
        return f"member {self.pk} of case {self.case_id}"


class Consent(Versioned, models.Model):
    """One consenting party's consent (samtycke): who may share what, for what, until when.

    Its audit entries carry what it covers (organisations and categories), so that an auditor
    reads from the log what a consent opened, not only that one was recorded."""

    class Party(models.TextChoices):
        YOUNG_PERSON = "young_person", _("The young person")
        GUARDIAN = "guardian", _("Guardian")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consents")
    row_key = RowKeyField()
    party = models.CharField(_("consenting party"), max_length=20, choices=Party.choices)
    guardian = models.ForeignKey(
        Guardian, on_delete=models.PROTECT, null=True, blank=True, related_name="consents"
    )
    organisations = models.ManyToManyField(
        Organisation, related_name="+", verbose_name=_("organisations covered")
    )
    purpose = EncryptedTextField(_("purpose"))
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    form_reference = models.CharField(_("consent form reference"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    withdrawal_reason = EncryptedTextField(_("reason for withdrawal"), blank=True)

    class Meta:
        ordering = ["-valid_from", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("valid_from")),
                name="consent_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=(Q(party="guardian") & Q(guardian__isnull=False))
                | (Q(party="young_person") & Q(guardian__isnull=True)),
                name="consent_party_matches_guardian",
            ),
        ]

    def __str__(self):
        return f"consent {self.pk}"

    def get_additional_data(self):
        covers = getattr(self, "_covers", None)
        if covers is None and self.pk:
            covers = {
                "organisations": sorted(self.organisations.values_list("pk", flat=True)),
                "categories": sorted(self.category_rows.values_list("category", flat=True)),
            }
        return covers

    def is_running(self, day: datetime.date) -> bool:
        return self.valid_from <= day <= self.valid_until and self.withdrawn_at is None


class ConsentCategory(models.Model):
    """The information categories a consent names, as rows the access filter can join."""

    consent = models.ForeignKey(Consent, on_delete=models.CASCADE, related_name="category_rows")
    category = models.CharField(max_length=20, choices=Category.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["consent", "category"], name="one_row_per_category")
        ]

    def __str__(self):
        return self.category


class TimelineEntry(models.Model):
    """What notes and plan items share: where they come from and what kind of information."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("information category"), max_length=20, choices=Category.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class Note(TimelineEntry):
    """A journal note (journalanteckning). Never edited: a correction is a new note."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    row_key = RowKeyField()
    text = EncryptedTextField(_("text"))
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("corrects note"),
    )

    class Meta:
        ordering = ["created_at", "id"]
        default_permissions = ()

    def __str__(self):
        return f"note {self.pk}"


class PlanItem(AccessDetails, Versioned, TimelineEntry):
    """A commitment in the plan (åtagandeplan): goal, action, who, by when."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="plan_items")
    row_key = RowKeyField()
    goal = EncryptedTextField(_("goal"))
    action = EncryptedTextField(_("action"))
    responsible_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("responsible organisation"),
    )
    responsible_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible person"),
    )
    due_date = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLANNED
    )
    follow_up = EncryptedTextField(_("follow-up"), blank=True)

    class Meta:
        ordering = ["due_date", "id"]
        default_permissions = ()

    def __str__(self):
        return f"plan item {self.pk}"


class Disclosure(models.Model):
    """Information given to an organisation without consent, on a statutory basis
    (sekretessbrytande bestämmelse). It lets that organisation's team members read the
    named categories until `valid_until`; their reads are flagged in the audit log."""

    class Basis(models.TextChoices):
        OSL_10_18A = "osl_10_18a", _("10 kap. 18 a § OSL (social services to police, under 21)")
        OSL_10_28 = "osl_10_28", _("10 kap. 28 § OSL (another statute requires it)")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="disclosures")
    row_key = RowKeyField()
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("to organisation")
    )
    basis = models.CharField(_("statutory basis"), max_length=20, choices=Basis.choices)
    statute = models.CharField(_("the statute that requires it"), max_length=200, blank=True)
    from_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("from organisation"),
    )
    justification = EncryptedTextField(_("justification"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    ended_at = models.DateTimeField(_("ended early"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-valid_from", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("valid_from")),
                name="disclosure_ends_after_it_starts",
            )
        ]

    def __str__(self):
        return f"disclosure {self.pk}"

    def is_running(self, day: datetime.date) -> bool:
        return self.valid_from <= day <= self.valid_until and self.ended_at is None


class DisclosureCategory(models.Model):
    disclosure = models.ForeignKey(
        Disclosure, on_delete=models.CASCADE, related_name="category_rows"
    )
    category = models.CharField(max_length=20, choices=Category.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["disclosure", "category"], name="one_row_per_disclosed_category"
            )
        ]

    def __str__(self):
        return self.category


class CaseUserObjectPermission(UserObjectPermissionBase):
    """django-guardian grants on cases with a real foreign key (DESIGN §4)."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)
