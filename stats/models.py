"""Statistics: the anonymous facts kept after a retention purge, the agreement's targets and
their yearly values, and the record of each purge.

Nothing here is personal data: a StatFact holds what the tables count (gender, birth year,
school, months, risk factors), never a name, number or date of birth.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.models import Case, RiskFactor, YoungPerson
from schools.models import School


class StatFact(models.Model):
    """What the statistics need of a purged case, named contact, held network meeting or sent
    referral (DESIGN §5: retention).

    Months, not days: the finest period of a table is a month. `person_token` lets the count
    of distinct young people stay right; `young_person` links the fact to a person who is
    still in the register because of another case, and is emptied when that person is purged.
    """

    class Kind(models.TextChoices):
        CASE = "case", _("Case")
        NAMED_CONTACT = "named_contact", _("Named contact")
        NETWORK_MEETING = "network_meeting", _("Network meeting")
        REFERRAL = "referral", _("Referral")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    gender = models.CharField(max_length=20, choices=YoungPerson.Gender.choices)
    birth_year = models.PositiveSmallIntegerField()
    school = models.ForeignKey(School, on_delete=models.SET_NULL, null=True, related_name="+")
    signal_source = models.CharField(max_length=20, choices=Case.Source.choices, blank=True)
    opened_month = models.DateField(null=True)
    closed_month = models.DateField(null=True)
    occurred_month = models.DateField(null=True)
    # Referrals: the kind, and the row of the outcome table (stats.tables.referral_outcome).
    referral_kind = models.CharField(max_length=20, blank=True)
    referral_outcome = models.CharField(max_length=20, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    person_token = models.UUIDField(default=uuid.uuid4, db_index=True)
    young_person = models.ForeignKey(
        YoungPerson, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    purge = models.ForeignKey("PurgeRun", on_delete=models.PROTECT, related_name="facts")

    class Meta:
        default_permissions = ()
        permissions = [("view_statistics", "Can see the gender-disaggregated statistics")]
        # The model stands for the statistics in the audit log: each CSV export is an ACCESS
        # entry of this type (stats.selectors.log_export); the facts themselves are not logged.
        verbose_name = _("statistics")
        verbose_name_plural = _("statistics")
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="case") & Q(opened_month__isnull=False))
                | (
                    Q(kind__in=["named_contact", "network_meeting", "referral"])
                    & Q(occurred_month__isnull=False)
                ),
                name="stat_fact_has_its_month",
            )
        ]

    def __str__(self):
        return f"statistical fact {self.pk}"


class StatFactRiskFactor(models.Model):
    fact = models.ForeignKey(StatFact, on_delete=models.CASCADE, related_name="risk_factors")
    factor = models.CharField(max_length=20, choices=RiskFactor.Factor.choices)

    def __str__(self):
        return self.factor


class PurgeRun(models.Model):
    """One `purge_expired --apply`: when, the cut-off, and how many of each were removed."""

    started_at = models.DateTimeField(auto_now_add=True)
    closed_before = models.DateField()
    counts = models.JSONField(default=dict)

    def __str__(self):
        return f"purge {self.pk}"


class Target(models.Model):
    """A target of the agreement, e.g. "crimes by young people aged 15–18: −5 % a year from
    181 in 2011" (målvärde, utgångsläge)."""

    class Direction(models.TextChoices):
        DECREASE = "decrease", _("Lower is better")
        INCREASE = "increase", _("Higher is better")

    name = models.CharField(_("name"), max_length=200, unique=True)
    baseline_year = models.PositiveSmallIntegerField(
        _("baseline year"), validators=[MinValueValidator(1990)]
    )
    baseline_value = models.DecimalField(
        _("baseline value"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    yearly_change = models.DecimalField(
        _("yearly change (%)"),
        max_digits=5,
        decimal_places=2,
        help_text=_("For example −5 for five per cent fewer each year."),
    )
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    # Where SSPF holds the figure itself, the actual value is counted, not typed.
    measure = models.CharField(
        _("counted in SSPF as"),
        max_length=30,
        blank=True,
        help_text=_(
            "Leave empty when the value comes from elsewhere (the police, customs) and is "
            "entered each year."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")

    def __str__(self):
        return self.name

    def expected(self, year: int) -> Decimal:
        """The target value for `year`: the baseline changed by the yearly percentage, compound."""
        factor = (1 + Decimal(str(self.yearly_change)) / 100) ** (year - self.baseline_year)
        return (Decimal(str(self.baseline_value)) * factor).quantize(Decimal("0.1"))

    def met(self, year: int, actual: Decimal) -> bool:
        if self.direction == self.Direction.DECREASE:
            return actual <= self.expected(year)
        return actual >= self.expected(year)


class TargetValue(models.Model):
    """The actual value of a target for one year, entered by the coordinator with its source."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="values")
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(1990)])
    value = models.DecimalField(
        _("value"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    source = models.CharField(_("source"), max_length=200)
    entered_on = models.DateField(_("date entered"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["target", "year"]
        constraints = [
            models.UniqueConstraint(fields=["target", "year"], name="one_value_per_target_year")
        ]

    def __str__(self):
        return f"{self.target_id}: {self.year}"
