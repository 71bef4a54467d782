"""Every read of referrals: always given the user, always through referrals/access.py, and
logged when a referral is opened (lists show no names and no report numbers, so they log
nothing)."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from audit.access import log_access, log_denied
from cases import access as case_access
from cases.selectors import Identity, identity_for
from referrals import access
from referrals.models import Referral, ReferralActivity, ReferralEvent

S = Referral.Status
# Withdrawals after the referral reached the receiving service stay on its home page this long.
WITHDRAWN_NOTICE_DAYS = 30


def _load(pk: int) -> Referral | None:
    return (
        Referral.objects.select_related(
            "organisation", "receiver", "created_by", "young_person", "case"
        )
        .prefetch_related("young_person__names")
        .filter(pk=pk)
        .first()
    )


def referral_for(user: User, pk: int) -> Referral:
    """The one way a view gets a referral: 404 (logged) unless the user is on one of its two
    sides; `referral.side` says which."""
    referral = _load(pk)
    side = access.side(user, referral) if referral is not None else None
    if side is None:
        log_denied(user, Referral, pk, obj=referral)
        raise Http404
    referral.side = side
    return referral


def referral_for_writing(user: User, pk: int, wanted_side: str) -> Referral:
    """For a page of one party (the sender's withdrawal, the receiver's decisions): the other
    party gets 403, everyone else 404; both refusals are logged."""
    referral = referral_for(user, pk)
    if referral.side != wanted_side:
        log_denied(user, Referral, pk, obj=referral)
        raise PermissionDenied(wanted_side)
    return referral


@dataclass
class ReferralView:
    """A referral as one user may see it now."""

    referral: Referral
    side: str
    identity: Identity | None  # the register's identity as the user's organisation recorded it
    shows_contact: bool  # the name and contact details the referral carries
    shows_victim: bool  # the victim's name: the mediation service only
    case_readable: bool  # the user reads the linked case now (by the case's own rule)
    age_at_offence: int
    events: list[ReferralEvent]
    activities: list[ReferralActivity]  # the receiving service's own records


def referral_for_reading(user: User, pk: int) -> ReferralView:
    """The referral page. A protected identity's name reaches only the organisation that
    recorded the protection (DESIGN §4), so the referral's own contact name and details are
    then shown to that organisation only; the receiving service sees "protected identity"
    and reaches the young person through the sender."""
    referral = referral_for(user, pk)
    person = referral.young_person
    shows_contact = not person.protected_identity or person.protected_by_id == user.organisation_id
    identity = identity_for(user, person) if referral.side == access.SENDER else None
    case_readable = (
        referral.case_id is not None
        and case_access.viewable_cases(user).filter(pk=referral.case_id).exists()
    )
    receiver = referral.side == access.RECEIVER
    view = ReferralView(
        referral=referral,
        side=referral.side,
        identity=identity,
        shows_contact=shows_contact,
        shows_victim=receiver and referral.is_mediation,
        case_readable=case_readable,
        age_at_offence=person.age_on(referral.offence_date),
        events=list(referral.events.select_related("actor", "organisation")),
        activities=list(referral.activities.select_related("recorded_by")) if receiver else [],
    )
    details = {"side": referral.side}
    if identity is not None:
        # One ACCESS entry per page: the referral is about the person, so their extract
        # lists it; the details say the identity was shown.
        details["young_person"] = person.pk
    log_access(user, referral, details)
    return view


def referrals_on_case(user: User, case) -> list[Referral]:
    """The referrals about the case that the user may see on its timeline (DESIGN §4): the
    case's entry rule over the sender's organisation and category, as for notes. Drafts are
    not hand-overs yet and stay off the timeline. Each carries `openable`: whether the user
    may open the referral itself (referrals/access.py)."""
    referrals = list(
        Referral.objects.filter(case=case, sent_at__isnull=False)
        .filter(case.sharing.entry_filter(user.organisation_id))
        .select_related("organisation", "receiver")
        .order_by("-created_at")
    )
    for referral in referrals:
        referral.openable = access.may_view(user, referral)
    return referrals


def _listing(queryset: QuerySet[Referral]) -> QuerySet[Referral]:
    # Lists show the reference, kind, organisations, dates and status: no names, no numbers.
    return queryset.select_related("organisation", "receiver").only(
        "pk",
        "kind",
        "status",
        "organisation__name",
        "receiver__name",
        "created_at",
        "sent_at",
        "answered_at",
        "withdrawn_at",
        "closed_on",
    )


def overdue_since(now: datetime.datetime | None = None) -> datetime.datetime:
    now = now or timezone.now()
    return now - datetime.timedelta(days=settings.SSPF_REFERRAL_ANSWER_DAYS)


INBOX_FILTERS = {
    "new": lambda now: Q(status=S.SENT),
    "overdue": lambda now: Q(status=S.SENT, sent_at__lt=overdue_since(now)),
    "in_progress": lambda now: Q(status__in=[S.ACCEPTED, S.IN_PROGRESS]),
    "withdrawn": lambda now: Q(
        status=S.WITHDRAWN,
        withdrawn_at__gte=now - datetime.timedelta(days=WITHDRAWN_NOTICE_DAYS),
    ),
    "closed": lambda now: Q(status__in=[S.DECLINED, S.COMPLETED, S.WITHDRAWN]),
}
OUTBOX_FILTERS = {
    "open": lambda now: Q(status__in=[S.DRAFT, S.SENT, S.ACCEPTED, S.IN_PROGRESS]),
    "closed": lambda now: Q(status__in=[S.DECLINED, S.COMPLETED, S.WITHDRAWN]),
}


def _received(user: User) -> QuerySet[Referral]:
    kinds = access.receiving_kinds(user)
    return access.viewable_referrals(user).filter(receiver_id=user.organisation_id, kind__in=kinds)


def inbox(user: User, show: str = "new", now=None) -> QuerySet[Referral]:
    """The receiving service's referrals of one kind of list, oldest waiting first for new
    ones, most recently changed first otherwise."""
    now = now or timezone.now()
    referrals = _listing(_received(user).filter(INBOX_FILTERS[show](now)))
    if show in {"new", "overdue"}:
        return referrals.order_by("sent_at", "id")
    return referrals.order_by("-sent_at", "-id")


def inbox_counts(user: User, now=None) -> dict[str, int]:
    """How many are new, overdue, in progress and withdrawn lately: one query."""
    now = now or timezone.now()
    return _received(user).aggregate(
        **{
            name: Count("pk", filter=rule(now))
            for name, rule in INBOX_FILTERS.items()
            if name != "closed"
        }
    )


def outbox(user: User, show: str = "open") -> QuerySet[Referral]:
    """The sender's organisation's referrals, most recently created first."""
    if not user.has_perm(access.SEND):
        return Referral.objects.none()
    referrals = access.viewable_referrals(user).filter(organisation_id=user.organisation_id)
    return _listing(referrals.filter(OUTBOX_FILTERS[show](None))).order_by("-created_at", "-id")


def referral_statistics(
    *, since: datetime.date | None = None, until: datetime.date | None = None
) -> list[dict]:
    """For the statistics: sent referrals by kind, outcome and the young person's gender,
    counted in the database (small cells are the statistics' own concern)."""
    referrals = Referral.objects.filter(sent_at__isnull=False)
    tz = timezone.get_current_timezone()
    if since:  # aware day boundaries, not converted timestamps (DESIGN §10)
        referrals = referrals.filter(
            sent_at__gte=datetime.datetime.combine(since, datetime.time(), tz)
        )
    if until:
        day_after = until + datetime.timedelta(days=1)
        referrals = referrals.filter(
            sent_at__lt=datetime.datetime.combine(day_after, datetime.time(), tz)
        )
    return list(
        referrals.values("kind", "outcome", "young_person__gender")
        .annotate(count=Count("pk"))
        .order_by("kind", "outcome", "young_person__gender")
    )
