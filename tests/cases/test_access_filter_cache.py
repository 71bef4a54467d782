"""The access filter is built once per request and joins no permission table (issue #15);
what it remembers never outlives what it depends on."""

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.db import connection
from django.db.models.signals import post_migrate
from django.test.utils import CaptureQueriesContext

from cases import access, services
from cases.models import Case, CaseMember

pytestmark = pytest.mark.django_db


def test_the_filter_is_built_once_per_user_and_day_and_reads_the_data_when_it_runs(
    team, case, make_user, monkeypatch
):
    built = []
    covers = access.covers_filter
    monkeypatch.setattr(access, "covers_filter", lambda *a: built.append(a) or covers(*a))
    newcomer = make_user("social_worker", username="nora")  # the owner's
    first = access.viewable_cases(newcomer)
    assert list(first) == []
    second = access.viewable_cases(newcomer)
    assert second is not first  # a fresh copy: no result cached in the remembered one
    assert len(built) == 1
    # A write later in the same request is seen: the filter holds no data.
    services.member_add(
        by=team["coordinator"], case=case, user=newcomer, role=CaseMember.Role.CONTACT
    )
    assert list(access.viewable_cases(newcomer)) == [case]


def test_no_check_joins_the_permission_table(team, case):
    with CaptureQueriesContext(connection) as queries:
        list(access.viewable_cases(team["social"]))
        access.may_view(team["social"], Case.objects.get(pk=case.pk))
    assert queries.captured_queries
    assert not [q for q in queries.captured_queries if "auth_permission" in q["sql"]]


def test_the_permission_ids_are_forgotten_when_permissions_are_recreated(team, case):
    ids = access.permission_ids()
    assert ids["view_case"] == Permission.objects.get(codename="view_case").pk
    config = apps.get_app_config("cases")
    post_migrate.send(
        sender=config,
        app_config=config,
        verbosity=0,
        interactive=False,
        using="default",
        apps=apps,
        plan=[],
    )
    assert access._permission_ids == {}
    assert access.permission_ids() == ids
