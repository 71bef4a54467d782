import pytest

from tests.security.matrix import ANONYMOUS, EVERYONE, cases, stale, undeclared, url_for


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
    return {
        **users_by_role,
        "school_in": school_in,
        "school_out": school_out,
        "assignment": assignment,
        "visit_in": visit_in,
        "visit_out": visit_out,
    }


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
