"""Writes of the statistics app: the agreement's targets and their yearly values."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from sspf.permissions import require
from stats.models import Target, TargetValue


@transaction.atomic
def target_create(
    *,
    by: User,
    name: str,
    baseline_year: int,
    baseline_value,
    yearly_change,
    direction: str,
    measure: str = "",
) -> Target:
    require(by, "stats.add_target")
    from stats.tables import MEASURES

    if measure and measure not in MEASURES:
        raise ValidationError({"measure": _("Choose what SSPF counts, or leave it empty.")})
    if baseline_year > timezone.localdate().year:
        raise ValidationError({"baseline_year": _("The baseline year cannot be in the future.")})
    if Decimal(str(yearly_change)) <= -100:  # the follow-up could not work out its targets
        raise ValidationError(
            {"yearly_change": _("A target cannot fall by 100 per cent or more a year.")}
        )
    if Target.objects.filter(name__iexact=name.strip()).exists():
        raise ValidationError({"name": _("There is already a target with this name.")})
    return Target.objects.create(
        name=name.strip(),
        baseline_year=baseline_year,
        baseline_value=baseline_value,
        yearly_change=yearly_change,
        direction=direction,
        measure=measure,
    )


@transaction.atomic
def target_value_record(
    *, by: User, target: Target, year: int, value, source: str, entered_on
) -> TargetValue:
    """The actual value of `target` for `year`; entering a year again corrects its value."""
    require(by, "stats.add_targetvalue")
    today = timezone.localdate()
    if not target.baseline_year <= year <= today.year:
        raise ValidationError(
            {
                "year": _("Enter a year from %(first)s to %(last)s.")
                % {"first": target.baseline_year, "last": today.year}
            }
        )
    if entered_on > today:
        raise ValidationError({"entered_on": _("The date entered cannot be in the future.")})
    found = TargetValue.objects.select_for_update().filter(target=target, year=year).first()
    if found is None:
        return TargetValue.objects.create(
            target=target,
            year=year,
            value=value,
            source=source,
            entered_on=entered_on,
            entered_by=by,
        )
    found.value, found.source, found.entered_on, found.entered_by = value, source, entered_on, by
    found.save(update_fields=["value", "source", "entered_on", "entered_by"])
    return found
