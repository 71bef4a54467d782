"""The authorization matrix: every URL pattern of the project and who may reach it.

Each pattern is keyed by its name ("app:name"), or by "namespace:route" when it has none.
A pattern missing from POLICIES fails the matrix test, so a new view cannot ship without
deciding who may see it. Expected statuses are per role, plus "anonymous".
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.roles import ROLE_NAMES

ANONYMOUS = "anonymous"
EVERYONE = [ANONYMOUS, *ROLE_NAMES]


@dataclass
class Policy:
    expected: dict[str, int]
    method: str = "get"
    # Builds the URL from the world of the test (users and objects); None: reverse(name).
    url: Callable[[dict], str] | None = None
    kwargs: Callable[[dict], dict] = field(default=lambda world: {})
    # For object pages: which object ("in scope": the police and field worker of the world
    # are assigned to it; "out of scope": nobody is).
    scope: str = ""


def statuses(default: int, anonymous: int | None = None, **by_role: int) -> dict[str, int]:
    table = {role: by_role.get(role, default) for role in ROLE_NAMES}
    table[ANONYMOUS] = default if anonymous is None else anonymous
    return table


def signed_in(status=200, **kwargs) -> Policy:
    """Any signed-in user; the anonymous visitor is sent to the login page."""
    return Policy(statuses(status, anonymous=302), **kwargs)


def public(status=200, **kwargs) -> Policy:
    return Policy(statuses(status), **kwargs)


def administrators_only(status=200, **kwargs) -> Policy:
    """The Django admin: administrators only; others get 403, the anonymous the login page."""
    return Policy(statuses(403, anonymous=302, administrator=status), **kwargs)


def only(status_for: dict[str, int], other: int, anonymous=302, **kwargs) -> Policy:
    """The roles named get their status; every other role gets `other`."""
    return Policy(statuses(other, anonymous=anonymous, **status_for), **kwargs)


def _school(which):
    return lambda world: {"pk": world[which].pk}


SCHOOL_READERS = {"coordinator": 200, "administrator": 200}
COORDINATOR_ONLY = {"coordinator": 200}


CASE_READERS = {"coordinator": 200, "social_worker": 200, "school_staff": 200, "school_police": 200}
CASE_LEADS = {"coordinator": 200, "social_worker": 200, "school_staff": 403, "school_police": 403}
CONSENT_MANAGERS = {
    "coordinator": 200,
    "social_worker": 403,
    "school_staff": 403,
    "school_police": 403,
}


def _case(which):
    return lambda world: {"pk": world[which].pk}


def case_page(status_for, *, method="get", kwargs_in=None, kwargs_out=None):
    """An object page of a case: its statuses on the world's case, and 404 for everyone on a
    case whose team none of them is on."""
    out_status = {role: 404 for role in status_for}
    return [
        only(
            status_for, 404, method=method, kwargs=kwargs_in or _case("case_in"), scope="in scope"
        ),
        only(
            out_status,
            404,
            method=method,
            kwargs=kwargs_out or _case("case_out"),
            scope="out of scope",
        ),
    ]


def _user_pk(world):
    return {"object_id": world["administrator"].pk}


def _school_admin(world):
    return {"object_id": world["school_in"].pk}


def _organisation_pk(world):
    return {"object_id": world["administrator"].organisation_id}


POLICIES: dict[str, Policy | list[Policy]] = {
    "home": signed_in(),
    "healthz": public(),
    "set_language": public(302, method="post"),
    "accounts:login": Policy(statuses(302, anonymous=200)),
    "accounts:logout": public(302, method="post"),
    "accounts:two_factor_setup": signed_in(),
    # Without a confirmed device the verify page sends the user to enrolment.
    "accounts:two_factor_verify": signed_in(302),
    # The one-time link to choose a password: for whoever holds it (here an invalid one).
    "accounts:password_set": public(url=lambda w: "/accounts/password/MQ/not-a-token/"),
    "accounts:password_set_done": public(),
    # Schools: "my schools" is everyone's own (empty without assignments).
    "schools:mine": signed_in(),
    "schools:detail": [
        only(
            {**SCHOOL_READERS, "school_police": 200, "field_worker": 200},
            404,
            kwargs=_school("school_in"),
            scope="in scope",
        ),
        only(SCHOOL_READERS, 404, kwargs=_school("school_out"), scope="out of scope"),
    ],
    "schools:visit_new": [
        only({"school_police": 200}, 403, kwargs=_school("school_in"), scope="in scope"),
        only({"school_police": 404}, 403, kwargs=_school("school_out"), scope="out of scope"),
    ],
    # Visit notes are police records: the officer's organisation only.
    "schools:visit_detail": [
        only(
            {"school_police": 200}, 404, kwargs=lambda w: {"pk": w["visit_in"].pk}, scope="in scope"
        ),
        only({}, 404, kwargs=lambda w: {"pk": w["visit_out"].pk}, scope="out of scope"),
    ],
    # Correcting and voiding a visit: the officer who recorded it (or a coordinator of their
    # organisation, not in the world); those who cannot read the visit get 404.
    "schools:visit_correct": [
        only(
            {"school_police": 200}, 404, kwargs=lambda w: {"pk": w["visit_in"].pk}, scope="in scope"
        ),
        only({}, 404, kwargs=lambda w: {"pk": w["visit_out"].pk}, scope="out of scope"),
    ],
    "schools:visit_void": [
        only(
            {"school_police": 200}, 404, kwargs=lambda w: {"pk": w["visit_in"].pk}, scope="in scope"
        ),
        only({}, 404, kwargs=lambda w: {"pk": w["visit_out"].pk}, scope="out of scope"),
    ],
    "schools:coverage": only(COORDINATOR_ONLY, 403),
    "schools:coverage_csv": only(COORDINATOR_ONLY, 403),
    "schools:assignments": only(COORDINATOR_ONLY, 403),
    "schools:assignment_new": only(COORDINATOR_ONLY, 403),
    "schools:assignment_end": only(
        COORDINATOR_ONLY, 403, kwargs=lambda w: {"pk": w["assignment"].pk}
    ),
    # Cases: team members whose organisation the consent covers (leisure is not covered).
    "cases:list": signed_in(),
    "cases:new": only(COORDINATOR_ONLY, 403),
    "cases:detail": case_page(CASE_READERS),
    "cases:note_new": case_page(CASE_READERS),
    "cases:plan_new": case_page(CASE_LEADS),
    "cases:plan_follow_up": case_page(
        CASE_READERS,
        kwargs_in=lambda w: {"pk": w["case_in"].pk, "item_pk": w["plan_item_in"].pk},
        kwargs_out=lambda w: {"pk": w["case_out"].pk, "item_pk": w["plan_item_out"].pk},
    ),
    "cases:team": case_page(CASE_LEADS),
    "cases:member_remove": case_page(
        CASE_LEADS,
        kwargs_in=lambda w: {"pk": w["case_in"].pk, "member_pk": w["member_in"].pk},
        kwargs_out=lambda w: {"pk": w["case_out"].pk, "member_pk": w["member_out"].pk},
    ),
    "cases:guardian_new": case_page(CONSENT_MANAGERS),
    "cases:consents": case_page(CONSENT_MANAGERS),
    "cases:consent_withdraw": case_page(
        CONSENT_MANAGERS,
        kwargs_in=lambda w: {"pk": w["case_in"].pk, "consent_pk": w["consent_in"].pk},
        kwargs_out=lambda w: {"pk": w["case_out"].pk, "consent_pk": w["consent_out"].pk},
    ),
    "cases:custody": case_page(
        {"coordinator": 302, "social_worker": 403, "school_staff": 403, "school_police": 403},
        method="post",
    ),
    "cases:advance": case_page(
        {"coordinator": 302, "social_worker": 302, "school_staff": 403, "school_police": 403},
        method="post",
    ),
    "cases:close": case_page(CASE_LEADS),
    "cases:disclosure_new": case_page(CASE_LEADS),
    # Reopening is the owner's (social services: the coordinator and the case worker).
    "cases:reopen": case_page(CASE_LEADS),
    # Ending a disclosure: the case leads of the organisation that made it.
    "cases:disclosure_end": case_page(
        CASE_LEADS,
        kwargs_in=lambda w: {"pk": w["case_in"].pk, "disclosure_pk": w["disclosure_in"].pk},
        kwargs_out=lambda w: {"pk": w["case_out"].pk, "disclosure_pk": w["disclosure_out"].pk},
    ),
    # Contacts: anonymous group contacts are read by the organisation's field workers and
    # coordinators; the world's contact is social services', another organisation's is not.
    "contacts:list": signed_in(),
    "contacts:new": only({"field_worker": 200}, 403),
    "contacts:detail": [
        only(
            {"field_worker": 200, "coordinator": 200},
            404,
            kwargs=lambda w: {"pk": w["contact_in"].pk},
            scope="in scope",
        ),
        only({}, 404, kwargs=lambda w: {"pk": w["contact_out"].pk}, scope="out of scope"),
    ],
    # Correcting and voiding: the recorder and their organisation's coordinator.
    "contacts:correct": [
        only(
            {"field_worker": 200, "coordinator": 200},
            404,
            kwargs=lambda w: {"pk": w["contact_in"].pk},
            scope="in scope",
        ),
        only({}, 404, kwargs=lambda w: {"pk": w["contact_out"].pk}, scope="out of scope"),
    ],
    "contacts:void": [
        only(
            {"field_worker": 200, "coordinator": 200},
            404,
            kwargs=lambda w: {"pk": w["contact_in"].pk},
            scope="in scope",
        ),
        only({}, 404, kwargs=lambda w: {"pk": w["contact_out"].pk}, scope="out of scope"),
    ],
    "contacts:overview": only(COORDINATOR_ONLY, 403),
    "contacts:places": only(COORDINATOR_ONLY, 403),
    "contacts:place_toggle": only(
        {"coordinator": 302}, 403, method="post", kwargs=lambda w: {"pk": w["place"].pk}
    ),
    # The Django admin (reference data only).
    "admin:index": administrators_only(),
    "admin:login": Policy(statuses(403, anonymous=302, administrator=302)),
    "admin:logout": administrators_only(302, method="post"),
    "admin:password_change": administrators_only(),
    "admin:password_change_done": administrators_only(),
    "admin:jsi18n": administrators_only(),
    "admin:autocomplete": administrators_only(403),  # without its query parameters
    "admin:app_list": administrators_only(kwargs=lambda w: {"app_label": "accounts"}),
    "admin:view_on_site": administrators_only(
        404, kwargs=lambda w: {"content_type_id": 0, "object_id": 0}
    ),
    "admin:(?P<url>.*)$": administrators_only(404, url=lambda w: "/admin/no-such-page/"),
    "admin:accounts_organisation_changelist": administrators_only(),
    "admin:accounts_organisation_add": administrators_only(),
    "admin:accounts_organisation_change": administrators_only(kwargs=_organisation_pk),
    "admin:accounts_organisation_history": administrators_only(kwargs=_organisation_pk),
    "admin:accounts_organisation_delete": administrators_only(403, kwargs=_organisation_pk),
    "admin:accounts_organisation:<path:object_id>/": administrators_only(
        302, url=lambda w: f"/admin/accounts/organisation/{w['administrator'].organisation_id}/"
    ),
    "admin:accounts_user_changelist": administrators_only(),
    "admin:accounts_user_add": administrators_only(),
    "admin:accounts_user_change": administrators_only(kwargs=_user_pk),
    "admin:accounts_user_history": administrators_only(kwargs=_user_pk),
    "admin:accounts_user_delete": administrators_only(403, kwargs=_user_pk),
    "admin:schools_school_changelist": administrators_only(),
    "admin:schools_school_add": administrators_only(),
    "admin:schools_school_change": administrators_only(kwargs=_school_admin),
    "admin:schools_school_history": administrators_only(kwargs=_school_admin),
    "admin:schools_school_delete": administrators_only(403, kwargs=_school_admin),
    "admin:schools_school:<path:object_id>/": administrators_only(
        302, url=lambda w: f"/admin/schools/school/{w['school_in'].pk}/"
    ),
    "admin:accounts_user:<path:object_id>/": administrators_only(
        302, url=lambda w: f"/admin/accounts/user/{w['administrator'].pk}/"
    ),
}


def url_patterns(urlconf=None) -> set[str]:
    """Every pattern of the URL configuration, by name or, failing that, by route."""
    found = set()

    def walk(patterns, namespace, prefix_name):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = pattern.namespace or namespace
                walk(pattern.url_patterns, ns, _model_prefix(pattern, prefix_name))
            elif isinstance(pattern, URLPattern):
                if pattern.name:
                    found.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)
                else:
                    scope = ":".join(part for part in (namespace, prefix_name) if part)
                    found.add(f"{scope}:{pattern.pattern}")

    walk(get_resolver(urlconf).url_patterns, None, None)
    return found


def _model_prefix(resolver: URLResolver, current):
    """Admin model URLs are included without a namespace; name them after their model."""
    names = {p.name for p in resolver.url_patterns if isinstance(p, URLPattern) and p.name}
    changelists = [n for n in names if n.endswith("_changelist")]
    return changelists[0].removesuffix("_changelist") if changelists else current


def undeclared(urlconf=None) -> set[str]:
    return url_patterns(urlconf) - POLICIES.keys()


def stale(urlconf=None) -> set[str]:
    return POLICIES.keys() - url_patterns(urlconf)


def cases() -> list[tuple[str, Policy]]:
    """Every (pattern, policy) pair; object pages have one per scope."""
    pairs = []
    for name, policy in sorted(POLICIES.items()):
        for one in policy if isinstance(policy, list) else [policy]:
            pairs.append((name, one))
    return pairs


def url_for(name: str, policy: Policy, world: dict) -> str:
    if policy.url:
        return policy.url(world)
    return reverse(name, kwargs=policy.kwargs(world))


# The newer apps keep their rows in files of their own (imported here, after the helpers above).
from tests.security import (  # noqa: E402
    matrix_audit,
    matrix_meetings,
    matrix_referrals,
    matrix_stats,
)

APP_MATRICES = [matrix_meetings, matrix_referrals, matrix_audit, matrix_stats]
for _app in APP_MATRICES:
    POLICIES.update(_app.POLICIES)
