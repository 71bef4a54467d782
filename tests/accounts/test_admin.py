from django.contrib import admin
from django.contrib.auth.models import Group

from accounts.models import Organisation, User
from accounts.roles import ROLE_NAMES


def test_admin_holds_reference_data_only():
    assert {model._meta.label_lower for model in admin.site._registry} == {
        "accounts.organisation",
        "accounts.user",
        "schools.school",
    }


def test_administrator_creates_an_organisation(client, make_user):
    client.force_login(make_user("administrator"))
    response = client.post(
        "/admin/accounts/organisation/add/",
        {"name": "Björkskolan", "kind": "school", "active": "on"},
    )
    assert response.status_code == 302
    assert Organisation.objects.filter(name="Björkskolan", kind="school").exists()


def test_administrator_sets_a_users_role_but_not_superuser(client, make_user, organisations):
    client.force_login(make_user("administrator"))
    page = client.get("/admin/accounts/user/add/").content.decode()
    assert "is_superuser" not in page
    assert "user_permissions" not in page
    role = Group.objects.get(name="field_worker")
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "ny.faltare",
            "first_name": "Ny",
            "last_name": "Fältare",
            "email": "ny@example.org",
            "organisation": organisations["social_services"].pk,
            "groups": [role.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="ny.faltare")
    assert user.has_role("field_worker")
    assert not user.is_superuser


def test_role_choices_are_the_ten_roles_only(client, make_user):
    Group.objects.create(name="not-a-role")
    client.force_login(make_user("administrator"))
    page = client.get("/admin/accounts/user/add/").content.decode()
    assert "not-a-role" not in page


def test_administrators_user_list_query_budget(client, make_user, django_assert_max_num_queries):
    for _ in range(30):
        make_user("school_staff")
    client.force_login(make_user("administrator"))
    with django_assert_max_num_queries(14):
        assert client.get("/admin/accounts/user/").status_code == 200


def test_the_roles_migration_creates_every_role(db):
    assert set(Group.objects.filter(name__in=ROLE_NAMES).values_list("name", flat=True)) == set(
        ROLE_NAMES
    )


def test_only_the_administrator_role_may_change_users(db):
    for group in Group.objects.filter(name__in=ROLE_NAMES):
        codenames = set(group.permissions.values_list("codename", flat=True))
        assert ("change_user" in codenames) == (group.name == "administrator")


def test_restore_roles_rebuilds_exactly_what_the_migrations_made(db):
    """Guards tests/conftest.py ROLE_MIGRATIONS: a new role migration must be listed there."""
    from tests.conftest import restore_roles

    def snapshot():
        return {
            group.name: sorted(group.permissions.values_list("codename", flat=True))
            for group in Group.objects.filter(name__in=ROLE_NAMES)
        }

    migrated = snapshot()
    Group.objects.all().delete()
    restore_roles()
    assert snapshot() == migrated


def test_every_change_to_users_roles_and_organisations_is_sealed(client, make_user, bob):
    """DESIGN §6: changes made in the admin are in the sealed log, with the administrator as
    the actor."""
    from audit.models import LogEntry
    from tests.accounts.test_organisation_move import change_form

    administrator = make_user("administrator")
    client.force_login(administrator)
    organisation = bob.organisation
    client.post(
        f"/admin/accounts/organisation/{organisation.pk}/change/",
        {"name": "Ekbackeskolan F-9", "kind": "school", "active": "on"},
    )
    role = Group.objects.get(name="leisure_staff")
    client.post(
        f"/admin/accounts/user/{bob.pk}/change/",
        change_form(bob, email="bob.ny@example.org", groups=[role.pk]),
    )

    def changed(obj):
        entries = LogEntry.objects.get_for_object(obj).filter(
            action=LogEntry.Action.UPDATE, actor=administrator
        )
        assert all(hasattr(entry, "seal") for entry in entries)
        return {field for entry in entries for field in entry.changes}

    assert "name" in changed(organisation)
    assert {"email", "groups"} <= changed(bob)
