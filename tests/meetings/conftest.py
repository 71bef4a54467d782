import datetime

import pytest

from cases.models import CaseMember
from meetings import services
from meetings.models import Level
from tests.cases.factories import make_case, make_consent, make_guardian, make_person

DAY = datetime.timedelta(days=1)


@pytest.fixture
def people(users_by_role):
    return users_by_role


@pytest.fixture
def shared_case(people, organisations, school_a_school):
    """A social-services case with a team from school, police and leisure; both guardians and
    the 16-year-old consent for school and police, for every kind of information."""
    case = make_case(
        person=make_person(
            age=16,
            school=school_a_school,
            given="Elinorea",
            family="Bergholmsvik",
            recorded_by=organisations["social_services"],
        ),
        owner=organisations["social_services"],
        coordinator=people["coordinator"],
        members=[
            (people["social_worker"], CaseMember.Role.CASE_WORKER),
            (people["school_staff"], CaseMember.Role.MENTOR),
            (people["school_police"], CaseMember.Role.CONTACT),
            (people["leisure_staff"], CaseMember.Role.CONTACT),
        ],
    )
    covered = [organisations["school_a"], organisations["police"]]
    case.mother = make_guardian(case)
    case.father = make_guardian(case, relation="father", name="Bo Berg")
    case.mother_consent = make_consent(case, guardian=case.mother, organisations=covered)
    case.father_consent = make_consent(case, guardian=case.father, organisations=covered)
    case.own_consent = make_consent(case, organisations=covered)
    return case


@pytest.fixture
def school_a_school(organisations):
    from tests.schools.factories import SchoolFactory

    return SchoolFactory(organisation=organisations["school_a"], name="Ekbackeskolan")


def convene(by, *, level=Level.NETWORK, case=None, days=7, **extra):
    return services.meeting_create(
        by=by,
        level=level,
        date=datetime.date.today() + datetime.timedelta(days=days),
        starts_at=datetime.time(9),
        ends_at=datetime.time(10, 30),
        place="Stadshuset, rum 3",
        case=case,
        **extra,
    )


@pytest.fixture
def network_meeting(people, shared_case):
    return convene(people["coordinator"], case=shared_case)


@pytest.fixture
def operational_meeting(people):
    return convene(people["coordinator"], level=Level.OPERATIONAL)


@pytest.fixture(autouse=True)
def _english(settings):
    """The pages in English, so that the tests read the msgids whatever the Swedish catalogue
    says (the lead translates)."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
