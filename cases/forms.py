from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, User
from cases.models import (
    Case,
    CaseMember,
    Category,
    Disclosure,
    Guardian,
    PlanItem,
    RiskFactor,
    YoungPerson,
)
from schools.forms import DateInput
from schools.models import School
from sspf.personnummer import PersonnummerFormField


class SearchPersonForm(forms.Form):
    personnummer = PersonnummerFormField(
        help_text=_("We look for the person first, so that nobody is entered twice.")
    )


class SignalForm(forms.Form):
    """Aktualisering: the person (when new) and the case."""

    given_name = forms.CharField(label=_("Given name"), max_length=100)
    family_name = forms.CharField(label=_("Family name"), max_length=100)
    gender = forms.ChoiceField(label=_("Gender"), choices=YoungPerson.Gender.choices)
    protected_identity = forms.BooleanField(
        label=_("Protected identity (skyddade personuppgifter)"), required=False
    )
    signal_source = forms.ChoiceField(label=_("Signal from"), choices=Case.Source.choices)
    risk_factors = forms.MultipleChoiceField(
        label=_("Risk factors"),
        choices=RiskFactor.Factor.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    school = forms.ModelChoiceField(
        label=_("School"), queryset=School.objects.filter(active=True), required=False
    )

    PERSON_FIELDS = ["given_name", "family_name", "gender", "protected_identity"]

    def __init__(self, *args, existing_person: YoungPerson | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if existing_person is not None:
            for name in self.PERSON_FIELDS:
                del self.fields[name]


class CaseFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Reference or personal identity number"), required=False, max_length=40
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All"))] + Case.Status.choices, required=False
    )
    school = forms.ModelChoiceField(
        label=_("School"),
        queryset=School.objects.all(),
        required=False,
        empty_label=_("All schools"),
    )
    risk_factor = forms.ChoiceField(
        label=_("Risk factor"),
        choices=[("", _("All"))] + RiskFactor.Factor.choices,
        required=False,
    )


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Journal note"), widget=forms.Textarea(attrs={"rows": 6}))
    category = forms.ChoiceField(
        label=_("Kind of information"),
        choices=Category.choices,
        help_text=_("Decides who may read the note under the consent."),
    )
    corrects = forms.IntegerField(widget=forms.HiddenInput, required=False)


class PlanItemForm(forms.Form):
    goal = forms.CharField(label=_("Goal"), widget=forms.Textarea(attrs={"rows": 2}))
    action = forms.CharField(label=_("Action"), widget=forms.Textarea(attrs={"rows": 2}))
    responsible_organisation = forms.ModelChoiceField(
        label=_("Responsible organisation"), queryset=Organisation.objects.filter(active=True)
    )
    responsible_person = forms.ModelChoiceField(
        label=_("Responsible person"), queryset=User.objects.none(), required=False
    )
    due_date = forms.DateField(label=_("Due"), widget=DateInput())
    category = forms.ChoiceField(label=_("Kind of information"), choices=Category.choices)

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible_person"].queryset = User.objects.filter(
            case_memberships__case=case
        )


class FollowUpForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=PlanItem.Status.choices)
    follow_up = forms.CharField(
        label=_("Follow-up"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )


class MemberForm(forms.Form):
    user = forms.ModelChoiceField(
        label=_("Person"),
        queryset=User.objects.filter(is_active=True)
        .exclude(groups__name__in=["administrator", "auditor"])
        .select_related("organisation")
        .order_by("organisation__name", "last_name"),
    )
    role = forms.ChoiceField(label=_("Role in the case"), choices=CaseMember.Role.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].label_from_instance = lambda u: (
            f"{u.get_full_name() or u.username} ({u.organisation.name})"
        )


class GuardianForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    relation = forms.ChoiceField(label=_("Relation"), choices=Guardian.Relation.choices)
    has_custody = forms.BooleanField(label=_("Has custody"), required=False, initial=True)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)


class ConsentForm(forms.Form):
    party = forms.ChoiceField(label=_("Consenting party"))
    organisations = forms.ModelMultipleChoiceField(
        label=_("Organisations that may exchange information"),
        queryset=Organisation.objects.filter(active=True),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    categories = forms.MultipleChoiceField(
        label=_("Kinds of information"),
        choices=Category.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    purpose = forms.CharField(label=_("Purpose"), widget=forms.Textarea(attrs={"rows": 2}))
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput())
    valid_until = forms.DateField(
        label=_("Valid until"),
        widget=DateInput(),
        required=False,
        help_text=_("Leave empty for twelve months."),
    )
    form_reference = forms.CharField(
        label=_("Reference of the signed consent form"), max_length=100, required=False
    )

    def __init__(self, *args, case: Case, guardians, **kwargs):
        kwargs.setdefault("initial", {"valid_from": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.guardians = {str(g.pk): g for g in guardians}
        self.fields["party"].choices = [("person", _("The young person"))] + [
            (str(g.pk), f"{g.get_relation_display()}: {g.name}") for g in guardians
        ]

    def clean_party(self):
        party = self.cleaned_data["party"]
        return None if party == "person" else self.guardians[party]


class ConfirmForm(forms.Form):
    """No fields: the button is the confirmation."""


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the withdrawal"), widget=forms.Textarea(attrs={"rows": 3})
    )


class CloseForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Closure reason"),
        choices=[("", "—")] + Case.ClosureReason.choices,
        required=False,
    )
    closed_on = forms.DateField(label=_("Closed on"), widget=DateInput())

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"closed_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class DisclosureForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("To organisation"), queryset=Organisation.objects.filter(active=True)
    )
    basis = forms.ChoiceField(label=_("Statutory basis"), choices=Disclosure.Basis.choices)
    categories = forms.MultipleChoiceField(
        label=_("Kinds of information"),
        choices=Category.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    valid_until = forms.DateField(label=_("Valid until"), widget=DateInput())
    note = forms.CharField(
        label=_("Why the exception applies"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
