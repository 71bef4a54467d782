"""The authorization matrix rows for the meetings URLs (merged into matrix.POLICIES), and the
objects their rows need in the world of the matrix test.

A network meeting is read by whoever reads its case (the world's case_in: coordinator, social
worker, school staff and police; leisure is not covered by the consent) and run by the
coordinator; a group-level meeting by coordinators and its invitees (the field worker)."""

from tests.security.matrix import CASE_READERS, only, public, signed_in

RUNNER = {"coordinator": 200, "social_worker": 403, "school_staff": 403, "school_police": 403}
GROUP_READERS = {"coordinator": 200, "field_worker": 200}
GROUP_RUNNER = {"coordinator": 200, "field_worker": 403}


def _meeting(which):
    return lambda world: {"pk": world[which].pk}


def _item(meeting, item):
    return lambda world: {"pk": world[meeting].pk, "item_pk": world[item].pk}


def meeting_page(network, group, *, method="get", kwargs=None):
    """A meeting's page: on the network meeting of case_in, on one of case_out (nobody here
    reads it: 404), and on the group-level meeting."""
    kwargs = kwargs or {}
    return [
        only(
            network,
            404,
            method=method,
            kwargs=kwargs.get("in", _meeting("meeting_in")),
            scope="in scope",
        ),
        only(
            {},
            404,
            method=method,
            kwargs=kwargs.get("out", _meeting("meeting_out")),
            scope="out of scope",
        ),
        only(
            group,
            404,
            method=method,
            kwargs=kwargs.get("group", _meeting("meeting_group")),
            scope="group level",
        ),
    ]


POLICIES: dict = {
    "meetings:list": signed_in(),
    "meetings:new": only({"coordinator": 200}, 403),
    "meetings:prepare_next": only({"coordinator": 200}, 403),
    "meetings:calendar": signed_in(),
    # The feed needs no login: the secret address is the key. A bogus or revoked one is a 404.
    "meetings:feed": [
        public(url=lambda w: f"/meetings/calendar/{w['feed_token']}.ics", scope="in scope"),
        public(404, url=lambda w: "/meetings/calendar/not-a-token.ics", scope="out of scope"),
    ],
    "meetings:detail": meeting_page(CASE_READERS, GROUP_READERS),
    "meetings:print": meeting_page(CASE_READERS, GROUP_READERS),
    "meetings:prepare": meeting_page(RUNNER, GROUP_RUNNER),
    "meetings:invite": meeting_page(RUNNER, GROUP_RUNNER),
    "meetings:attendance": meeting_page(RUNNER, GROUP_RUNNER),
    "meetings:cancel": meeting_page(RUNNER, GROUP_RUNNER),
    "meetings:item_new": meeting_page(RUNNER, GROUP_RUNNER),
    # Answering an invitation: only the invitee (the convener is one too); others have none.
    "meetings:respond": meeting_page(
        {"coordinator": 302, "school_staff": 302},
        {"coordinator": 302, "field_worker": 302},
        method="post",
    ),
    "meetings:minutes": meeting_page(
        RUNNER,
        GROUP_RUNNER,
        kwargs={
            "in": _item("meeting_in", "item_in"),
            "out": _item("meeting_out", "item_out"),
            "group": _item("meeting_group", "item_group"),
        },
    ),
    "meetings:decision_new": meeting_page(
        RUNNER,
        GROUP_RUNNER,
        kwargs={
            "in": _item("meeting_in", "item_in"),
            "out": _item("meeting_out", "item_out"),
            "group": _item("meeting_group", "item_group"),
        },
    ),
    "meetings:follow_up": [
        only(
            RUNNER,
            404,
            kwargs=lambda w: {"pk": w["meeting_in"].pk, "plan_pk": w["plan_item_in"].pk},
            scope="in scope",
        ),
        only(
            {},
            404,
            kwargs=lambda w: {"pk": w["meeting_out"].pk, "plan_pk": w["plan_item_out"].pk},
            scope="out of scope",
        ),
    ],
}


def world(users: dict, organisations: dict, base: dict) -> dict:
    """Objects for this app's rows; `base` is the world built so far (users, schools, the
    in-scope and out-of-scope cases and contacts)."""
    import datetime

    from meetings import services
    from meetings.models import AgendaItem, Attendance, Level, Meeting

    day = datetime.date.today() + datetime.timedelta(days=7)
    coordinator = users["coordinator"]

    def meeting(level, case, by):
        made = Meeting.objects.create(
            level=level,
            date=day,
            starts_at=datetime.time(9),
            ends_at=datetime.time(10),
            place="Stadshuset",
            case=case,
            convened_by=by,
        )
        Attendance.objects.create(meeting=made, user=by, organisation=by.organisation)
        item = AgendaItem.objects.create(
            meeting=made,
            level=level,
            order=1,
            topic="Läget",
            case=case,
            organisation=by.organisation,
            category="social_services",
        )
        return made, item

    meeting_in, item_in = meeting(Level.NETWORK, base["case_in"], coordinator)
    Attendance.objects.create(
        meeting=meeting_in,
        user=users["school_staff"],
        organisation=users["school_staff"].organisation,
    )
    meeting_out, item_out = meeting(Level.NETWORK, base["case_out"], base["case_out"].coordinator)
    meeting_group, item_group = meeting(Level.OPERATIONAL, None, coordinator)
    Attendance.objects.create(
        meeting=meeting_group,
        user=users["field_worker"],
        organisation=users["field_worker"].organisation,
    )
    return {
        "meeting_in": meeting_in,
        "item_in": item_in,
        "meeting_out": meeting_out,
        "item_out": item_out,
        "meeting_group": meeting_group,
        "item_group": item_group,
        "feed_token": services.feed_renew(by=users["school_staff"]),
    }
