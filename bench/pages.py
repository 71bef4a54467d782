"""What the bench measures: each main page for a representative user of its role, chosen from
the data in the bench database (the generated municipality, or the demo data), with its twin
and its budget (issue #15)."""

import datetime
import re
import uuid
from dataclasses import dataclass, field
from urllib.parse import urljoin

from django.contrib.auth.models import Group
from django.db.models import Count
from django.utils import timezone

from accounts.models import User
from audit import subjects
from audit.selectors import day_start
from bench import twins
from cases.models import Case, CaseMember, Note
from contacts.models import Contact
from meetings.models import Meeting
from referrals.models import Referral

# Ratio budgets of the issue: page time over its twin's.
LIST, DETAIL, STATS, EXTRACT = 1.15, 1.25, 1.5, 1.5
NEXT_LINK = re.compile(
    r'<a\b[^>]*\bhref="([^"]+)"[^>]*\brel="next"|<a\b[^>]*\brel="next"[^>]*\bhref="([^"]+)"'
)
TOKEN = re.compile(r'name="(client_token|form_token)"[^>]*value="([^"]+)"')
OCCURRED = re.compile(r'name="occurred_at"[^>]*value="([^"]+)"')
PLACE = re.compile(r'<select name="place"[^>]*>(.*?)</select>', re.S)
OPTION = re.compile(r'<option value="(\d+)"( selected)?')


class BenchError(Exception):
    """The bench itself could not run (missing data, a page that errors)."""


@dataclass
class Probe:
    """One page and its twin, as one user."""

    name: str
    user: User
    url: str
    twin: str | None = None
    budget: float | None = None
    budget_text: str = "—"
    method: str = "get"
    data: dict = field(default_factory=dict)
    form: str | None = None  # a page to GET (untimed) for the one-time token before a POST
    expect: int = 200
    twin_expect: int | None = None
    note: str = ""


def _role(name):
    return User.objects.filter(groups__name=name, is_active=True).order_by("pk")


def _most(queryset, key):
    row = queryset.values(key).annotate(n=Count("pk")).order_by("-n", key).first()
    return (row[key], row["n"]) if row else (None, 0)


def _few(queryset, key, target=10):
    """The user whose number of rows is closest to `target` (at least one row)."""
    rows = list(queryset.values(key).annotate(n=Count("pk")).filter(n__gte=1))
    if not rows:
        return None, 0
    row = min(rows, key=lambda r: (abs(r["n"] - target), r[key]))
    return row[key], row["n"]


@dataclass
class Cast:
    """The representative users and objects, and the row counts that make them so."""

    coordinator: User
    case: Case
    few_coordinator: User
    worker: User
    few_worker: User
    auditor: User | None
    receiver: User | None
    statistician: User | None
    coverage: User | None
    preparer: User | None
    homes: dict[str, User]
    sizes: dict[str, int]


def cast() -> Cast:
    members = CaseMember.objects.filter(user__groups__name="coordinator", user__is_active=True)
    coordinator_pk, cases_many = _most(members, "user")
    few_pk, cases_few = _few(members, "user")
    workers = Contact.objects.filter(
        recorded_by__groups__name="field_worker", recorded_by__is_active=True
    )
    worker_pk, contacts_many = _most(workers, "recorded_by")
    few_worker_pk, contacts_few = _few(workers, "recorded_by")
    if contacts_few > 3 * FEW:
        few_worker_pk, contacts_few = _few_contacts_worker(worker_pk), FEW
    if coordinator_pk is None or worker_pk is None:
        raise BenchError("the bench database has no coordinator with cases or no field worker")
    coordinator = User.objects.get(pk=coordinator_pk)
    # The coordinator's busiest case: the most notes.
    case_pk, notes = _most(Note.objects.filter(case__members__user=coordinator), "case")
    case = Case.objects.get(pk=case_pk) if case_pk else members.filter(user=coordinator)[0].case
    receivers = Referral.objects.filter(sent_at__isnull=False)
    receiving_org, received = _most(receivers, "receiver")
    receiver = (
        _role("mediator").filter(organisation_id=receiving_org).first()
        or _role("victim_support").filter(organisation_id=receiving_org).first()
        or _role("mediator").first()
        or _role("victim_support").first()
    )
    today = timezone.localdate()
    upcoming = Meeting.objects.filter(
        status=Meeting.Status.PLANNED,
        date__gte=today,
        date__lte=today + datetime.timedelta(days=14),
    )
    preparer_pk, meetings = _most(upcoming, "convened_by")
    homes = {}
    for group in Group.objects.order_by("name"):
        user = _role(group.name).first()
        if user is not None:
            homes[group.name] = user
    statistician = next(
        (u for u in [*_role("steering_group")[:1], coordinator, *homes.values()] if _sees_stats(u)),
        None,
    )
    coverage = next(
        (u for u in [coordinator, *homes.values()] if u.has_perm("schools.view_assignment")), None
    )
    return Cast(
        coordinator=coordinator,
        case=case,
        few_coordinator=User.objects.get(pk=few_pk),
        worker=User.objects.get(pk=worker_pk),
        few_worker=User.objects.get(pk=few_worker_pk),
        auditor=_role("auditor").first(),
        receiver=receiver,
        statistician=statistician,
        coverage=coverage,
        preparer=User.objects.get(pk=preparer_pk) if preparer_pk else coordinator,
        homes=homes,
        sizes={
            "coordinator_cases": cases_many,
            "few_coordinator_cases": cases_few,
            "case_notes": notes,
            "worker_contacts": contacts_many,
            "few_worker_contacts": contacts_few,
            "receiver_referrals": received,
            "preparer_meetings": meetings,
        },
    )


