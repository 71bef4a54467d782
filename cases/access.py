"""Who may read a case and each entry in it: the single source of truth (DESIGN §4).

    required(case, now)  = guardians with custody if age(now) < 18
                           ∪ {the person} if age(now) ≥ SSPF_OWN_CONSENT_AGE
    running(c, now)      = c.valid_from ≤ today ≤ c.valid_until and c.withdrawn_at is null
    covers(case, X, now) = required ≠ ∅ and every p in it has a running consent naming X
    circle(case, now)    = {owner} ∪ {X : covers(case, X, now)}
                           ∪ {X : a running disclosure on a statutory basis to X}
    may_view(user, case) = user holds view_case on the case (team member, through guardian)
                           and user.organisation ∈ circle(case, now)

An entry (note, plan item) from organisation E in category C is read by a member from X when
X = E = owner, or when X and E are both in the circle and C is named by every required party's
running consent (or by a running disclosure to X). Everything is evaluated at the moment of the
read, so expiry and withdrawal close access at that instant.

The case rule exists twice, as a Python predicate (`may_view`) and as a queryset filter
(`viewable_cases`); tests/cases/test_access_properties.py keeps the two in agreement.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from cases.models import Case, CaseMember, CaseUserObjectPermission, Consent, Disclosure, Guardian

EVERY_MEMBER = {"view_case", "add_note"}
CASE_LEADS = {"change_case", "manage_team"}
COORDINATOR = EVERY_MEMBER | CASE_LEADS | {"manage_consent"}


def years_ago(day: datetime.date, years: int) -> datetime.date:
    """The day `years` before `day`; 28 February stands in for a missing 29 February.

    Someone is at least `years` old on `day` exactly when born on or before this date.
    """
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def is_minor(birth_date: datetime.date, today: datetime.date) -> bool:
    return birth_date > years_ago(today, 18)


def gives_own_consent(birth_date: datetime.date, today: datetime.date) -> bool:
    return birth_date <= years_ago(today, settings.SSPF_OWN_CONSENT_AGE)


# ---------------------------------------------------------------------------------------------
# The predicate, over a case whose person, guardians, consents and disclosures are loaded.
# ---------------------------------------------------------------------------------------------

PERSON = ("person", None)


def party_of(consent: Consent) -> tuple[str, int | None]:
    return ("guardian", consent.guardian_id) if consent.guardian_id else PERSON


def required_parties(case: Case, today: datetime.date) -> set[tuple[str, int | None]]:
    person = case.young_person
    parties = set()
    if is_minor(person.birth_date, today):
        parties |= {("guardian", g.pk) for g in person.guardians.all() if g.has_custody}
    if gives_own_consent(person.birth_date, today):
        parties.add(PERSON)
    return parties


@dataclass
class CaseAccess:
    """Everything about one case's sharing at one moment, computed once per request."""

    owner_id: int
    required: set
    circle: set[int]
    named_categories: set[str]
    covered: set[int] = field(default_factory=set)  # organisations the consents cover
    disclosed: dict[int, set[str]] = field(default_factory=dict)
    missing: set = field(default_factory=set)  # required parties with no running consent

    def only_by_disclosure(self, organisation_id: int) -> bool:
        """Reads by this organisation rest on a statutory basis, not on consent: flagged."""
        return (
            organisation_id in self.disclosed
            and organisation_id not in self.covered
            and organisation_id != self.owner_id
        )

    def reads_case(self, organisation_id: int) -> bool:
        return organisation_id in self.circle

    def reads_entry(self, organisation_id: int, entry) -> bool:
        if organisation_id == self.owner_id and entry.organisation_id == self.owner_id:
            return True
        if organisation_id not in self.circle or entry.organisation_id not in self.circle:
            return False
        return entry.category in self.named_categories or entry.category in self.disclosed.get(
            organisation_id, set()
        )

    def entry_filter(self, organisation_id: int) -> Q:
        """The same rule as reads_entry, as a filter on notes or plan items of the case."""
        if organisation_id not in self.circle:
            return Q(pk__in=[])
        categories = self.named_categories | self.disclosed.get(organisation_id, set())
        shared = Q(organisation_id__in=self.circle, category__in=categories)
        if organisation_id == self.owner_id:
            return shared | Q(organisation_id=self.owner_id)
        return shared


def case_access(case: Case, today: datetime.date | None = None) -> CaseAccess:
    """Needs case.young_person.guardians, case.consents (with organisations and category_rows)
    and case.disclosures (with category_rows) prefetched to stay free of extra queries."""
    today = today or timezone.localdate()
    required = required_parties(case, today)
    running = [c for c in case.consents.all() if c.is_running(today)]
    by_party: dict = {}
    for consent in running:
        entry = by_party.setdefault(party_of(consent), (set(), set()))
        entry[0].update(o.pk for o in consent.organisations.all())
        entry[1].update(r.category for r in consent.category_rows.all())
    missing = {p for p in required if p not in by_party}
    if required and not missing:
        covered = set.intersection(*(by_party[p][0] for p in required))
        named = set.intersection(*(by_party[p][1] for p in required))
    else:
        covered, named = set(), set()
    disclosed: dict[int, set[str]] = {}
    for disclosure in case.disclosures.all():
        if disclosure.is_running(today):
            disclosed.setdefault(disclosure.organisation_id, set()).update(
                r.category for r in disclosure.category_rows.all()
            )
    return CaseAccess(
        owner_id=case.owner_id,
        required=required,
        circle={case.owner_id} | covered | set(disclosed),
        named_categories=named,
        covered=covered,
        disclosed=disclosed,
        missing=missing,
    )


