"""The schools panel of the home page: the contact police officer's visits due this term."""

from django.db.models import Exists, OuterRef
from django.utils import timezone

from schools.models import SchoolVisit
from schools.selectors import my_schools
from schools.terms import Term


def panel(request) -> dict | None:
    """My schools (as police contact) with no visit recorded this term; None for other roles.
    One query, whatever the number of schools."""
    user = request.user
    if not user.has_role("school_police"):
        return None
    today = timezone.localdate()
    term = Term.of(today)
    visited = SchoolVisit.objects.filter(
        school=OuterRef("pk"),
        date__gte=term.start,
        date__lte=today,
        voided_at__isnull=True,
    )
    due = list(
        my_schools(user, today)
        .filter(i_am_police_contact=True)
        .exclude(Exists(visited))
        .prefetch_related(None)
        .order_by("name")
        .only("pk", "name")
    )
    return {"template": "schools/home_panel.html", "due": due, "term": term}