FEW = 10
FEW_WORKER = "bench-few-contacts"


def _few_contacts_worker(like_pk) -> int:
    """A field worker with FEW contacts of their own and one taken part in, next to one with
    thousands (the generated data has nobody with few): made once in the bench database,
    through the service, like the others."""
    from bench.scale import GENERATED_DOMAIN
    from contacts.services import contact_record

    like = User.objects.get(pk=like_pk)
    user, made = User.objects.get_or_create(
        username=FEW_WORKER,
        defaults={
            "organisation": like.organisation,
            "email": f"{FEW_WORKER}@{GENERATED_DOMAIN}",  # generated, like the rest
            "first_name": "Bench",
            "last_name": "Few",
        },
    )
    if made:
        user.groups.add(Group.objects.get(name="field_worker"))
        user = User.objects.get(pk=user.pk)
    place = Contact.objects.filter(recorded_by=like, place__active=True).first().place
    missing = FEW - Contact.objects.filter(recorded_by=user).count()
    now = timezone.now()
    for n in range(max(missing, 0)):
        contact_record(
            by=user,
            client_token=uuid.uuid4(),
            occurred_at=now - datetime.timedelta(days=n + 1),
            place=place,
            kind="street",
            girls=1,
            boys=1,
        )
    if not Contact.co_workers.through.objects.filter(user=user).exists():
        # Like the busy worker, it also took part in a colleague's contact (a page of its own
        # in "my contacts"), so that the two differ in size only.
        contact_record(
            by=like,
            client_token=uuid.uuid4(),
            occurred_at=now - datetime.timedelta(hours=1),
            place=place,
            kind="street",
            girls=1,
            co_workers=[user],
        )
    return user.pk


def _sees_stats(user) -> bool:
    from stats.selectors import measures_for

    return bool(measures_for(user))


def contact_form_data(page: str) -> dict:
    """The group contact a field worker records from the form the page showed."""
    token = TOKEN.search(page)
    occurred = OCCURRED.search(page)
    places = PLACE.search(page)
    if not (token and occurred and places):
        raise BenchError("the contact form lacks its token, time or places")
    options = OPTION.findall(places.group(1))
    place = next((value for value, chosen in options if chosen), None) or options[0][0]
    return {
        token.group(1): token.group(2),
        "mode": "group",
        "occurred_at": occurred.group(1),
        "place": place,
        "kind": "street",
        "girls": "2",
        "boys": "1",
        "others": "0",
        "not_recorded": "0",
        "age_band": "13_15",
    }


def next_link(page: str, url: str) -> str | None:
    found = NEXT_LINK.search(page)
    if not found:
        return None
    href = (found.group(1) or found.group(2)).replace("&amp;", "&")
    return urljoin(url, href)


def deep_page(client, url: str, hops: int) -> tuple[str, int]:
    """Follows the page's own "next/older" links from `url`, as a user paging back would;
    returns the deepest address reached and its depth (1 = the first page)."""
    depth = 1
    for _ in range(hops):
        response = client.get(url)
        if response.status_code != 200:
            raise BenchError(f"{url} answered {response.status_code} while paging")
        following = next_link(response.content.decode(), url)
        if following is None:
            break
        url, depth = following, depth + 1
    return url, depth


