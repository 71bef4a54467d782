"""The access rule of DESIGN §4, three ways that must agree for any world: the formula written
here from DESIGN (plain sets over the generated world, no database), the Python predicate
(`may_view`, `CaseAccess.reads_entry`) and the queryset filters (`viewable_cases`,
`CaseAccess.entry_filter`). Worlds vary team, custody and custodians on file, consents (each a
pair of organisation and category sets), disclosures (to, from, categories, ended early),
entries (organisation × category), the person's birthday and the clock."""

import datetime

import pytest
from auditlog.context import disable_auditlog
from django.conf import settings as django_settings
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from accounts.models import Organisation
from cases import access
from cases.models import Case, CaseMember, Category, Disclosure, DisclosureCategory, Note
from tests.cases.factories import TODAY, make_case, make_consent, make_guardian, make_person
from tests.factories import OrganisationFactory, UserFactory

ORGS = 4  # organisation 0 owns the case
CATEGORIES = [c.value for c in Category]
IMPLIED = {"joint": 2, "sole": 1, "special": 1}  # DESIGN §4: "unknown" covers nothing

day = st.integers(min_value=-40, max_value=40)
organisations = st.sets(st.integers(0, ORGS - 1), min_size=1)
categories = st.sets(st.sampled_from(CATEGORIES), min_size=1)

consent = st.fixed_dictionaries(
    {
        "party": st.integers(min_value=-1, max_value=2),  # -1: the person; 0–2: a guardian
        "organisations": organisations,
        "categories": categories,
        "start": day,
        "length": st.integers(min_value=0, max_value=60),
        "withdrawn": st.booleans(),
    }
)
disclosure = st.fixed_dictionaries(
    {
        "to": st.integers(1, ORGS - 1),
        "by": st.integers(0, ORGS - 1),
        "categories": categories,
        "until": day,
        "ended": st.booleans(),
    }
)
world = st.fixed_dictionaries(
    {
        # Ages around every boundary that matters: 15 (own consent) and 18 (adult).
        "age": st.integers(min_value=12, max_value=20),
        "birthday_offset": st.sampled_from([-1, 0, 1, 40, -200]),
        "custody": st.sampled_from(["unknown", "joint", "sole", "special"]),
        "guardians": st.lists(st.booleans(), max_size=3),  # has custody?
        "members": st.sets(st.integers(0, ORGS - 1), min_size=1),
        "consents": st.lists(consent, max_size=5),
        "disclosures": st.lists(disclosure, max_size=2),
        "entries": st.lists(
            st.tuples(st.integers(0, ORGS - 1), st.sampled_from(CATEGORIES)), max_size=6
        ),
        "clock": st.integers(min_value=-30, max_value=30),
    }
)


def on(offset: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=offset)


def birth_date(spec) -> datetime.date:
    return access.years_ago(TODAY, spec["age"]) + datetime.timedelta(days=spec["birthday_offset"])


# ---------------------------------------------------------------------------------------------
# The formula, from DESIGN §4, over the spec alone.
# ---------------------------------------------------------------------------------------------


def expected(spec, own_consent_age: int):
    today = on(spec["clock"])
    born = birth_date(spec)
    minor = born > access.years_ago(today, 18)
    own = born <= access.years_ago(today, own_consent_age)
    custodians = [i for i, custody in enumerate(spec["guardians"]) if custody]
    required = ({("guardian", i) for i in custodians} if minor else set()) | (
        {"person"} if own else set()
    )
    complete = not minor or (
        spec["custody"] in IMPLIED and len(custodians) >= IMPLIED[spec["custody"]]
    )
    grants: dict = {}
    for c in spec["consents"]:
        party = "person"
        if c["party"] >= 0 and spec["guardians"]:
            party = ("guardian", c["party"] % len(spec["guardians"]))
        running = on(c["start"]) <= today <= on(c["start"] + c["length"]) and not c["withdrawn"]
        if running:
            grants.setdefault(party, set()).update(
                (x, cat) for x in c["organisations"] | {0} for cat in c["categories"]
            )
    if required and complete:
        shares = set.intersection(*(grants.get(p, set()) for p in required))
    else:
        shares = set()
    circle = {0} | {x for x, _cat in shares}
    disclosed: dict = {}
    for d in spec["disclosures"]:
        start = min(d["until"], 0)
        if on(start) <= today <= on(d["until"]) and not d["ended"]:
            disclosed.setdefault(d["to"], set()).update((d["by"], cat) for cat in d["categories"])

    def reads_case(x):
        return x in spec["members"] and (x in circle or x in disclosed)

    def reads(x, e, cat):
        return x in spec["members"] and (
            (x == e and x in circle)
            or ((x, cat) in shares and (e, cat) in shares)
            or (e, cat) in disclosed.get(x, set())
        )

    return reads_case, reads


# ---------------------------------------------------------------------------------------------
# The same world in the database.
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def people(db):
    """Organisations and one team-eligible user in each; made once per test, not per example."""
    orgs = [
        OrganisationFactory(kind=Organisation.Kind.SOCIAL_SERVICES if i == 0 else "school")
        for i in range(ORGS)
    ]
    return {
        "organisations": orgs,
        "users": [UserFactory(role="school_staff", organisation=org) for org in orgs],
        "coordinator": UserFactory(role="coordinator", organisation=orgs[0]),
    }


