"""The gender view, its CSV, the targets and the yearly follow-up, through the pages."""

import datetime

import pytest
from django.conf import settings
from django.utils import translation

from contacts.models import Contact, Place
from sspf.csvexport import BOM
from stats.models import Target, TargetValue
from tests.once import post_form

YEAR = datetime.date.today().year


def shown(text) -> str:
    """`text` as the pages show it: in the installation's language (Swedish by default)."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(translation.gettext(text))


def group_contact(worker, *, girls, boys, when=None):
    place = Place.objects.get_or_create(name="Torget", kind="centre")[0]
    return Contact.objects.create(
        occurred_at=when or datetime.datetime(YEAR, 1, 10, 12, tzinfo=datetime.UTC),
        place=place,
        kind="street",
        recorded_by=worker,
        organisation=worker.organisation,
        category="social_services",
        girls=girls,
        boys=boys,
    )


@pytest.fixture
def contacts(make_user):
    mine, theirs = make_user("field_worker"), make_user("field_worker")
    group_contact(mine, girls=7, boys=6)
    group_contact(theirs, girls=30, boys=40)
    return mine, theirs


def test_coordinator_sees_the_suppressed_table_and_the_chart(
    client, make_user, contacts, django_assert_max_num_queries
):
    client.force_login(make_user("coordinator"))
    with django_assert_max_num_queries(12):
        page = client.get(
            "/stats/", {"measure": "contacts_group", "split": "month", "year": YEAR}
        ).content.decode()
    assert "<title" in page and "<desc" in page
    assert ">37<" in page and ">46<" in page  # January: 7+30 girls, 6+40 boys


def test_a_small_value_is_suppressed_on_the_page_and_in_the_csv(client, make_user):
    worker = make_user("field_worker")
    group_contact(worker, girls=3, boys=12)
    group_contact(worker, girls=9, boys=8, when=datetime.datetime(YEAR, 2, 3, tzinfo=datetime.UTC))
    client.force_login(make_user("coordinator"))
    query = {"measure": "contacts_group", "split": "month", "year": YEAR}
    page = client.get("/stats/", query).content.decode()
    assert 'class="suppressed"' in page
    response = client.get("/stats/csv/", query)
    text = response.content.decode("utf-8")
    assert text.startswith(BOM)
    lines = text[1:].splitlines()
    january = next(line for line in lines[2:] if line.split(";")[0].lower().startswith("jan"))
    cells = january.split(";")
    assert cells[1] == shown("suppressed") and "3" not in cells[1:]
    assert cells[1] != "0"


def test_a_field_worker_sees_only_their_own_work(client, contacts):
    mine, theirs = contacts
    client.force_login(mine)
    page = client.get(
        "/stats/", {"measure": "contacts_group", "split": "year", "year": YEAR}
    ).content.decode()
    assert ">13<" in page and ">30<" not in page and ">83<" not in page
    # Case figures are not theirs to see: the form falls back to their own contacts.
    page = client.get("/stats/", {"measure": "cases_new", "split": "year", "year": YEAR})
    assert page.status_code == 200
    assert "cases_new" not in page.content.decode().split('name="measure"')[1].split("</select>")[0]


def test_other_roles_are_refused(client, make_user):
    for role in ("school_staff", "school_police", "auditor", "administrator"):
        client.force_login(make_user(role))
        assert client.get("/stats/").status_code == 403
        assert client.get("/stats/csv/").status_code == 403


def test_coordinator_adds_a_target_and_its_value_and_the_follow_up_shows_them(
    client, make_user, django_assert_max_num_queries
):
    coordinator = make_user("coordinator")
    client.force_login(coordinator)
    response = post_form(
        client,
        "/stats/targets/",
        {
            "name": "Brott av unga 15–18",
            "baseline_year": 2011,
            "baseline_value": "181",
            "yearly_change": "-5",
            "direction": "decrease",
        },
    )
    assert response.status_code == 302
    target = Target.objects.get()
    year = YEAR - 1
    response = post_form(
        client,
        f"/stats/targets/{target.pk}/values/new/",
        {
            "year": year,
            "value": "80",
            "source": "Polisens statistik",
            "entered_on": f"{YEAR}-01-15",
        },
    )
    assert response.status_code == 302
    # Seven tables (one or two GROUP BY each: live rows and purged facts), targets, coverage.
    with django_assert_max_num_queries(24):
        page = client.get("/stats/follow-up/", {"year": year}).content.decode()
    expected = target.expected(year)
    assert str(expected).replace(".", ",") in page or str(expected) in page
    assert "Polisens statistik" in page
    csv = client.get("/stats/follow-up/csv/", {"year": year}).content.decode("utf-8")
    assert csv.startswith(BOM) and "Brott av unga 15–18;" in csv

    # Someone without the right sees neither the page nor can add.
    client.force_login(make_user("school_staff"))
    assert client.get("/stats/follow-up/").status_code == 403
    assert post_form(client, "/stats/targets/", {"name": "X"}).status_code == 403
    assert Target.objects.count() == 1


def test_a_value_for_a_year_before_the_baseline_is_refused_on_the_form(client, make_user):
    client.force_login(make_user("coordinator"))
    target = Target.objects.create(
        name="Alkohol",
        baseline_year=2011,
        baseline_value=220,
        yearly_change=10,
        direction="increase",
    )
    response = post_form(
        client,
        f"/stats/targets/{target.pk}/values/new/",
        {"year": 2005, "value": "1", "source": "x", "entered_on": f"{YEAR}-01-15"},
    )
    assert response.status_code == 200
    assert not TargetValue.objects.exists()


def test_the_expected_value_compounds_the_yearly_change():
    target = Target(baseline_year=2011, baseline_value=181, yearly_change=-5, direction="decrease")
    assert float(target.expected(2013)) == pytest.approx(181 * 0.95 * 0.95, abs=0.05)


def held_meeting(by, *, level, day, status="held", case=None, area=""):
    from meetings.models import Meeting

    return Meeting.objects.create(
        level=level,
        date=day,
        starts_at=datetime.time(9),
        ends_at=datetime.time(10),
        place="Stadshuset",
        area=area,
        case=case,
        convened_by=by,
        status=status,
    )


def test_group_meetings_are_a_table_of_levels_on_the_page_and_in_the_csv(
    client, make_user, django_assert_max_num_queries
):
    coordinator = make_user("coordinator")
    for n in range(6):
        held_meeting(coordinator, level="operational", day=datetime.date(YEAR, 1, 2 + n))
    for n in range(5):
        held_meeting(coordinator, level="steering", day=datetime.date(YEAR, 2, 2 + n))
    held_meeting(coordinator, level="steering", day=datetime.date(YEAR, 2, 20), status="planned")
    client.force_login(coordinator)
    query = {"measure": "meetings_group", "split": "term", "year": YEAR}
    with django_assert_max_num_queries(12):
        page = client.get("/stats/", query).content.decode()
    table = page.split('class="table stats-table"')[1].split("</table>")[0]
    assert shown("Steering group") in table and shown("Operational group") in table
    assert shown("Girls") not in table
    spring = table.split("<tbody>")[1].split("</tr>")[0]
    assert ">5<" in spring and ">6<" in spring and ">11<" in spring  # the planned one is not
    csv = client.get("/stats/csv/", query).content.decode("utf-8")[1:].splitlines()
    assert csv[1].split(";")[1:3] == [shown("Steering group"), shown("Operational group")]
    assert csv[2].split(";")[1:] == ["5", "6", "11"]


def test_referrals_by_outcome_on_the_page(
    client, make_user, organisations, django_assert_max_num_queries
):
    from tests.referrals.conftest import make_referral

    coordinator = make_user("coordinator")
    police = make_user("school_police")
    for _n in range(6):
        make_referral(police, organisations["mediation"], status="sent", sent_days_ago=0)
    make_referral(police, organisations["mediation"], status="draft")
    client.force_login(coordinator)
    query = {"measure": "referrals", "split": "referral_outcome", "year": YEAR}
    with django_assert_max_num_queries(12):
        page = client.get("/stats/", query).content.decode()
    open_row = [row for row in page.split("<tr>") if shown("No outcome yet") in row]
    assert open_row and ">6<" in open_row[0] and ">7<" not in page  # the draft is not sent


def test_each_csv_download_is_in_the_access_log_with_its_choices(client, make_user, contacts):
    from audit.models import LogEntry

    mine, _theirs = contacts
    coordinator = make_user("coordinator")
    exports = LogEntry.objects.filter(
        action=LogEntry.Action.ACCESS,
        content_type__app_label="stats",
        content_type__model="statfact",
    )
    client.force_login(coordinator)
    query = {"measure": "contacts_group", "split": "term", "year": YEAR}
    client.get("/stats/", query)
    assert not exports.exists()  # looking at the page is not a download
    assert client.get("/stats/csv/", query).status_code == 200
    entry = exports.get()
    assert entry.actor == coordinator
    assert entry.object_repr == f"statistik-contacts_group-term-{YEAR}.csv"
    assert entry.additional_data["export"] == {
        "file": entry.object_repr,
        "measure": "contacts_group",
        "split": "term",
        "year": YEAR,
        "scope": "all",
    }
    client.get("/stats/follow-up/csv/", {"year": YEAR - 1})
    follow_up = exports.latest("pk")
    assert follow_up.additional_data["export"] == {
        "file": f"uppfoljning-{YEAR - 1}.csv",
        "report": "follow-up",
        "year": YEAR - 1,
    }
    # A field worker's download of their own figures says so.
    client.force_login(mine)
    client.get("/stats/csv/", query)
    own = exports.latest("pk")
    assert own.actor == mine and own.additional_data["export"]["scope"] == "own work"
    # A refused download leaves no export entry.
    client.force_login(make_user("school_staff"))
    assert client.get("/stats/csv/", query).status_code == 403
    assert exports.count() == 3