EXTRACT_BRANCH = (
    "SELECT e.id, e.timestamp, e.action, e.content_type_id, e.object_id, e.object_repr, "
    "e.actor_id, e.actor_email, e.remote_addr, e.cid, u.username, o.name "
    "FROM audit_logentry e LEFT JOIN accounts_user u ON u.id = e.actor_id "
    "LEFT JOIN accounts_organisation o ON o.id = u.organisation_id "
    "WHERE e.content_type_id = %s AND e.object_id = ANY(%s) "
    "AND e.action = 3 AND e.additional_data IS DISTINCT FROM '{\"denied\": true}'::jsonb "
    "AND e.timestamp >= %s AND e.timestamp < %s"
)


def extract_bare_query(person, since, until) -> tuple[str, list]:
    """The bare indexed query for "who has read this person's record": the ids of what is
    about the person known, the same rows and columns, straight from SQL
    (tests/perf/test_audit_extract.py)."""
    from django.contrib.contenttypes.models import ContentType

    ids = {
        model: list(
            model.objects.filter(
                **({"pk": person.pk} if path == "" else {path: person})
            ).values_list("pk", flat=True)
        )
        for model, path in subjects.ABOUT_PERSON.items()
    }
    types = ContentType.objects.get_for_models(*ids)
    branches = " UNION ALL ".join([EXTRACT_BRANCH] * len(ids))
    start, end = day_start(since), day_start(until + datetime.timedelta(days=1))
    params = [v for model in ids for v in (types[model].pk, ids[model], start, end)]
    return f"SELECT * FROM ({branches}) found ORDER BY timestamp DESC, id DESC", params  # noqa: S608


def probes(who: Cast, clients, *, deep_hops: int) -> list[Probe]:
    """The pages, in the order of the table."""
    found = []
    for role, user in who.homes.items():
        found.append(Probe(f"home: {role}", user, "/", twin="/bench/floor/", note="twin = floor"))
    c, case = who.coordinator, who.case
    found += [
        Probe("case list: first page", c, "/cases/", "/bench/cases/", LIST, "list ≤1.15×"),
        Probe(
            "case list: filter (active)",
            c,
            "/cases/?status=active",
            "/bench/cases/?status=active",
            LIST,
            "list ≤1.15×",
        ),
        Probe(
            "case list: personnummer search",
            c,
            "/cases/",
            "/bench/cases/",
            LIST,
            "list ≤1.15×",
            method="post",
            data={"personnummer": case.young_person.personnummer},
        ),
        Probe(
            "case page",
            c,
            f"/cases/{case.pk}/",
            f"/bench/cases/{case.pk}/",
            DETAIL,
            "detail ≤1.25×",
        ),
    ]
    w = who.worker
    found.append(
        Probe(
            "record a contact (POST)",
            w,
            "/contacts/new/",
            "/bench/contacts/new/",
            DETAIL,
            "audited write ≤1.25×",
            method="post",
            form="/contacts/new/",
            expect=302,
        )
    )
    found.append(
        Probe("my contacts: first page", w, "/contacts/", "/bench/contacts/", LIST, "list ≤1.15×")
    )
    deep, depth = deep_page(clients(w), "/contacts/", deep_hops)
    found.append(
        Probe(
            f"my contacts: page {depth}",
            w,
            deep,
            "/bench/contacts/" + deep[len("/contacts/") :],
            LIST,
            "list ≤1.15×",
            note=f"reached by {depth - 1} 'next' links",
        )
    )
    if who.preparer is not None:
        found.append(
            Probe(
                "meeting preparation",
                who.preparer,
                "/meetings/prepare/",
                "/bench/meetings/prepare/",
                DETAIL,
                "detail ≤1.25×",
            )
        )
    if who.receiver is not None:
        found.append(
            Probe(
                "referral inbox",
                who.receiver,
                "/referrals/inbox/",
                "/bench/referrals/inbox/",
                LIST,
                "list ≤1.15×",
            )
        )
    if who.coverage is not None:
        found.append(
            Probe(
                "coverage (schools)",
                who.coverage,
                "/schools/coverage/",
                "/bench/schools/coverage/",
                LIST,
                "list ≤1.15×",
            )
        )
    if who.auditor is not None:
        person = case.young_person
        until = timezone.localdate()
        twins.BARE["extract"] = [
            extract_bare_query(person, until - datetime.timedelta(days=365), until)
        ]
        found.append(
            Probe(
                "auditor's person extract",
                who.auditor,
                f"/audit/people/{person.pk}/",
                "/bench/bare/extract/",
                EXTRACT,
                "≤1.5× bare indexed query",
            )
        )
    if who.statistician is not None:
        found.append(
            Probe(
                "gender view (year)",
                who.statistician,
                "/stats/",
                "/bench/bare/stats/",
                STATS,
                "≤1.5× bare GROUP BY",
            )
        )
    return found