def build(spec, people):
    orgs, users = people["organisations"], people["users"]
    person = make_person(birth_date=birth_date(spec))
    case = make_case(
        person=person,
        owner=orgs[0],
        coordinator=people["coordinator"],
        custody=spec["custody"],
        members=[(users[i], CaseMember.Role.CONTACT) for i in spec["members"]],
    )
    guardians = [make_guardian(case, custody=custody) for custody in spec["guardians"]]
    for item in spec["consents"]:
        guardian = None
        if item["party"] >= 0 and guardians:
            guardian = guardians[item["party"] % len(guardians)]
        made = make_consent(
            case,
            guardian=guardian,
            organisations=[orgs[i] for i in item["organisations"]],
            categories=sorted(item["categories"]),
            valid_from=on(item["start"]),
            valid_until=on(item["start"] + item["length"]),
        )
        if item["withdrawn"]:
            made.withdrawn_at = datetime.datetime.now(datetime.UTC)
            made.save()
    for item in spec["disclosures"]:
        made = Disclosure.objects.create(
            case=case,
            organisation=orgs[item["to"]],
            from_organisation=orgs[item["by"]],
            basis="osl_10_28",
            statute="lag (test)",
            justification="test",
            recorded_by=people["coordinator"],
            valid_from=on(min(item["until"], 0)),
            valid_until=on(item["until"]),
            ended_at=datetime.datetime.now(datetime.UTC) if item["ended"] else None,
        )
        DisclosureCategory.objects.bulk_create(
            DisclosureCategory(disclosure=made, category=c) for c in item["categories"]
        )
    entries = [
        Note.objects.create(
            case=case, author=users[e], organisation=orgs[e], category=category, text="x"
        )
        for e, category in spec["entries"]
    ]
    return case, entries


# The counter-example of DESIGN §4: each party signs {school}×{school} and {police}×{health}.
# Organisation 1 stands for the school, 2 for the police.
COUNTER_EXAMPLE = {
    "age": 16,
    "birthday_offset": 40,
    "custody": "joint",
    "guardians": [True, True],
    "members": {0, 1, 2},
    "consents": [
        {
            "party": party,
            "organisations": {org},
            "categories": {category},
            "start": -5,
            "length": 30,
            "withdrawn": False,
        }
        for party in (-1, 0, 1)
        for org, category in ((1, "school"), (2, "health"))
    ],
    "disclosures": [],
    "entries": [
        (0, "school"),
        (0, "health"),
        (1, "school"),
        (1, "health"),
        (2, "school"),
        (2, "health"),
    ],
    "clock": 0,
}


def _consents(parties, organisations, categories):
    return [
        {
            "party": party,
            "organisations": set(organisations),
            "categories": set(categories),
            "start": -5,
            "length": 30,
            "withdrawn": False,
        }
        for party in parties
    ]


# Joint custody with one custodian on file: everyone on file has consented, yet nothing opens.
JOINT_WITH_ONE_ON_FILE = {
    **COUNTER_EXAMPLE,
    "guardians": [True],
    "consents": _consents((-1, 0), {1}, {"school"}),
    "entries": [(0, "school"), (1, "school")],
}
# A disclosure ended early, next to a running one made by another organisation.
ENDED_AND_RUNNING_DISCLOSURES = {
    **COUNTER_EXAMPLE,
    "consents": [],
    "disclosures": [
        {"to": 2, "by": 0, "categories": {"social_services"}, "until": 10, "ended": True},
        {"to": 2, "by": 1, "categories": {"school"}, "until": 10, "ended": False},
    ],
    "entries": [(0, "social_services"), (1, "school"), (0, "school"), (1, "social_services")],
}


@pytest.mark.django_db
@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(spec=world)
@example(spec=COUNTER_EXAMPLE)
@example(spec=JOINT_WITH_ONE_ON_FILE)
@example(spec=ENDED_AND_RUNNING_DISCLOSURES)
def test_formula_predicate_and_filter_agree(spec, people):
    reads_case, reads = expected(spec, django_settings.SSPF_OWN_CONSENT_AGE)
    with transaction.atomic(), disable_auditlog():
        case, entries = build(spec, people)
        today = on(spec["clock"])
        loaded = access.prefetch_for_access(Case.objects.filter(pk=case.pk)).get()
        sharing = access.case_access(loaded, today)
        for x, user in enumerate(people["users"]):
            predicate = access.may_view(user, loaded, today)
            in_filter = access.viewable_cases(user, today).filter(pk=case.pk).exists()
            assert predicate == in_filter == reads_case(x), ("case", x)
            member = access.holds(user, loaded, "view_case")
            visible = Note.objects.filter(case=case).filter(
                sharing.entry_filter(user.organisation_id)
            )
            filtered = set(visible.values_list("pk", flat=True)) if member else set()
            for note, (e, category) in zip(entries, spec["entries"], strict=True):
                by_predicate = member and sharing.reads_entry(user.organisation_id, note)
                assert by_predicate == (note.pk in filtered) == reads(x, e, category), (
                    "entry",
                    x,
                    e,
                    category,
                )
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_the_counter_example_holds_as_design_states(people):
    """The school reads school entries of the school and the owner; the police reads health
    entries of the police and the owner; neither reads the other's kind from anyone else.
    (Each still reads what it wrote itself: DESIGN's "an organisation reads what it wrote".)"""
    with disable_auditlog():
        case, entries = build(COUNTER_EXAMPLE, people)
    loaded = access.prefetch_for_access(Case.objects.filter(pk=case.pk)).get()
    sharing = access.case_access(loaded, TODAY)
    orgs = people["organisations"]
    read = {
        x: {
            spec
            for note, spec in zip(entries, COUNTER_EXAMPLE["entries"], strict=True)
            if sharing.reads_entry(orgs[x].pk, note)
        }
        for x in (1, 2)
    }
    assert read[1] == {(0, "school"), (1, "school"), (1, "health")}
    assert read[2] == {(0, "health"), (2, "health"), (2, "school")}
