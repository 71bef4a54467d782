import pytest
from django.core.management import CommandError, call_command

from accounts.demo import DEMO_PASSWORD, USERS
from accounts.models import Organisation, User
from accounts.roles import ROLE_NAMES


def test_refuses_to_run_with_debug_off(db):
    with pytest.raises(CommandError, match="refuses to run with DEBUG off"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_creates_the_municipality_and_one_user_per_role(db, client):
    call_command("seed_demo", force=True)
    kinds = set(Organisation.objects.values_list("kind", flat=True))
    assert kinds == {"school", "social_services", "police", "leisure"}
    assert Organisation.objects.filter(kind="school").count() >= 3
    assert Organisation.objects.filter(receives_mediation_referrals=True).exists()
    assert Organisation.objects.filter(receives_victim_support_referrals=True).exists()
    assert {role for _u, _f, _l, role, _o in USERS} == set(ROLE_NAMES)
    for username, _first, _last, _role, organisation in USERS:
        client.logout()
        response = client.post(
            "/accounts/login/", {"username": username, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302, username
        home = client.get("/").content.decode()
        assert organisation in home


def test_demo_schools_show_gaps_in_coverage(db):
    from django.utils import timezone

    from schools.selectors import coverage

    call_command("seed_demo", force=True)
    table = coverage(timezone.localdate())
    assert len(table.rows) >= 5
    assert any(row.missing_police for row in table.rows)
    assert any(not row.visited_this_term for row in table.rows)
    assert any(row.missing_police == 0 and all(row.visited) for row in table.rows)


def test_running_twice_changes_nothing(db):
    call_command("seed_demo", force=True)
    call_command("seed_demo", force=True, if_empty=True)
    assert User.objects.count() == len(USERS)