def holds(user, case: Case, codename: str) -> bool:
    return CaseUserObjectPermission.objects.filter(
        user=user, content_object=case, permission__codename=codename
    ).exists()


def may_view(user, case: Case, today: datetime.date | None = None) -> bool:
    """The predicate: a team member whose organisation is in the case's circle now."""
    return holds(user, case, "view_case") and case_access(case, today).reads_case(
        user.organisation_id
    )


def prefetch_for_access(queryset: QuerySet[Case]) -> QuerySet[Case]:
    return queryset.select_related("young_person").prefetch_related(
        "young_person__guardians",
        Prefetch("consents", queryset=Consent.objects.select_related("guardian", "collected_by")),
        "consents__organisations",
        "consents__category_rows",
        "disclosures__category_rows",
    )


# ---------------------------------------------------------------------------------------------
# The queryset filter: the same rule in SQL, for lists.
# ---------------------------------------------------------------------------------------------


def _granted(user, codename="view_case"):
    return Exists(
        CaseUserObjectPermission.objects.filter(
            user=user, permission__codename=codename, content_object=OuterRef("pk")
        )
    )


def covers_filter(organisation_id: int, today: datetime.date) -> Q:
    """covers(case, organisation, today) as a filter on Case."""
    minor = Q(young_person__birth_date__gt=years_ago(today, 18))
    own = Q(young_person__birth_date__lte=years_ago(today, settings.SSPF_OWN_CONSENT_AGE))
    running = Consent.objects.filter(
        valid_from__lte=today,
        valid_until__gte=today,
        withdrawn_at__isnull=True,
        organisations=organisation_id,
    )
    person_consents = Exists(running.filter(case=OuterRef("pk"), guardian__isnull=True))
    custody = Guardian.objects.filter(young_person=OuterRef("young_person"), has_custody=True)
    guardian_without_consent = Exists(
        custody.filter(
            ~Exists(running.filter(case=OuterRef(OuterRef("pk")), guardian=OuterRef("pk")))
        )
    )
    someone_required = (minor & Exists(custody)) | own
    return someone_required & (~minor | ~guardian_without_consent) & (~own | person_consents)


def disclosed_filter(organisation_id: int, today: datetime.date) -> Q:
    return Q(
        Exists(
            Disclosure.objects.filter(
                case=OuterRef("pk"),
                organisation=organisation_id,
                valid_from__lte=today,
                valid_until__gte=today,
            )
        )
    )


def viewable_cases(user, today: datetime.date | None = None) -> QuerySet[Case]:
    """The filter: every case `may_view(user, case)` is true for, in one query."""
    today = today or timezone.localdate()
    org = user.organisation_id
    return Case.objects.filter(_granted(user)).filter(
        Q(owner_id=org) | covers_filter(org, today) | disclosed_filter(org, today)
    )


# ---------------------------------------------------------------------------------------------
# Grants: kept in sync with the team by the services, in their transaction.
# ---------------------------------------------------------------------------------------------


def wanted_grants(case: Case, members) -> set[tuple[int, str]]:
    wanted = set()
    for member in members:
        codenames = set(EVERY_MEMBER)
        if member.user_id == case.coordinator_id:
            codenames |= COORDINATOR
        if member.role == CaseMember.Role.CASE_WORKER and member.organisation_id == case.owner_id:
            codenames |= CASE_LEADS
        wanted |= {(member.user_id, codename) for codename in codenames}
    return wanted


def sync(case: Case) -> None:
    """Makes the guardian grants on the case exactly those the team calls for."""
    from django.contrib.auth.models import Permission

    permissions = {
        p.codename: p
        for p in Permission.objects.filter(content_type=ContentType.objects.get_for_model(Case))
    }
    wanted = wanted_grants(case, case.members.all())
    existing = {
        (row.user_id, row.permission.codename): row.pk
        for row in CaseUserObjectPermission.objects.filter(content_object=case).select_related(
            "permission"
        )
    }
    stale = [pk for key, pk in existing.items() if key not in wanted]
    CaseUserObjectPermission.objects.filter(pk__in=stale).delete()
    CaseUserObjectPermission.objects.bulk_create(
        CaseUserObjectPermission(
            user_id=user_id, permission=permissions[codename], content_object=case
        )
        for user_id, codename in wanted - existing.keys()
    )
