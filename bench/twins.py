"""The unprotected twins of the main pages, and the floor (issue #15).

A twin is the real view, with its template and the same queries, run with the access check and
the audit taken out: while a twin answers, the selector functions the view calls are replaced
by ones that read the same rows over the plain managers, without the access filter and
without writing ACCESS entries. The difference between a page and its twin is what the
protection costs. Two budgets compare a page with the bare query instead (the gender view with
its GROUP BY queries, the auditor's extract with the indexed query that finds the same rows):
those twins run that SQL, registered by the bench (bench/pages.py), behind the same login.

The floor is a trivial page behind the same login and middleware: what every page costs.

Mounted only by bench/urls.py (settings bench.settings), never in sspf/urls.py. The
replacement lasts one request in one thread (the bench's client and gunicorn's sync workers
answer one request at a time).
"""

import contextlib
import datetime
from types import SimpleNamespace

from auditlog.context import disable_auditlog
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.models import Prefetch, Q
from django.http import HttpResponse
from django.utils import timezone

from audit.selectors import day_start
from cases import selectors as case_selectors
from cases import views as case_views
from cases.models import Case, CaseMember, category_of
from cases.services import person_find
from contacts import services as contact_services
from contacts import views as contact_views
from contacts.models import Contact
from meetings import selectors as meeting_selectors
from meetings import views as meeting_views
from meetings.models import AgendaItem
from referrals import selectors as referral_selectors
from referrals import views as referral_views
from referrals.models import Referral
from schools import views as school_views
from sspf import keyset

# name -> [(sql, params), ...]: the bare queries, registered by the bench before it measures.
BARE: dict[str, list[tuple[str, list]]] = {}


def _bare(view):
    """The view function under its decorators (login is checked by the twin's own)."""
    while hasattr(view, "__wrapped__"):
        view = view.__wrapped__
    return view


@contextlib.contextmanager
def replaced(*replacements):
    """(module, name, function) triples, put back however the request ends."""
    saved = [(module, name, getattr(module, name)) for module, name, _ in replacements]
    try:
        for module, name, function in replacements:
            setattr(module, name, function)
        with disable_auditlog():
            yield
    finally:
        for module, name, function in saved:
            setattr(module, name, function)


@login_required
def floor(request):
    return HttpResponse("ok\n", content_type="text/plain")


@login_required
def bare(request, name):
    rows = 0
    with connection.cursor() as cursor:
        for sql, params in BARE[name]:
            cursor.execute(sql, params)
            rows += len(cursor.fetchall())
    return HttpResponse(f"{rows}\n", content_type="text/plain")


# --- the case list -------------------------------------------------------------------------


def _case_list(user, *, status="", school=None, risk_factor="", reference="", personnummer=""):
    cases = Case.objects.select_related("school", "owner").prefetch_related("risk_factors")
    if status:
        cases = cases.filter(status=status)
    if school is not None:
        cases = cases.filter(school=school)
    if risk_factor:
        cases = cases.filter(risk_factors__factor=risk_factor)
    if reference.strip():
        cases = cases.filter(reference__icontains=reference.strip())
    if personnummer:
        cases = cases.filter(young_person=person_find(personnummer=personnummer))
    return cases.order_by("-opened_on", "-id")


@login_required
def case_list(request):
    with replaced((case_views.selectors, "case_list", _case_list)):
        return _bare(case_views.case_list)(request)


# --- the case page -------------------------------------------------------------------------


