from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Organisation, User
from cases import access
from cases.models import CaseUserObjectPermission, Category, PlanItem, category_of
from meetings.models import Attendance, Level
from schools.models import School
from sspf.forms import DateField, HiddenErrorsOnTop, ModelChoiceField, ModelMultipleChoiceField
from sspf.once import OnceForm


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class MeetingForm(HiddenErrorsOnTop, OnceForm, forms.Form):
    level = forms.ChoiceField(label=pgettext_lazy("meeting", "Level"), choices=Level.choices)
    case = ModelChoiceField(
        label=_("Case (network meetings only)"),
        queryset=None,
        required=False,
        empty_label=_("No case"),
    )
    date = DateField(label=_("Date"))
    starts_at = forms.TimeField(label=_("Starts"), widget=TimeInput)
    ends_at = forms.TimeField(label=_("Ends"), widget=TimeInput)
    place = forms.CharField(label=_("Place"), max_length=200)
    schools = ModelMultipleChoiceField(
        label=_("Schools it concerns (optional)"),
        queryset=School.objects.filter(active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    area = forms.CharField(label=_("Area it concerns (optional)"), max_length=100, required=False)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the cases this coordinator leads now; the reference, never a name.
        self.fields["case"].queryset = (
            access.viewable_cases(user)
            .filter(
                pk__in=CaseUserObjectPermission.objects.filter(
                    user=user, permission__codename="change_case"
                ).values("content_object_id")
            )
            .exclude(status="closed")
            .order_by("-opened_on")
        )
        self.fields["case"].label_from_instance = lambda case: case.reference


class InviteForm(HiddenErrorsOnTop, OnceForm, forms.Form):
    user = ModelChoiceField(label=_("Person"), queryset=None)

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        people = (
            User.objects.filter(is_active=True, groups__isnull=False)
            .exclude(groups__name__in=["administrator", "auditor"])
            .exclude(meeting_attendances__meeting=meeting)
            .select_related("organisation")
            .distinct()
            .order_by("organisation__name", "first_name", "last_name")
        )
        if meeting.is_network:
            people = people.filter(case_memberships__case=meeting.case_id)
        self.fields["user"].queryset = people
        self.fields["user"].label_from_instance = lambda u: (
            f"{u.get_full_name() or u.username} ({u.organisation.name})"
        )


class AgendaItemForm(HiddenErrorsOnTop, OnceForm, forms.Form):
    topic = forms.CharField(label=_("Topic"), max_length=500)


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label=_("Minutes"), max_length=20000, widget=forms.Textarea(attrs={"rows": 8})
    )
    category = forms.ChoiceField(label=_("Kind of information"), choices=Category.choices)

    def __init__(self, *args, network: bool, author: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].initial = category_of(author.organisation)
        if not network:
            del self.fields["category"]
            self.fields["minutes"].help_text = _(
                "Group-level meetings never name individuals: no names or personal identity "
                "numbers."
            )


class GroupDecisionForm(HiddenErrorsOnTop, OnceForm, forms.Form):
    text = forms.CharField(
        label=_("Decision"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class PlanDecisionForm(HiddenErrorsOnTop, OnceForm, forms.Form):
    """A network meeting's decision: a commitment in the case's plan."""

    goal = forms.CharField(
        label=_("Goal"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    action = forms.CharField(
        label=_("Action"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    responsible_organisation = ModelChoiceField(
        label=_("Responsible organisation"), queryset=Organisation.objects.none()
    )
    responsible_person = ModelChoiceField(
        label=_("Responsible person"), queryset=User.objects.none(), required=False
    )
    due_date = DateField(label=_("Due"))
    category = forms.ChoiceField(label=_("Kind of information"), choices=Category.choices)

    def __init__(self, *args, case, author: User, **kwargs):
        super().__init__(*args, **kwargs)
        members = case.members.select_related("user", "organisation")
        self.fields["responsible_organisation"].queryset = Organisation.objects.filter(
            pk__in=[m.organisation_id for m in members]
        ).order_by("name")
        self.fields["responsible_person"].queryset = (
            User.objects.filter(pk__in=[m.user_id for m in members])
            .select_related("organisation")
            .order_by("first_name")
        )
        self.fields["responsible_person"].label_from_instance = lambda u: (
            f"{u.get_full_name() or u.username} ({u.organisation.name})"
        )
        self.fields["category"].initial = category_of(author.organisation)


class FollowUpForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=PlanItem.Status.choices)
    follow_up = forms.CharField(
        label=_("Follow-up"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class AttendanceForm(forms.Form):
    """One presence choice per invitee, and on a network meeting the young person and the
    guardians (no new names)."""

    def __init__(self, *args, attendances, guardians, network: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.attendances = attendances
        for row in attendances:
            self.fields[f"presence_{row.pk}"] = forms.ChoiceField(
                label=f"{row.user.get_full_name() or row.user.username} ({row.organisation.name})",
                choices=[("", "—"), *Attendance.Presence.choices],
                required=False,
                initial=row.presence,
            )
        if network:
            self.fields["young_person_present"] = forms.BooleanField(
                label=_("The young person was present"), required=False
            )
            self.fields["guardians_present"] = forms.MultipleChoiceField(
                label=_("Guardians present"),
                choices=[(g.pk, g.get_relation_display()) for g in guardians],
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )
        self.guardians = {str(g.pk): g for g in guardians}

    def service_data(self) -> dict:
        data = self.cleaned_data
        return {
            "presence": {
                row.pk: data[f"presence_{row.pk}"]
                for row in self.attendances
                if data.get(f"presence_{row.pk}")
            },
            "young_person_present": data.get("young_person_present", False),
            "guardians_present": [self.guardians[pk] for pk in data.get("guardians_present", [])],
        }


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(label=_("Yes, I am sure"))
