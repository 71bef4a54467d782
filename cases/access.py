"""Who may read a case and each entry in it: the single source of truth (DESIGN §4).

Evaluated at the moment of the read (age and dates as of now, not as of signing):

    required(case, now)  = custodians on file if age(now) < 18
                           ∪ {the person} if age(now) ≥ SSPF_OWN_CONSENT_AGE
    complete(case, now)  = age(now) ≥ 18, or the custody declared on the case (joint: two,
                           sole or special custodian: one; unknown: never) is on file
    running(c, now)      = c.valid_from ≤ today ≤ c.valid_until and c.withdrawn_at is null
    grants(p)            = ⋃ over c ∈ running(p): (c.organisations ∪ {owner}) × c.categories
    shares(case, now)    = ⋂ over p ∈ required: grants(p)   (empty when required = ∅ or the
                                                            declared custody is not complete)
    circle(case, now)    = {owner} ∪ {X : some (X, C) ∈ shares}
    disclosed(X)         = {(E, C) : a running disclosure to X, made by E, names C}
    may_view(user, case) = user holds view_case on the case (team member, through guardian)
                           and (user.organisation ∈ circle or disclosed(user.organisation) ≠ ∅)
    reads(X, E, C)       = (X = E and X ∈ circle)
                           or ((X, C) ∈ shares and (E, C) ∈ shares)
                           or (E, C) ∈ disclosed(X)

A consent row is a pair of sets: it lets the organisations it names exchange the categories it
names, and nothing across rows. Expiry and withdrawal close access at the instant they happen.

The case rule exists twice, as a Python predicate (`may_view`) and as a queryset filter
(`viewable_cases`); the entry rule as `CaseAccess.reads_entry` and `CaseAccess.entry_filter`.
tests/cases/test_access_properties.py keeps each pair equal to the formula above.

`check_case` is the one access check on a case: every selector and service goes through it.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.signals import post_migrate
from django.dispatch import receiver
from django.utils import timezone

from cases.models import (
    Case,
    CaseMember,
    CaseUserObjectPermission,
    Category,
    Consent,
    Disclosure,
    Guardian,
)

EVERY_MEMBER = {"view_case", "add_note"}
CASE_LEADS = {"change_case", "manage_team"}
COORDINATOR = EVERY_MEMBER | CASE_LEADS | {"manage_consent"}

# How many custodians each declared arrangement implies; "unknown" covers nothing.
CUSTODIANS_IMPLIED = {
    Case.Custody.JOINT: 2,
    Case.Custody.SOLE: 1,
    Case.Custody.SPECIAL: 1,
}


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


def custodians(case: Case) -> list[Guardian]:
    return [g for g in case.guardians.all() if g.has_custody]


def custody_complete(case: Case, today: datetime.date) -> bool:
    """Every custodian the declared arrangement implies is on file (adults need none)."""
    if not is_minor(case.young_person.birth_date, today):
        return True
    implied = CUSTODIANS_IMPLIED.get(case.custody)
    return implied is not None and len(custodians(case)) >= implied


def required_parties(case: Case, today: datetime.date) -> set[tuple[str, int | None]]:
    person = case.young_person
    parties = set()
    if is_minor(person.birth_date, today):
        parties |= {("guardian", g.pk) for g in custodians(case)}
    if gives_own_consent(person.birth_date, today):
        parties.add(PERSON)
    return parties


@dataclass
class CaseAccess:
    """Everything about one case's sharing at one moment, computed once per request."""

    owner_id: int
    required: set
    shares: set[tuple[int, str]]  # (organisation, category) pairs every required party grants
    disclosed: dict[int, set[tuple[int, str]]] = field(default_factory=dict)
    disclosure_bases: dict[int, set[str]] = field(default_factory=dict)  # for the audit flag
    missing: set = field(default_factory=set)  # required parties with no running consent
    custodians_missing: int = 0  # custodians the declared arrangement implies, not on file

    @property
    def circle(self) -> set[int]:
        return {self.owner_id} | {organisation for organisation, _category in self.shares}

    def under_disclosure(self, organisation_id: int, entry=None) -> list[str]:
        """The statutory bases this organisation reads the case (or `entry`) under, for the
        flag on its ACCESS entry: every read under a disclosure is flagged (DESIGN §4), also
        when consent lets the organisation into the case as well."""
        if entry is not None and (entry.organisation_id, entry.category) not in self.disclosed.get(
            organisation_id, set()
        ):
            return []
        return sorted(self.disclosure_bases.get(organisation_id, set()))

    def reads_case(self, organisation_id: int) -> bool:
        return organisation_id in self.circle or organisation_id in self.disclosed

    def reads(self, organisation_id: int, source_id: int, category: str) -> bool:
        """reads(X, E, C) of the module docstring."""
        return (
            (organisation_id == source_id and organisation_id in self.circle)
            or ((organisation_id, category) in self.shares and (source_id, category) in self.shares)
            or (source_id, category) in self.disclosed.get(organisation_id, set())
        )

    def reads_entry(self, organisation_id: int, entry) -> bool:
        return self.reads(organisation_id, entry.organisation_id, entry.category)

    def entry_filter(self, organisation_id: int) -> Q:
        """The same rule as reads_entry, as a filter on notes, plan items or contacts."""
        rule = Q(pk__in=[])
        if organisation_id in self.circle:
            rule |= Q(organisation_id=organisation_id)
        for category in {c for x, c in self.shares if x == organisation_id}:
            sources = {e for e, c in self.shares if c == category}
            rule |= Q(category=category, organisation_id__in=sources)
        for source, category in self.disclosed.get(organisation_id, set()):
            rule |= Q(category=category, organisation_id=source)
        return rule


