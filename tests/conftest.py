import os

import pytest

from accounts.models import Organisation
from accounts.roles import ROLE_NAMES
from tests.factories import OrganisationFactory, UserFactory

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

# The organisation each role's user belongs to in the fixtures below.
HOME_ORGANISATION = {
    "coordinator": "social_services",
    "field_worker": "social_services",
    "school_police": "police",
    "school_staff": "school_a",
    "social_worker": "social_services",
    "leisure_staff": "leisure",
    "mediator": "mediation",
    "victim_support": "victim_support",
    "auditor": "social_services",
    "steering_group": "social_services",
    "administrator": "social_services",
}


# The data migrations that create the roles and give them permissions, in order. Tests that
# empty the tables (transactional tests) call restore_roles() to get them back.
ROLE_MIGRATIONS = [
    ("accounts.migrations.0002_roles", "create_roles"),
    ("schools.migrations.0002_role_permissions", "grant"),
    ("cases.migrations.0002_role_permissions", "grant"),
    ("contacts.migrations.0002_role_permissions", "grant"),
    ("audit.migrations.0006_role_permissions", "grant"),
    ("meetings.migrations.0002_role_permissions", "grant"),
    ("referrals.migrations.0002_role_permissions", "grant"),
    ("stats.migrations.0002_role_permissions", "grant"),
    ("accounts.migrations.0004_steering_group", "create_role"),
    ("stats.migrations.0004_steering_group", "grant"),
]


def restore_roles():
    from importlib import import_module

    from django.apps import apps

    # create_roles clears each app's models_module when it is done (right for the migration's
    # own registry); on the live one that would make every later `migrate` skip the apps'
    # post_migrate handlers.
    modules = {config.label: config.models_module for config in apps.get_app_configs()}
    try:
        for module, function in ROLE_MIGRATIONS:
            getattr(import_module(module), function)(apps, None)
    finally:
        for config in apps.get_app_configs():
            config.models_module = modules[config.label]


def missing(reason: str):
    """A test whose tool is absent: a clear skip on a laptop, a failure in CI."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true, so this is a failure, not a skip)")
    pytest.skip(reason)


@pytest.fixture
def organisations(db):
    K = Organisation.Kind
    return {
        "school_a": OrganisationFactory(name="Ekbackeskolan", kind=K.SCHOOL),
        "school_b": OrganisationFactory(name="Lindängsskolan", kind=K.SCHOOL),
        "social_services": OrganisationFactory(name="Socialtjänsten", kind=K.SOCIAL_SERVICES),
        "police": OrganisationFactory(name="Polisen", kind=K.POLICE),
        "leisure": OrganisationFactory(name="Fritid", kind=K.LEISURE),
        "mediation": OrganisationFactory(
            name="Medling", kind=K.SOCIAL_SERVICES, receives_mediation_referrals=True
        ),
        "victim_support": OrganisationFactory(
            name="Stödcentrum", kind=K.SOCIAL_SERVICES, receives_victim_support_referrals=True
        ),
    }


@pytest.fixture
def make_user(organisations):
    """make_user("coordinator") or make_user("school_staff", organisation="school_b")."""

    def make(role, organisation=None, **kwargs):
        org = organisations[organisation or HOME_ORGANISATION[role]]
        return UserFactory(role=role, organisation=org, **kwargs)

    return make


@pytest.fixture
def users_by_role(make_user):
    return {role: make_user(role, username=role) for role in ROLE_NAMES}


@pytest.fixture
def alice(make_user):
    """A coordinator in social services: the owner's side."""
    return make_user("coordinator", username="alice")


@pytest.fixture
def bob(make_user):
    """School staff at Ekbackeskolan: a colleague from another agency."""
    return make_user("school_staff", username="bob")


@pytest.fixture
def carol(make_user):
    """Leisure staff: should have no access to what the others share."""
    return make_user("leisure_staff", username="carol")


def pytest_collection_modifyitems(config, items):
    from django.db import connection

    for item in items:
        if "postgres" in item.keywords and connection.vendor != "postgresql":
            item.add_marker(
                pytest.mark.skip(reason="PostgreSQL only: runs in `make test-postgres`")
            )


@pytest.fixture(autouse=True)
def _audit_anchors_of_this_test(settings, tmp_path):
    """Each test's database starts afresh, so must the anchors of its audit log."""
    settings.SSPF_AUDIT_ANCHOR = str(tmp_path / "audit-anchors.jsonl")


@pytest.fixture(autouse=True)
def _fresh_content_type_cache():
    """A transactional test empties the tables, and content types come back with new ids;
    the cache must not hand the next test an id that no longer exists."""
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


@pytest.fixture(autouse=True)
def _warm_process_caches(request):
    """What a running server has read once per process (the case permissions' ids,
    cases/access.py) is read before the test too, so that query counts compare page views of
    a warm server, whichever test happens to run first."""
    if request.node.get_closest_marker("django_db") or "db" in request.fixturenames:
        request.getfixturevalue("db")
        from cases.access import permission_ids

        permission_ids()
