import pytest

from cases.models import CaseMember, Category
from tests.cases.factories import make_case, make_consent, make_guardian, make_note, make_person


@pytest.fixture
def team(make_user):
    """Sara coordinates for social services; Sofia is the case worker; Sven the school mentor;
    Pelle the police contact; Filip the leisure worker."""
    return {
        "coordinator": make_user("coordinator", username="sara"),
        "social": make_user("social_worker", username="sofia"),
        "school": make_user("school_staff", username="sven"),
        "police": make_user("school_police", username="pelle"),
        "leisure": make_user("leisure_staff", username="filip"),
    }


@pytest.fixture
def person(organisations):
    return make_person(
        age=16, given="Ellinor", family="Bergqvist", recorded_by=organisations["social_services"]
    )


@pytest.fixture
def guardians(case):
    return [
        make_guardian(case, name="Anna Bergqvist"),
        make_guardian(case, relation="father", name="Per Bergqvist"),
    ]


@pytest.fixture
def case(team, person, organisations):
    """Social services owns it; custody is declared joint."""
    return make_case(
        person=person,
        owner=organisations["social_services"],
        coordinator=team["coordinator"],
        members=[
            (team["social"], CaseMember.Role.CASE_WORKER),
            (team["school"], CaseMember.Role.MENTOR),
            (team["police"], CaseMember.Role.CONTACT),
            (team["leisure"], CaseMember.Role.CONTACT),
        ],
    )


@pytest.fixture
def consented_case(case, guardians, organisations):
    """Both guardians and the 16-year-old consent for school and police (not leisure), for the
    categories school and police."""
    covered = [organisations["school_a"], organisations["police"]]
    categories = [Category.SCHOOL, Category.POLICE]
    for guardian in guardians:
        make_consent(case, guardian=guardian, organisations=covered, categories=categories)
    make_consent(case, organisations=covered, categories=categories)
    return case


@pytest.fixture
def notes(consented_case, team):
    return {
        "police": make_note(
            consented_case,
            team["police"],
            category="police",
            text="Polisens iakttagelse vid centrum",
        ),
        "social": make_note(
            consented_case,
            team["social"],
            category="social_services",
            text="Socialtjänstens bedömning av hemmet",
        ),
        "school": make_note(
            consented_case, team["school"], category="school", text="Frånvaron har ökat"
        ),
    }