def case_access(case: Case, today: datetime.date | None = None) -> CaseAccess:
    """Needs case.guardians, case.consents (with organisations and category_rows) and
    case.disclosures (with category_rows) prefetched to stay free of extra queries."""
    today = today or timezone.localdate()
    required = required_parties(case, today)
    grants: dict = {}
    for consent in case.consents.all():
        if consent.is_running(today):
            organisations = {o.pk for o in consent.organisations.all()} | {case.owner_id}
            categories = {r.category for r in consent.category_rows.all()}
            grants.setdefault(party_of(consent), set()).update(
                (x, c) for x in organisations for c in categories
            )
    missing = {p for p in required if p not in grants}
    complete = custody_complete(case, today)
    if required and complete and not missing:
        shares = set.intersection(*(grants[p] for p in required))
    else:
        shares = set()
    disclosed: dict[int, set[tuple[int, str]]] = {}
    bases: dict[int, set[str]] = {}
    for disclosure in case.disclosures.all():
        if disclosure.is_running(today):
            disclosed.setdefault(disclosure.organisation_id, set()).update(
                (disclosure.from_organisation_id, r.category)
                for r in disclosure.category_rows.all()
            )
            bases.setdefault(disclosure.organisation_id, set()).add(disclosure.basis)
    implied = CUSTODIANS_IMPLIED.get(case.custody, 0)
    return CaseAccess(
        owner_id=case.owner_id,
        required=required,
        shares=shares,
        disclosed=disclosed,
        disclosure_bases=bases,
        missing=missing,
        custodians_missing=max(implied - len(custodians(case)), 0),
    )


# ---------------------------------------------------------------------------------------------
# The case permissions' ids: looked up once per process, so that no check joins auth_permission.
# ---------------------------------------------------------------------------------------------

_permission_ids: dict[int, dict[str, int]] = {}  # content type id → {codename: permission id}


def permission_ids() -> dict[str, int]:
    """codename → id of the Case permissions. Permissions only change in migrations; a flush
    (transactional tests) recreates them with new ids and sends post_migrate, which empties
    this cache, and the content type's id is part of the key."""
    content_type = ContentType.objects.get_for_model(Case)
    ids = _permission_ids.get(content_type.pk)
    if ids is None:
        ids = dict(
            Permission.objects.filter(content_type=content_type).values_list("codename", "pk")
        )
        _permission_ids.clear()
        _permission_ids[content_type.pk] = ids
    return ids


