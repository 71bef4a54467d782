"""The leak hunt's oracle: what a user may reach and see, computed from the data and the apps'
own access predicates (DESIGN §4), never from a response.

    expect(user, path)  -> ALLOW  the page is the user's: 200, or a redirect that is not the
                                  login page
                           DENY   refused: 403 or 404 (the anonymous visitor: the login page)
                           OPEN   not about an object the user may lack, or an action page on
                                  an object the user reads (a refusal for want of a right is
                                  no leak): anything but a server error
    may_see(user, canary) -> whether the canary's text may appear in a page the user gets.

The predicates are those the selectors use: cases.access (may_view, case_access), the
schools' assignment rule (schools.selectors.schools_for, may_read_visit_note), the contacts'
rule (contacts.selectors.visible_contacts and the case rule), meetings (the case rule on a
network meeting, invitation or meetings.view_meeting at group level), referrals.access, and
the permissions of the auditors' workspace and the statistics.
"""

from functools import cache

from django.apps import apps
from django.urls import Resolver404, resolve
from django.utils import timezone

from accounts.models import User
from audit import services as audit_services
from audit.models import Review, ReviewSample
from cases import access
from cases.models import (
    Case,
    CaseMember,
    Consent,
    Disclosure,
    Guardian,
    PlanItem,
    YoungPerson,
)
from contacts.models import Contact
from contacts.selectors import visible_contacts
from meetings.models import AgendaItem, Meeting
from referrals import access as referral_access
from referrals.models import Referral
from schools.models import SchoolVisit
from schools.selectors import may_read_visit_note, schools_for
from stats import selectors as stats_selectors

ALLOW, DENY, OPEN = "allow", "deny", "open"

PUBLIC = {
    "healthz",
    "accounts:login",
    "accounts:password_set",
    "accounts:password_set_done",
    "meetings:feed",  # the secret address is the key (its content is checked for its owner)
}
# Pages about no object: every signed-in user reaches them (their content is scanned).
EVERYONES = {
    "home",
    "cases:list",
    "contacts:list",
    "meetings:list",
    "meetings:calendar",
    "schools:mine",
    "accounts:two_factor_setup",
}
# Roles that work with young people; the others never see a name (DESIGN §4, §6).
NEVER_CASE_CONTENT = {"auditor", "administrator", "steering_group"}


def route(path: str) -> tuple[str, dict] | None:
    """("namespace:name", kwargs) of a path, None when no pattern matches."""
    try:
        match = resolve(path.split("?", 1)[0])
    except Resolver404:
        return None
    return match.view_name, match.kwargs


