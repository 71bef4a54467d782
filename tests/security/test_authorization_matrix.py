import datetime

import pytest

from tests.security.matrix import (
    ANONYMOUS,
    APP_MATRICES,
    EVERYONE,
    cases,
    stale,
    undeclared,
    url_for,
)


def test_every_url_pattern_has_a_policy():
    assert undeclared() == set(), "declare who may reach these in tests/security/matrix.py"


def test_no_policy_for_a_pattern_that_is_gone():
    assert stale() == set()


def test_a_new_view_without_a_policy_fails_the_matrix():
    assert undeclared("tests.security.extra_urls") == {"forgotten"}


@pytest.fixture
def world(users_by_role, organisations):
    """One user per role; a school the police officer and field worker are assigned to, with a
    visit, and a school nobody is assigned to."""
    import datetime

    from schools.models import SchoolVisit
    from tests.schools.factories import SchoolFactory, assign

    police, field_worker = users_by_role["school_police"], users_by_role["field_worker"]
    school_in = SchoolFactory(organisation=organisations["school_a"])
    school_out = SchoolFactory(organisation=organisations["school_b"])
    assignment = assign(police, school_in)
    assign(field_worker, school_in)
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    visit_in = SchoolVisit.objects.create(
        school=school_in, officer=police, date=yesterday, purpose="class_visit", note="n"
    )
    visit_out = SchoolVisit.objects.create(
        school=school_out, officer=police, date=yesterday, purpose="other", note="n"
    )
    built = {
        **users_by_role,
        **_cases(users_by_role, organisations, school_in),
        **_contacts(users_by_role, organisations),
        "school_in": school_in,
        "school_out": school_out,
        "assignment": assignment,
        "visit_in": visit_in,
        "visit_out": visit_out,
    }
    for app in APP_MATRICES:
        built.update(app.world(users_by_role, organisations, built))
    return built


@pytest.mark.parametrize("name,policy", cases(), ids=[f"{n} {p.scope}".strip() for n, p in cases()])
def test_matrix(name, policy, world, client):
    url = url_for(name, policy, world)
    wrong = {}
    for who in EVERYONE:
        client.logout()
        if who != ANONYMOUS:
            client.force_login(world[who])
        response = getattr(client, policy.method)(url)
        if response.status_code != policy.expected[who]:
            wrong[who] = (response.status_code, policy.expected[who])
    assert wrong == {}, f"{url}: role -> (got, expected)"


def _cases(users, organisations, school):
    """A case of social services with a team from school, police and leisure, and consent from
    both guardians and the 16-year-old covering school and police; and a case nobody here is on."""
    from cases.models import CaseMember, Disclosure, DisclosureCategory, PlanItem
    from tests.cases.factories import make_case, make_consent, make_guardian, make_person
    from tests.factories import UserFactory

    person = make_person(age=16, school=school)
    case_in = make_case(
        person=person,
        owner=organisations["social_services"],
        coordinator=users["coordinator"],
        members=[
            (users["social_worker"], CaseMember.Role.CASE_WORKER),
            (users["school_staff"], CaseMember.Role.MENTOR),
            (users["school_police"], CaseMember.Role.CONTACT),
            (users["leisure_staff"], CaseMember.Role.CONTACT),
        ],
    )
    mother, father = make_guardian(case_in), make_guardian(case_in, relation="father")
    covered = [organisations["school_a"], organisations["police"]]
    consent_in = make_consent(case_in, guardian=mother, organisations=covered)
    make_consent(case_in, guardian=father, organisations=covered)
    make_consent(case_in, organisations=covered)
    other_coordinator = UserFactory(
        role="coordinator", organisation=organisations["social_services"]
    )
    other_person = make_person(age=14)
    case_out = make_case(
        person=other_person,
        owner=organisations["social_services"],
        coordinator=other_coordinator,
        members=[
            (
                UserFactory(role="school_staff", organisation=organisations["school_b"]),
                CaseMember.Role.MENTOR,
            )
        ],
    )
    consent_out = make_consent(
        case_out, guardian=make_guardian(case_out), organisations=[organisations["school_b"]]
    )

    def disclosure(case, by):
        made = Disclosure.objects.create(
            case=case,
            organisation=organisations["police"],
            from_organisation=by.organisation,
            basis="osl_10_18a",
            justification="Risk för brott",
            recorded_by=by,
            valid_from=datetime.date.today(),
            valid_until=datetime.date.today() + datetime.timedelta(days=10),
        )
        DisclosureCategory.objects.create(disclosure=made, category="social_services")
        return made

    def plan_item(case, author):
        return PlanItem.objects.create(
            case=case,
            author=author,
            organisation=author.organisation,
            category="school",
            goal="Närvaro",
            action="Daglig kontakt",
            due_date=datetime.date.today(),
            responsible_organisation=author.organisation,
        )

    return {
        "case_in": case_in,
        "case_out": case_out,
        "consent_in": consent_in,
        "consent_out": consent_out,
        "member_in": case_in.members.get(user=users["leisure_staff"]),
        "member_out": case_out.members.exclude(user=other_coordinator).get(),
        "plan_item_in": plan_item(case_in, users["social_worker"]),
        "plan_item_out": plan_item(case_out, other_coordinator),
        "disclosure_in": disclosure(case_in, users["social_worker"]),
        "disclosure_out": disclosure(case_out, other_coordinator),
    }


def _contacts(users, organisations):
    from contacts.models import Contact, Place
    from tests.factories import UserFactory

    place = Place.objects.create(name="Resecentrum", kind="station")
    elsewhere = UserFactory(role="field_worker", organisation=organisations["leisure"])

    def group(by):
        return Contact.objects.create(
            occurred_at=datetime.datetime.now(datetime.UTC),
            place=place,
            kind="street",
            recorded_by=by,
            organisation=by.organisation,
            category="social_services",
            girls=2,
            boys=1,
        )

    return {
        "place": place,
        "contact_in": group(users["field_worker"]),
        "contact_out": group(elsewhere),
    }
