"""The access rule exists twice, as a predicate and as a queryset filter; they must agree for
any team, consents, disclosures, birthday and clock (DESIGN §4)."""

import datetime

import pytest
from auditlog.context import disable_auditlog
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Organisation
from cases import access
from cases.models import CaseMember, Disclosure, DisclosureCategory
from tests.cases.factories import TODAY, make_case, make_consent, make_guardian, make_person
from tests.factories import OrganisationFactory, UserFactory

ORGS = 4  # organisation 0 owns the case
day = st.integers(min_value=-40, max_value=40).map(lambda n: TODAY + datetime.timedelta(days=n))

consent = st.fixed_dictionaries(
    {
        "party": st.integers(min_value=-1, max_value=1),  # -1: the person; 0, 1: a guardian
        "organisations": st.sets(st.integers(0, ORGS - 1), min_size=1),
        "start": day,
        "length": st.integers(min_value=0, max_value=60),
        "withdrawn": st.booleans(),
    }
)
world = st.fixed_dictionaries(
    {
        # Ages around every boundary that matters: 15 (own consent) and 18 (adult).
        "age": st.integers(min_value=12, max_value=20),
        "birthday_offset": st.sampled_from([-1, 0, 1, 40, -200]),
        "guardians": st.lists(st.booleans(), max_size=2),  # has custody?
        "members": st.sets(st.integers(0, ORGS - 1), min_size=1),
        "consents": st.lists(consent, max_size=5),
        "disclosures": st.lists(st.tuples(st.integers(1, ORGS - 1), day), max_size=2),
        "clock": st.integers(min_value=-30, max_value=30),
    }
)


def build(spec):
    organisations = [
        OrganisationFactory(kind=Organisation.Kind.SOCIAL_SERVICES if i == 0 else "school")
        for i in range(ORGS)
    ]
    users = [UserFactory(role="school_staff", organisation=org) for org in organisations]
    coordinator = UserFactory(role="coordinator", organisation=organisations[0])
    birth = access.years_ago(TODAY, spec["age"]) + datetime.timedelta(days=spec["birthday_offset"])
    person = make_person(birth_date=birth)
    guardians = [make_guardian(person, custody=custody) for custody in spec["guardians"]]
    case = make_case(
        person=person,
        owner=organisations[0],
        coordinator=coordinator,
        members=[(users[i], CaseMember.Role.CONTACT) for i in spec["members"]],
    )
    for item in spec["consents"]:
        guardian = None
        if item["party"] >= 0 and guardians:
            guardian = guardians[item["party"] % len(guardians)]
        made = make_consent(
            case,
            guardian=guardian,
            organisations=[organisations[i] for i in item["organisations"]],
            valid_from=item["start"],
            valid_until=item["start"] + datetime.timedelta(days=item["length"]),
        )
        if item["withdrawn"]:
            made.withdrawn_at = datetime.datetime.now(datetime.UTC)
            made.save()
    for org_index, until in spec["disclosures"]:
        disclosure = Disclosure.objects.create(
            case=case,
            organisation=organisations[org_index],
            basis="osl_10_18a",
            recorded_by=coordinator,
            valid_from=min(until, TODAY),
            valid_until=until,
        )
        DisclosureCategory.objects.create(disclosure=disclosure, category="police")
    return case, [*users, coordinator, UserFactory(role="coordinator")]


@pytest.mark.django_db
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(spec=world)
def test_predicate_and_filter_agree(spec):
    with transaction.atomic(), disable_auditlog():
        case, users = build(spec)
        today = TODAY + datetime.timedelta(days=spec["clock"])
        loaded = access.prefetch_for_access(type(case).objects.filter(pk=case.pk)).get()
        for user in users:
            predicate = access.may_view(user, loaded, today)
            in_filter = access.viewable_cases(user, today).filter(pk=case.pk).exists()
            assert predicate == in_filter, (spec, user.organisation_id)
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_the_properties_are_not_vacuous(organisations):
    """The generator reaches both answers: some members read, some do not."""
    spec = {
        "age": 16,
        "birthday_offset": 40,
        "guardians": [True],
        "members": {0, 1, 2},
        "consents": [
            {"party": 0, "organisations": {1}, "start": TODAY, "length": 5, "withdrawn": False},
            {"party": -1, "organisations": {1}, "start": TODAY, "length": 5, "withdrawn": False},
        ],
        "disclosures": [],
        "clock": 0,
    }
    case, users = build(spec)
    readers = {i for i, user in enumerate(users[:ORGS]) if access.may_view(user, case, TODAY)}
    assert readers == {0, 1}
