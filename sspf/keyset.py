"""Keyset pagination for long lists kept newest first (issue #15, DESIGN §10).

A page is found from the (time, id) of the row where the previous one ended, never by OFFSET,
and nothing counts the whole list: page 300 costs what page 1 costs. The links say "newer" and
"older" and carry that key in the address (a moment and a row id: nothing personal).

    ?older=<key>  the rows after <key> in the list (older than it)
    ?newer=<key>  the rows before <key> in the list (newer than it)
"""

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet

Key = tuple[datetime.datetime, int]


def key_text(key: Key) -> str:
    moment, pk = key
    delta = moment - datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
    return f"{delta // datetime.timedelta(microseconds=1)}.{pk}"


def parse_key(text: str | None) -> Key | None:
    """The key in a link, or None for anything else (the list then starts at the newest)."""
    micros, _dot, pk = (text or "").partition(".")
    if not (micros.lstrip("-").isdigit() and pk.isdigit()) or len(micros) > 20 or len(pk) > 19:
        return None
    try:
        moment = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC) + datetime.timedelta(
            microseconds=int(micros)
        )
    except OverflowError:
        return None
    return moment, int(pk)


def before(key: Key, time_field: str, id_field: str = "pk") -> Q:
    """Rows after `key` in a newest-first list. The redundant `time <= t` is the range an index
    on the time column can seek to (an OR alone would make the database read from the top)."""
    moment, pk = key
    return Q(**{f"{time_field}__lte": moment}) & (
        Q(**{f"{time_field}__lt": moment}) | Q(**{f"{id_field}__lt": pk})
    )


def after(key: Key, time_field: str, id_field: str = "pk") -> Q:
    """Rows before `key` in a newest-first list."""
    moment, pk = key
    return Q(**{f"{time_field}__gte": moment}) & (
        Q(**{f"{time_field}__gt": moment}) | Q(**{f"{id_field}__gt": pk})
    )


@dataclass
class KeysetPage:
    """One page: its rows newest first, and the keys of the newer and older pages (None when
    there is none)."""

    object_list: list
    newer: str | None = None
    older: str | None = None
    query: str = ""  # the other parameters of the address, for the links

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    @property
    def has_other_pages(self) -> bool:
        return bool(self.newer or self.older)


def requested(request) -> tuple[str, Key | None, str]:
    """("older" or "newer", the key, the query string without them) from the address."""
    query = request.GET.copy()
    older, newer = query.pop("older", [None])[-1], query.pop("newer", [None])[-1]
    query.pop("page", None)
    if newer is not None and parse_key(newer) is not None:
        return "newer", parse_key(newer), query.urlencode()
    return "older", parse_key(older), query.urlencode()


def paginate(request, fetch, per_page: int, key_of) -> KeysetPage:
    """The page the address asks for. `fetch(direction, key, limit)` returns up to `limit`
    rows: for "older", those after `key` (all when None) newest first; for "newer", those
    before `key`, oldest first. `key_of(row)` is the row's (time, id)."""
    direction, key, query = requested(request)
    rows = list(fetch(direction, key, per_page + 1))
    more = len(rows) > per_page
    rows = rows[:per_page]
    if direction == "newer":
        rows.reverse()
        page = KeysetPage(rows, query=query)
        if rows:
            page.newer = key_text(key_of(rows[0])) if more else None
            page.older = key_text(key_of(rows[-1]))
        return page
    page = KeysetPage(rows, query=query)
    if rows:
        page.newer = key_text(key_of(rows[0])) if key is not None else None
        page.older = key_text(key_of(rows[-1])) if more else None
    return page


def ordered(queryset: QuerySet, direction: str, key: Key | None, time_field: str) -> QuerySet:
    """`queryset` limited to one side of `key` and ordered for `paginate`'s fetch."""
    if key is not None:
        queryset = queryset.filter(
            before(key, time_field) if direction == "older" else after(key, time_field)
        )
    if direction == "older":
        return queryset.order_by(f"-{time_field}", "-pk")
    return queryset.order_by(time_field, "pk")