def _case_view(user, pk, today=None):
    """The case page's relations, read without the access rule and without ACCESS entries."""
    today = today or timezone.localdate()
    case = (
        Case.objects.select_related("owner", "coordinator", "school", "young_person__school")
        .prefetch_related(
            "risk_factors",
            "young_person__names",
            "consents",
            "guardians",
            "disclosures",
            Prefetch(
                "members",
                queryset=CaseMember.objects.select_related("user", "organisation").order_by(
                    "organisation__name", "user__last_name"
                ),
            ),
        )
        .get(pk=pk)
    )
    members = list(case.members.all())
    minutes = list(
        AgendaItem.objects.filter(case=case, minutes_at__isnull=False)
        .select_related("meeting", "organisation", "minutes_by")
        .order_by("-minutes_at")
    )
    for item in minutes:
        item.created_at = item.minutes_at
    referrals = list(
        Referral.objects.filter(case=case, sent_at__isnull=False)
        .select_related("organisation", "receiver")
        .order_by("-created_at")
    )
    for referral in referrals:
        referral.openable = True
    consents = list(case.consents.all())
    warn_until = today + datetime.timedelta(days=settings.SSPF_CONSENT_WARNING_DAYS)
    names = {n.organisation_id: n for n in case.young_person.names.all()}
    record = names.get(user.organisation_id) or names.get(case.owner_id)
    identity = None
    if record is not None:
        identity = case_selectors.Identity(
            name=record.full_name,
            personnummer=case.young_person.personnummer,
            gender=record.get_gender_display(),
        )
    return case_selectors.CaseView(
        case=case,
        access=SimpleNamespace(circle=frozenset(m.organisation_id for m in members)),
        identity=identity,
        notes=list(
            case.notes.select_related("author", "organisation", "corrects").order_by("-created_at")
        ),
        plan_items=list(
            case.plan_items.select_related(
                "author", "organisation", "responsible_organisation", "responsible_person"
            )
        ),
        contacts=list(case.contacts.select_related("place", "recorded_by")),
        minutes=minutes,
        referrals=referrals,
        members=members,
        consents=consents,
        guardians=list(case.guardians.all()),
        expiring=[c for c in consents if c.is_running(today) and c.valid_until <= warn_until],
        disclosures=list(case.disclosures.all()),
        today=today,
    )


@login_required
def case_detail(request, pk):
    with replaced((case_views.selectors, "case_for_reading", _case_view)):
        return _bare(case_views.case_detail)(request, pk)


# --- record a contact ----------------------------------------------------------------------


def _contact_record(*, by, co_workers=(), themes=(), **data):
    contact = Contact.objects.create(
        recorded_by=by,
        organisation=by.organisation,
        category=category_of(by.organisation),
        themes=sorted(set(themes)),
        **data,
    )
    contact.co_workers.set([u for u in co_workers if u.pk != by.pk])
    return contact, True


@login_required
def contact_new(request):
    """The same form and one-time token; the contact written over the plain manager, without
    the service's rights check and without the CREATE entry and its seal."""
    with replaced((contact_services, "contact_record", _contact_record)):
        return _bare(contact_views.contact_new)(request)


# --- my contacts ---------------------------------------------------------------------------


def _my_contacts(
    user, *, since=None, until=None, place=None, kind="", direction="older", key=None, limit=30
):
    """What the user recorded, over its index, one keyset page: the same columns and order,
    without the co-worker half of the rule."""
    contacts = Contact.objects.filter(recorded_by=user)
    if since:
        contacts = contacts.filter(occurred_at__gte=day_start(since))
    if until:
        contacts = contacts.filter(occurred_at__lt=day_start(until + datetime.timedelta(days=1)))
    if place is not None:
        contacts = contacts.filter(place=place)
    if kind:
        contacts = contacts.filter(kind=kind)
    contacts = keyset.ordered(contacts, direction, key, "occurred_at")
    return list(contacts.select_related("place", "case", "school")[:limit])


@login_required
def contact_list(request):
    with replaced((contact_views.selectors, "my_contacts", _my_contacts)):
        return _bare(contact_views.contact_list)(request)


# --- meeting preparation -------------------------------------------------------------------


@login_required
def prepare_next(request):
    """Without the ACCESS entry and without the case-access filter in the meeting query; the
    per-entry sharing that decides what the page may show stays (the page is built from it)."""
    with replaced(
        (meeting_selectors.access, "viewable_cases", lambda user, today=None: Case.objects.all()),
        (meeting_selectors, "log_preparation", lambda user, meetings, preps: None),
    ):
        return _bare(meeting_views.prepare_next)(request)


# --- the referral inbox --------------------------------------------------------------------


def _inbox(user, show="new", now=None):
    now = now or timezone.now()
    referrals = referral_selectors._listing(
        Referral.objects.filter(
            Q(receiver_id=user.organisation_id, sent_at__isnull=False),
            referral_selectors.INBOX_FILTERS[show](now),
        )
    )
    if show in {"new", "overdue"}:
        return referrals.order_by("sent_at", "id")
    return referrals.order_by("-sent_at", "-id")


@login_required
def inbox(request):
    with replaced(
        (referral_views.access, "receiving_kinds", lambda user: ["mediation", "victim_support"]),
        (referral_views.selectors, "inbox", _inbox),
    ):
        return _bare(referral_views.inbox)(request)


# --- coverage ------------------------------------------------------------------------------


@login_required
def coverage(request):
    """The same page without its permission check: coverage has no per-object scope."""
    return _bare(school_views.coverage)(request)
