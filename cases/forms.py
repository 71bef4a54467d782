from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
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
    category_of,
)
from cases.services import EDIT_CONFLICT
from schools.models import School
from sspf.forms import (
    LARGEST_ID,
    DateField,
    HiddenErrorsOnTop,
    ModelChoiceField,
    ModelMultipleChoiceField,
)
from sspf.once import OnceForm
from sspf.personnummer import PersonnummerFormField

CHOOSE = [("", "—")]


class EditForm(HiddenErrorsOnTop):
    """A form that changes a row others may change at the same time (cases.models.Versioned).
    It carries, hidden, the version of `row` that the page showed; the service refuses the
    write when the row holds another one (services.EDIT_CONFLICT).

    Without a version (a form sent by something other than our page) nothing is compared."""

    def __init__(self, *args, row, **kwargs):
        super().__init__(*args, **kwargs)
        self.row = row
        self.fields["version"] = forms.IntegerField(
            widget=forms.HiddenInput,
            required=False,
            min_value=1,
            max_value=LARGEST_ID,
            initial=row.version,
            error_messages=dict.fromkeys(
                ["invalid", "min_value", "max_value"],
                _("The form has expired. Open it again and save."),
            ),
        )

    def keep_input_after_conflict(self) -> None:
        """After a conflict the user's input stays in the form, which now carries the version
        they have been told about: sending it again is their choice, made knowingly."""
        if self.has_error(NON_FIELD_ERRORS, code=EDIT_CONFLICT):
            model = type(self.row)
            self.data = self.data.copy()
            self.data["version"] = model.objects.values_list("version", flat=True).get(
                pk=self.row.pk
            )


class SearchPersonForm(forms.Form):
    personnummer = PersonnummerFormField(
        help_text=_("We look for the person first, so that nobody is entered twice.")
    )


class SignalForm(HiddenErrorsOnTop, OnceForm, forms.Form):
    """Aktualisering: the person and the case. The same form whether the number is known or
    not, so that it tells nobody who is registered (DESIGN §4)."""

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
    school = ModelChoiceField(
        label=_("School"), queryset=School.objects.filter(active=True), required=False
    )

    PERSON_FIELDS = ["given_name", "family_name", "gender", "protected_identity"]


class CaseFilterForm(forms.Form):
    """The list's filters travel in the address (GET), so they never hold a personnummer."""

    q = forms.CharField(label=_("Reference"), required=False, max_length=40)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All"))] + Case.Status.choices, required=False
    )
    school = ModelChoiceField(
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

    def clean_q(self):
        text = self.cleaned_data["q"]
        if sum(char.isdigit() for char in text) >= 10:
            raise forms.ValidationError(
                _("Search by personal identity number in its own field below.")
            )
        return text


class OwnCategoryForm(forms.Form):
    """A timeline entry's category starts as the author's organisation's own (a safe default:
    the narrowest that fits)."""

    def __init__(self, *args, author: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].initial = category_of(author.organisation)


class NumberSearchForm(forms.Form):
    """A search by personnummer is sent in the request body (POST), never in the address,
    so that the number reaches no server or proxy access log."""

    personnummer = PersonnummerFormField(
        label=_("Search by personal identity number"), help_text=""
    )


class NoteForm(HiddenErrorsOnTop, OnceForm, OwnCategoryForm):
    text = forms.CharField(label=_("Journal note"), widget=forms.Textarea(attrs={"rows": 6}))
    category = forms.ChoiceField(
        label=_("Kind of information"),
        choices=Category.choices,
        help_text=_("Decides who may read the note under the consent."),
    )
    corrects = forms.IntegerField(
        widget=forms.HiddenInput,
        required=False,
        min_value=1,
        max_value=LARGEST_ID,
        error_messages=dict.fromkeys(
            ["invalid", "min_value", "max_value"], _("There is no such note to correct.")
        ),
    )


class PlanItemForm(HiddenErrorsOnTop, OnceForm, OwnCategoryForm):
    goal = forms.CharField(label=_("Goal"), widget=forms.Textarea(attrs={"rows": 2}))
    action = forms.CharField(label=_("Action"), widget=forms.Textarea(attrs={"rows": 2}))
    responsible_organisation = ModelChoiceField(
        label=_("Responsible organisation"), queryset=Organisation.objects.filter(active=True)
    )
    responsible_person = ModelChoiceField(
        label=_("Responsible person"), queryset=User.objects.none(), required=False
    )
    due_date = DateField(label=_("Due"))
    category = forms.ChoiceField(label=_("Kind of information"), choices=Category.choices)

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible_person"].queryset = User.objects.filter(
            case_memberships__case=case
        )