class Oracle:
    """Answers are cached per user and object: the crawl writes nothing that changes them."""

    def __init__(self):
        self.today = timezone.localdate()
        self._case = cache(self._case_readable)
        self._meeting = cache(self._meeting_readable)

    # ---- objects -------------------------------------------------------------------------

    def _load_case(self, pk):
        return access.prefetch_for_access(Case.objects.filter(pk=pk)).first()

    def _case_readable(self, user_pk, pk) -> bool:
        case = self._load_case(pk)
        return case is not None and access.may_view(User.objects.get(pk=user_pk), case, self.today)

    def case_readable(self, user, pk) -> bool:
        return self._case(user.pk, int(pk))

    def school_readable(self, user, pk) -> bool:
        return schools_for(user, self.today).filter(pk=pk).exists()

    def visit_readable(self, user, pk) -> bool:
        visit = SchoolVisit.objects.select_related("officer").filter(pk=pk).first()
        return (
            visit is not None
            and self.school_readable(user, visit.school_id)
            and may_read_visit_note(user, visit)
        )

    def contact_readable(self, user, pk) -> bool:
        contact = Contact.objects.filter(pk=pk).first()
        if contact is None:
            return False
        if visible_contacts(user).filter(pk=pk).exists():
            return True
        return contact.case_id is not None and self.entry_readable(user, contact.case_id, contact)

    def entry_readable(self, user, case_pk, entry) -> bool:
        """reads(X, E, C) on a case the user reads now."""
        if not self.case_readable(user, case_pk):
            return False
        sharing = access.case_access(self._load_case(case_pk), self.today)
        return sharing.reads_entry(user.organisation_id, entry)

    def _meeting_readable(self, user_pk, pk) -> bool:
        meeting = Meeting.objects.filter(pk=pk).first()
        if meeting is None:
            return False
        user = User.objects.get(pk=user_pk)
        if meeting.case_id is not None:
            return self.case_readable(user, meeting.case_id)
        return meeting.attendances.filter(user=user).exists() or user.has_perm(
            "meetings.view_meeting"
        )

    def meeting_readable(self, user, pk) -> bool:
        return self._meeting(user.pk, int(pk))

    def referral_readable(self, user, pk) -> bool:
        referral = Referral.objects.filter(pk=pk).first()
        return referral is not None and referral_access.may_view(user, referral)

    def audits(self, user) -> bool:
        return user.has_perm(audit_services.WORKSPACE)

    # ---- pages ---------------------------------------------------------------------------

    def expect(self, user, path: str) -> tuple[str, str]:
        """(verdict, reason) for `user` (None: the anonymous visitor) requesting `path`."""
        found = route(path)
        if found is None:
            return DENY, "no such page"
        name, kwargs = found
        if name in PUBLIC:
            return OPEN, "public"
        if user is None:
            return DENY, "anonymous"
        if name in EVERYONES:
            return ALLOW, "signed in"
        app = name.split(":", 1)[0]
        rule = getattr(self, f"_{app}", None)
        if rule is None:
            return OPEN, "no object"
        return rule(user, name, kwargs)

    @staticmethod
    def _read(allowed: bool, reason: str, detail: bool = True) -> tuple[str, str]:
        """The object's own page: ALLOW or DENY; an action page on it: OPEN or DENY."""
        if not allowed:
            return DENY, f"may not read {reason}"
        return (ALLOW if detail else OPEN), f"reads {reason}"

    def _cases(self, user, name, kwargs):
        if "pk" not in kwargs:
            return OPEN, "no object"
        pk = kwargs["pk"]
        if not self.case_readable(user, pk):
            return DENY, f"may not read case {pk}"
        children = {
            "item_pk": PlanItem,
            "member_pk": CaseMember,
            "consent_pk": Consent,
            "disclosure_pk": Disclosure,
        }
        for key, model in children.items():
            if key in kwargs and not model.objects.filter(pk=kwargs[key], case_id=pk).exists():
                return DENY, f"{model.__name__} {kwargs[key]} is not of case {pk}"
        if name == "cases:plan_follow_up":
            item = PlanItem.objects.get(pk=kwargs["item_pk"])
            if not self.entry_readable(user, pk, item):
                return DENY, f"may not read plan item {item.pk}"
        return self._read(True, f"case {pk}", detail=name == "cases:detail")

    def _schools(self, user, name, kwargs):
        if "pk" not in kwargs:
            return OPEN, "no object"
        pk = kwargs["pk"]
        if name in ("schools:detail", "schools:visit_new"):
            return self._read(
                self.school_readable(user, pk), f"school {pk}", detail=name == "schools:detail"
            )
        if name.startswith("schools:visit_"):
            return self._read(
                self.visit_readable(user, pk),
                f"visit {pk}",
                detail=name == "schools:visit_detail",
            )
        return OPEN, "reference data"

    def _contacts(self, user, name, kwargs):
        if "pk" not in kwargs or name == "contacts:place_toggle":
            return OPEN, "no object"
        pk = kwargs["pk"]
        return self._read(
            self.contact_readable(user, pk), f"contact {pk}", detail=name == "contacts:detail"
        )

    def _meetings(self, user, name, kwargs):
        if "pk" not in kwargs:
            return OPEN, "no object"
        pk = kwargs["pk"]
        if not self.meeting_readable(user, pk):
            return DENY, f"may not read meeting {pk}"
        if (
            "item_pk" in kwargs
            and not AgendaItem.objects.filter(pk=kwargs["item_pk"], meeting_id=pk).exists()
        ):
            return DENY, f"item {kwargs['item_pk']} is not of meeting {pk}"
        if "plan_pk" in kwargs:
            meeting = Meeting.objects.get(pk=pk)
            item = PlanItem.objects.filter(pk=kwargs["plan_pk"], case_id=meeting.case_id).first()
            if item is None or not self.entry_readable(user, meeting.case_id, item):
                return DENY, f"plan item {kwargs['plan_pk']} is not readable on meeting {pk}"
        return self._read(
            True, f"meeting {pk}", detail=name in ("meetings:detail", "meetings:print")
        )

    def _referrals(self, user, name, kwargs):
        if "pk" not in kwargs:
            return OPEN, "no object"
        pk = kwargs["pk"]
        return self._read(
            self.referral_readable(user, pk), f"referral {pk}", detail=name == "referrals:detail"
        )

    def _audit(self, user, name, kwargs):
        if not self.audits(user):
            return DENY, "not an auditor"
        pk = kwargs.get("pk")
        models = {
            "audit:person_extract": YoungPerson,
            "audit:person_extract_csv": YoungPerson,
            "audit:user_activity": User,
            "audit:user_activity_csv": User,
            "audit:review": Review,
            "audit:review_close": Review,
            "audit:sample_assess": Review,
        }
        if pk is not None and name in models and not models[name].objects.filter(pk=pk).exists():
            return DENY, f"no {models[name].__name__} {pk}"
        if (
            "sample_pk" in kwargs
            and not ReviewSample.objects.filter(pk=kwargs["sample_pk"], review_id=pk).exists()
        ):
            return DENY, "no such sample"
        return (ALLOW if name in models and "sample_pk" not in kwargs else OPEN), "auditor"

    def _stats(self, user, name, kwargs):
        if name in ("stats:index", "stats:csv"):
            allowed = stats_selectors.may_view(user)
        elif name == "stats:target_value_new":
            return (OPEN if user.has_perm("stats.add_targetvalue") else DENY), "targets"
        else:
            allowed = user.has_perm(stats_selectors.VIEW_STATISTICS)
        return (ALLOW if allowed else DENY), "statistics"

    def _admin(self, user, name, kwargs):
        if not (user.is_staff and user.has_role("administrator")):
            return DENY, "not an administrator"
        return OPEN, "administrator"

    # ---- canaries ------------------------------------------------------------------------

    def may_see(self, user, canary) -> bool:
        if user is None:
            return False
        if canary.kind == "entry":
            entry = apps.get_model(canary.model).objects.get(pk=canary.pk)
            return self.entry_readable(user, entry.case_id, entry)
        return getattr(self, f"_sees_{canary.kind}")(user, canary.pk)

    def _sees_person(self, user, pk) -> bool:
        """Name and personnummer (cases.selectors.identity_for): never a protected identity
        outside the organisation that protected it; the name an organisation recorded itself,
        or the owner's on a case the user reads now. Roles that never see case content see
        no name."""
        if any(user.has_role(role) for role in NEVER_CASE_CONTENT):
            return False
        person = YoungPerson.objects.prefetch_related("names").get(pk=pk)
        if person.protected_identity and person.protected_by_id != user.organisation_id:
            return False
        recorders = {name.organisation_id for name in person.names.all()}
        if user.organisation_id in recorders:
            return True
        return any(
            case.owner_id in recorders and self.case_readable(user, case.pk)
            for case in Case.objects.filter(young_person=person)
        )

    def _sees_guardian(self, user, pk) -> bool:
        return self.case_readable(user, Guardian.objects.get(pk=pk).case_id)

    def _sees_contact(self, user, pk) -> bool:
        return self.contact_readable(user, pk)

    def _sees_referral(self, user, pk) -> bool:
        referral = Referral.objects.get(pk=pk)
        if referral_access.may_view(user, referral):
            return True
        return referral.case_id is not None and self.entry_readable(
            user, referral.case_id, referral
        )

    def _sees_visit(self, user, pk) -> bool:
        return may_read_visit_note(user, SchoolVisit.objects.select_related("officer").get(pk=pk))

    def _sees_group_minutes(self, user, pk) -> bool:
        return self.meeting_readable(user, AgendaItem.objects.get(pk=pk).meeting_id)

    def visibility(self, users, canaries) -> dict[tuple[int, str], bool]:
        """may_see for every (user, canary) pair, computed once (keyed by user pk and the
        canary's first text)."""
        return {
            (user.pk, canary.texts[0]): self.may_see(user, canary)
            for user in users
            for canary in canaries
        }