@receiver(post_migrate)
def _forget_permission_ids(**kwargs):
    _permission_ids.clear()


def held(user, case: Case) -> set[str]:
    """The user's case permissions: one query, remembered on the case instance for the rest of
    the request (selectors may load them with the case: cases.selectors._load). sync() forgets
    them when it changes the grants."""
    remembered = getattr(case, "_held", None)
    if remembered is not None and remembered[0] == user.pk:
        return remembered[1]
    codenames = {pk: codename for codename, pk in permission_ids().items()}
    rows = CaseUserObjectPermission.objects.filter(user=user, content_object=case)
    found = {codenames[pk] for pk in rows.values_list("permission_id", flat=True)}
    case._held = (user.pk, found)
    return found


def held_annotations(user) -> dict:
    """held(user, case) for every grantable codename, as annotations on a Case query, so that
    the page loads the user's rights with the case (see remember_held)."""
    ids = permission_ids()
    return {
        f"_holds_{codename}": Exists(
            CaseUserObjectPermission.objects.filter(
                user=user, permission_id=ids[codename], content_object=OuterRef("pk")
            )
        )
        for codename in sorted(COORDINATOR)
    }


def remember_held(user, case: Case) -> None:
    """Keeps the rights loaded by held_annotations as held(user, case)."""
    found = {c for c in COORDINATOR if getattr(case, f"_holds_{c}", False)}
    case._held = (user.pk, found)


def holds(user, case: Case, codename: str) -> bool:
    return CaseUserObjectPermission.objects.filter(
        user=user, content_object=case, permission_id=permission_ids()[codename]
    ).exists()


def may_view(user, case: Case, today: datetime.date | None = None) -> bool:
    """The predicate: a team member whose organisation is in the case's circle now (or
    holds a running disclosure)."""
    return holds(user, case, "view_case") and case_access(case, today).reads_case(
        user.organisation_id
    )


class Refused(Exception):
    """The access check's answer when the user may not: `visible` tells whether they may at
    least read the case (a 403 then, not a 404)."""

    def __init__(self, codename: str, *, visible: bool):
        super().__init__(codename)
        self.visible = visible


def check_case(
    user, case: Case, codename: str = "view_case", today: datetime.date | None = None
) -> CaseAccess:
    """The one access check on a case: the user reads it now and holds `codename` on it.
    Returns the case's sharing, or raises Refused."""
    rights = held(user, case)
    sharing = case_access(case, today)
    if "view_case" not in rights or not sharing.reads_case(user.organisation_id):
        raise Refused(codename, visible=False)
    if codename not in rights:
        raise Refused(codename, visible=True)
    return sharing


def prefetch_for_access(queryset: QuerySet[Case]) -> QuerySet[Case]:
    return queryset.select_related("young_person").prefetch_related(
        "guardians",
        Prefetch("consents", queryset=Consent.objects.select_related("guardian", "collected_by")),
        "consents__organisations",
        "consents__category_rows",
        Prefetch("disclosures", queryset=Disclosure.objects.select_related("organisation")),
        "disclosures__category_rows",
    )


# ---------------------------------------------------------------------------------------------
# The queryset filter: the same rule in SQL, for lists.
# ---------------------------------------------------------------------------------------------


def _granted(user, codename="view_case"):
    return Exists(
        CaseUserObjectPermission.objects.filter(
            user=user, permission_id=permission_ids()[codename], content_object=OuterRef("pk")
        )
    )


def _custody_complete_filter(today: datetime.date) -> Q:
    custody = Guardian.objects.filter(case=OuterRef("pk"), has_custody=True)
    second = Guardian.objects.filter(case=OuterRef(OuterRef("pk")), has_custody=True).exclude(
        pk=OuterRef("pk")
    )
    at_least_two = Exists(custody.filter(Exists(second)))
    adult = Q(young_person__birth_date__lte=years_ago(today, 18))
    return (
        adult
        | (Q(custody=Case.Custody.JOINT) & at_least_two)
        | (Q(custody__in=[Case.Custody.SOLE, Case.Custody.SPECIAL]) & Exists(custody))
    )


