from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def navigation(request):
    """The main menu: only the places this user's role can use."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [("home", reverse("home"), _("Home"))]
    if not (user.has_role("administrator") or user.has_role("auditor")):
        items.append(("cases", reverse("cases:list"), _("Cases")))
    if user.has_role("school_police") or user.has_role("field_worker"):
        items.append(("my_schools", reverse("schools:mine"), _("My schools")))
    if user.has_perm("contacts.add_contact"):
        items.append(("contact_new", reverse("contacts:new"), _("Record contact")))
        items.append(("contacts", reverse("contacts:list"), _("My contacts")))
    if user.has_perm("contacts.view_overview"):
        items.append(("overview", reverse("contacts:overview"), _("Nights and weekends")))
    if not (user.has_role("administrator") or user.has_role("auditor")):
        items.append(("meetings", reverse("meetings:list"), _("My meetings")))
    if user.has_perm("meetings.change_meeting"):
        items.append(("prepare", reverse("meetings:prepare_next"), _("Prepare meetings")))
    if user.has_perm("stats.view_statistics"):
        items.append(("stats", reverse("stats:index"), _("Statistics")))
    elif user.has_role("field_worker"):
        items.append(("stats", reverse("stats:index"), _("My figures")))
    if user.has_perm("schools.view_assignment"):
        items.append(("coverage", reverse("schools:coverage"), _("Coverage")))
        items.append(("assignments", reverse("schools:assignments"), _("Assignments")))
    if user.has_perm("audit.use_workspace"):
        items.append(("audit", reverse("audit:workspace"), _("Auditors' workspace")))
    if user.has_role("administrator"):
        items.append(("admin", reverse("admin:index"), _("Administration")))
    items.append(("two_factor", reverse("accounts:two_factor_setup"), _("Two-factor login")))
    return {"nav_items": items}