class FollowUpForm(EditForm, forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=PlanItem.Status.choices)
    follow_up = forms.CharField(
        label=_("Follow-up"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )


class MemberForm(HiddenErrorsOnTop, OnceForm, forms.Form):
    user = ModelChoiceField(
        label=_("Person"),
        queryset=User.objects.filter(is_active=True)
        .exclude(groups__name__in=["administrator", "auditor"])
        .select_related("organisation")
        .order_by("organisation__name", "last_name"),
    )
    role = forms.ChoiceField(label=_("Role in the case"), choices=CHOOSE + CaseMember.Role.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].label_from_instance = lambda u: (
            f"{u.get_full_name() or u.username} ({u.organisation.name})"
        )


class GuardianForm(HiddenErrorsOnTop, OnceForm, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    relation = forms.ChoiceField(label=_("Relation"), choices=CHOOSE + Guardian.Relation.choices)
    has_custody = forms.BooleanField(label=_("Has custody"), required=False, initial=True)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)


class ConsentForm(HiddenErrorsOnTop, OnceForm, forms.Form):
    party = forms.ChoiceField(label=_("Consenting party"))
    organisations = ModelMultipleChoiceField(
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
    valid_from = DateField(label=_("Valid from"))
    valid_until = DateField(
        label=_("Valid until"),
        required=False,
        help_text=_("Leave empty for the longest: twelve months less a day."),
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


class CustodyForm(EditForm, forms.Form):
    custody = forms.ChoiceField(
        label=_("Custody (vårdnad)"),
        choices=Case.Custody.choices,
        help_text=_(
            "Consent for a minor covers nothing until every custodian this implies is on file "
            "and has consented."
        ),
    )


class ReopenForm(EditForm, forms.Form):
    reason = forms.ChoiceField(
        label=_("Why is the case reopened?"), choices=CHOOSE + Case.ReopenReason.choices
    )


class ConfirmForm(forms.Form):
    """No fields: the button is the confirmation."""


class AdvanceForm(EditForm, forms.Form):
    """The case page's button that moves the case on: only the version it showed."""


class WithdrawForm(EditForm, forms.Form):
    reason = forms.CharField(
        label=_("Reason for the withdrawal"), widget=forms.Textarea(attrs={"rows": 3})
    )


class CloseForm(EditForm, forms.Form):
    reason = forms.ChoiceField(
        label=_("Closure reason"),
        choices=[("", "—")] + Case.ClosureReason.choices,
        required=False,
    )
    closed_on = DateField(label=_("Closed on"))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"closed_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class DisclosureForm(HiddenErrorsOnTop, OnceForm, forms.Form):
    organisation = ModelChoiceField(
        label=_("To organisation"), queryset=Organisation.objects.filter(active=True)
    )
    basis = forms.ChoiceField(label=_("Statutory basis"), choices=CHOOSE + Disclosure.Basis.choices)
    statute = forms.CharField(
        label=_("The statute that requires it"),
        max_length=200,
        required=False,
        help_text=_("For 10 kap. 28 § OSL: the law and section that require the disclosure."),
    )
    categories = forms.MultipleChoiceField(
        label=_("Kinds of information"),
        choices=Category.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Only your organisation's entries of these kinds are opened."),
    )
    justification = forms.CharField(
        label=_("Why the exception applies"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    valid_until = DateField(
        label=_("Valid until"),
        required=False,
        help_text=_("Leave empty for the longest allowed."),
    )