def _required_filter(today: datetime.date) -> tuple[Q, Q, Q]:
    """(minor, gives own consent, someone is required and the declared custody is on file):
    the parts of shares(case, today) that do not depend on the organisation or category."""
    minor = Q(young_person__birth_date__gt=years_ago(today, 18))
    own = Q(young_person__birth_date__lte=years_ago(today, settings.SSPF_OWN_CONSENT_AGE))
    custody = Guardian.objects.filter(case=OuterRef("pk"), has_custody=True)
    someone_required = (minor & Exists(custody)) | own
    return minor, own, someone_required & _custody_complete_filter(today)


def _every_required_party_grants(
    organisation_id: int, category: str, today: datetime.date, minor: Q, own: Q
) -> Q:
    """Every required party has a running consent naming (organisation, category)."""
    running = Consent.objects.filter(
        valid_from__lte=today,
        valid_until__gte=today,
        withdrawn_at__isnull=True,
        category_rows__category=category,
    ).filter(Q(organisations=organisation_id) | Q(case__owner_id=organisation_id))
    person_consents = Exists(running.filter(case=OuterRef("pk"), guardian__isnull=True))
    custody = Guardian.objects.filter(case=OuterRef("pk"), has_custody=True)
    guardian_without_consent = Exists(
        custody.filter(
            ~Exists(running.filter(case=OuterRef(OuterRef("pk")), guardian=OuterRef("pk")))
        )
    )
    return (~minor | ~guardian_without_consent) & (~own | person_consents)


def shares_filter(organisation_id: int, category: str, today: datetime.date) -> Q:
    """(organisation, category) ∈ shares(case, today), as a filter on Case (organisation not
    the owner: the owner is in every running consent's organisations)."""
    minor, own, required = _required_filter(today)
    return required & _every_required_party_grants(organisation_id, category, today, minor, own)


def covers_filter(organisation_id: int, today: datetime.date) -> Q:
    """covers(case, organisation, today): some (organisation, C) ∈ shares, that is
    required(case) and some C that every required party grants: the parts that do not depend
    on C are built once, not once per category (building the filter is most of its cost)."""
    minor, own, required = _required_filter(today)
    per_category = Q(
        *(
            _every_required_party_grants(organisation_id, category, today, minor, own)
            for category in Category.values
        ),
        _connector=Q.OR,
    )
    return required & per_category


def disclosed_filter(organisation_id: int, today: datetime.date) -> Q:
    return Q(
        Exists(
            Disclosure.objects.filter(
                case=OuterRef("pk"),
                organisation=organisation_id,
                valid_from__lte=today,
                valid_until__gte=today,
                ended_at__isnull=True,
            )
        )
    )


def viewable_cases(user, today: datetime.date | None = None) -> QuerySet[Case]:
    """The filter: every case `may_view(user, case)` is true for, in one query.

    Built once per request: the user instance (request.user) remembers it per organisation
    and day, and each caller gets a fresh copy. The filter holds no data (consents, grants
    and dates are read by the SQL when it runs), so a write earlier in the request is seen."""
    today = today or timezone.localdate()
    org = user.organisation_id
    built = user.__dict__.setdefault("_viewable_cases", {})
    key = (user.pk, org, today)
    if key not in built:
        built[key] = Case.objects.filter(_granted(user)).filter(
            Q(owner_id=org) | covers_filter(org, today) | disclosed_filter(org, today)
        )
    return built[key].all()


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
    case.__dict__.pop("_held", None)
    permissions = {
        p.codename: p
        for p in Permission.objects.filter(content_type=ContentType.objects.get_for_model(Case))
    }
    # From the database, never from a list loaded earlier in the request (which would miss
    # the member just added).
    wanted = wanted_grants(case, CaseMember.objects.filter(case=case))
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
