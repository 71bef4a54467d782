"""Every write about schools: assignments and term visits."""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from accounts.models import Organisation, User
from schools.models import Assignment, School, SchoolVisit, VisitRevision
from sspf import revisions
from sspf.permissions import require


def sync_grants(*, user: User, school: School, today: datetime.date | None = None) -> bool:
    """Gives or takes `view_school` so that it matches the user's assignments to the school.

    The grant stays while an assignment is running or about to start; the date check in the
    selectors makes access exact to the day in between. Returns whether the grant remains.
    """
    today = today or timezone.localdate()
    keep = Assignment.objects.filter(user=user, school=school).not_ended(today).exists()
    if keep:
        assign_perm("schools.view_school", user, school)
    else:
        remove_perm("schools.view_school", user, school)
    return keep


@transaction.atomic
def assignment_start(
    *,
    by: User,
    school: School,
    user: User,
    kind: str,
    start_date: datetime.date,
    end_date: datetime.date | None = None,
) -> Assignment:
    require(by, "schools.add_assignment")
    _check_person_fits(user, kind)
    if end_date is not None and end_date < start_date:
        raise ValidationError({"end_date": _("The end date cannot be before the start date.")})
    # Lock the person's row so that two coordinators cannot both pass the overlap check.
    User.objects.select_for_update().filter(pk=user.pk).first()
    _check_no_overlap(school, user, kind, start_date, end_date)
    assignment = Assignment.objects.create(
        school=school,
        user=user,
        kind=kind,
        start_date=start_date,
        end_date=end_date,
        created_by=by,
    )
    sync_grants(user=user, school=school)
    return assignment


@transaction.atomic
def assignment_end(*, by: User, assignment: Assignment, end_date: datetime.date) -> Assignment:
    """Ends an assignment; ended today, the person loses the school at once."""
    require(by, "schools.change_assignment")
    if end_date < assignment.start_date:
        raise ValidationError(
            {
                "end_date": _("The end date cannot be before the start date (%(date)s).")
                % {"date": assignment.start_date.isoformat()}
            }
        )
    if assignment.end_date is not None and assignment.end_date <= timezone.localdate():
        raise ValidationError(_("This assignment has already ended."))
    assignment.end_date = end_date
    assignment.save(update_fields=["end_date"])
    sync_grants(user=assignment.user, school=assignment.school)
    return assignment


@transaction.atomic
def visit_log(
    *, by: User, school: School, date: datetime.date, purpose: str, note: str = ""
) -> SchoolVisit:
    """A contact police officer records a visit to one of their schools."""
    require(by, "schools.add_schoolvisit")
    today = timezone.localdate()
    if date > today:
        raise ValidationError({"date": _("The visit cannot be dated in the future.")})
    assigned = (
        Assignment.objects.running(today)
        .filter(user=by, school=school, kind=Assignment.Kind.POLICE_CONTACT)
        .exists()
    )
    if not assigned:
        raise ValidationError(_("You are not a contact police officer of this school."))
    return SchoolVisit.objects.create(
        school=school, officer=by, date=date, purpose=purpose, note=note
    )


def may_correct_visit(user: User, visit: SchoolVisit) -> bool:
    """The officer who recorded the visit, or a coordinator of their organisation."""
    return revisions.may_change(
        user, recorded_by_id=visit.officer_id, organisation_id=visit.officer.organisation_id
    )


def visit_correction_open(visit: SchoolVisit) -> bool:
    return timezone.now() <= revisions.correction_deadline(visit.created_at)


def _locked_visit(by: User, visit: SchoolVisit) -> SchoolVisit:
    if not may_correct_visit(by, visit):
        raise PermissionDenied("schools.correct_schoolvisit")
    visit = SchoolVisit.objects.select_for_update().get(pk=visit.pk)
    if visit.is_voided:
        raise ValidationError(_("This visit is voided and cannot be changed."))
    return visit


@transaction.atomic
def visit_correct(
    *,
    by: User,
    visit: SchoolVisit,
    date: datetime.date,
    purpose: str,
    note: str = "",
    reason: str = "",
) -> SchoolVisit:
    """Rättelse within SSPF_CORRECTION_DAYS of recording; the earlier values are kept in a
    VisitRevision, coverage counts the new ones."""
    visit = _locked_visit(by, visit)
    if not visit_correction_open(visit):
        raise ValidationError(
            _("A visit can be corrected for %(days)s days after it was recorded. Void it instead.")
            % {"days": settings.SSPF_CORRECTION_DAYS}
        )
    if date > timezone.localdate():
        raise ValidationError({"date": _("The visit cannot be dated in the future.")})
    if purpose not in SchoolVisit.Purpose.values:
        raise ValidationError({"purpose": _("Choose a purpose.")})
    changed = revisions.changed_values(visit, {"date": date, "purpose": purpose, "note": note})
    if not changed:
        raise ValidationError(_("Nothing was changed."))
    VisitRevision.objects.create(
        visit=visit,
        change=VisitRevision.Change.CORRECTED,
        changed_by=by,
        previous=revisions.snapshot(visit, changed),
        reason=reason,
    )
    for name, value in changed.items():
        setattr(visit, name, value)
    visit.save(update_fields=list(changed))
    return visit


@transaction.atomic
def visit_void(*, by: User, visit: SchoolVisit, reason: str) -> SchoolVisit:
    """Makulering at any time, with a reason: the visit stays with its history, and no
    coverage or follow-up counts it."""
    visit = _locked_visit(by, visit)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the visit is voided.")})
    VisitRevision.objects.create(
        visit=visit, change=VisitRevision.Change.VOIDED, changed_by=by, reason=reason
    )
    visit.voided_at = timezone.now()
    visit.voided_by = by
    visit.void_reason = reason
    visit.save(update_fields=["voided_at", "voided_by", "void_reason"])
    return visit


def _check_person_fits(user: User, kind: str) -> None:
    if kind == Assignment.Kind.POLICE_CONTACT:
        if user.organisation.kind != Organisation.Kind.POLICE:
            raise ValidationError(
                {
                    "user": _(
                        "Only a member of a police organisation can be a contact police officer."
                    )
                }
            )
    elif kind == Assignment.Kind.FIELD_WORKER:
        if not user.has_role("field_worker"):
            raise ValidationError(
                {"user": _("Only a field worker can have a field-worker assignment.")}
            )
    else:
        raise ValidationError({"kind": _("Unknown kind of assignment.")})


def _check_no_overlap(school, user, kind, start_date, end_date) -> None:
    overlapping = Assignment.objects.filter(school=school, user=user, kind=kind).not_ended(
        start_date
    )
    if end_date is not None:
        overlapping = overlapping.filter(start_date__lt=end_date)
    if overlapping.exists():
        raise ValidationError(
            _("%(name)s already has this kind of assignment at %(school)s for these dates.")
            % {"name": user.get_full_name() or user.username, "school": school.name}
        )
