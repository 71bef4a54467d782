import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, User
from cases import access as case_access
from cases.models import YoungPerson
from referrals.models import Referral, ReferralActivity
from sspf.forms import DateField, HiddenErrorsOnTop, ModelChoiceField
from sspf.once import OnceForm
from sspf.personnummer import PersonnummerFormField

CHOOSE = [("", "—")]
# Offences older than this are not referred any more; it keeps dates far from the calendar's edge.
EARLIEST_OFFENCE = datetime.date(2000, 1, 1)


class ReferralForm(HiddenErrorsOnTop, OnceForm, forms.Form):
    """The sender's form for both kinds; the fields of the other kind are left out."""

    receiver = ModelChoiceField(label=_("Receiving service"), queryset=Organisation.objects.none())
    case = ModelChoiceField(
        label=_("Case"),
        queryset=None,
        required=False,
        empty_label=_("No case"),
        help_text=_("A case you work in, or leave empty and give the personal identity number."),
    )
    personnummer = PersonnummerFormField(required=False)
    gender = forms.ChoiceField(
        label=_("Gender"),
        choices=CHOOSE + YoungPerson.Gender.choices,
        required=False,
        help_text=_("For the statistics; needed when you give the number."),
    )
    contact_name = forms.CharField(
        label=_("Name of the young person"),
        max_length=200,
        help_text=_("As the receiving service should know them."),
    )
    contact_details = forms.CharField(
        label=_("How to reach them or their custodian (optional)"), max_length=200, required=False
    )
    offence_date = DateField(label=_("Date of the offence"), earliest=EARLIEST_OFFENCE)
    offence_category = forms.ChoiceField(
        label=_("Kind of offence"), choices=CHOOSE + Referral.OffenceCategory.choices
    )
    police_report_number = forms.CharField(
        label=_("Police report number"),
        max_length=20,
        required=False,
        help_text=_("As on the police report, e.g. 5000-K123456-26."),
    )
    # Mediation
    admitted = forms.BooleanField(label=_("The offender has admitted the act"), required=False)
    under_12_reason = forms.CharField(
        label=_("Exceptional reason (only for an offender under 12)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    victim_name = forms.CharField(
        label=_("Name of the victim"),
        max_length=200,
        required=False,
        help_text=_("Shown to the mediation service only."),
    )
    victim_under_18 = forms.BooleanField(label=_("The victim is under 18"), required=False)
    # Young-victims support
    victim_agreed_to_contact = forms.BooleanField(
        label=_("The young person agrees to be contacted by the support centre"), required=False
    )
    custodian_agreed_to_contact = forms.BooleanField(
        label=_("A custodian agrees to the contact (young person under 18)"), required=False
    )
    self_referral = forms.BooleanField(
        label=_("Self-referral: the young person asked for support themselves"), required=False
    )
    note = forms.CharField(
        label=_("Note for the receiving service (optional)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    ONLY_FOR = {
        Referral.Kind.MEDIATION: [
            "victim_agreed_to_contact",
            "custodian_agreed_to_contact",
            "self_referral",
        ],
        Referral.Kind.VICTIM_SUPPORT: [
            "admitted",
            "under_12_reason",
            "victim_name",
            "victim_under_18",
        ],
    }

    def __init__(self, *args, user: User, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.ONLY_FOR[kind]:
            del self.fields[name]
        flag = (
            "receives_mediation_referrals"
            if kind == Referral.Kind.MEDIATION
            else "receives_victim_support_referrals"
        )
        self.fields["receiver"].queryset = Organisation.objects.filter(active=True, **{flag: True})
        self.fields["case"].queryset = case_access.viewable_cases(user).exclude(status="closed")
        self.fields["case"].label_from_instance = lambda case: case.reference
        # The legal conditions (report number, admission, ages) are checked by the service,
        # whose messages name the rule.

    def clean(self):
        data = super().clean()
        if (
            not data.get("case")
            and not data.get("personnummer")
            and "personnummer" not in self.errors
        ):
            self.add_error(
                "personnummer", _("Choose the case, or give the personal identity number.")
            )
        return data


class ReasonForm(HiddenErrorsOnTop, forms.Form):
    expected = forms.CharField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ExpectedForm(forms.Form):
    """The status the page showed, sent back with a transition (compare-and-set)."""

    expected = forms.ChoiceField(choices=Referral.Status.choices)


class ConsentForm(forms.Form):
    offender_consent_on = DateField(
        label=_("The offender consented on"), earliest=EARLIEST_OFFENCE, required=False
    )
    offender_custodians_consent_on = DateField(
        label=_("The offender's custodians consented on (offender under 18)"),
        earliest=EARLIEST_OFFENCE,
        required=False,
    )
    victim_consent_on = DateField(
        label=_("The victim consented on"), earliest=EARLIEST_OFFENCE, required=False
    )
    victim_custodians_consent_on = DateField(
        label=_("The victim's custodians consented on (victim under 18)"),
        earliest=EARLIEST_OFFENCE,
        required=False,
    )


class ActivityForm(HiddenErrorsOnTop, OnceForm, forms.Form):
    kind = forms.ChoiceField(label=_("What was done"))
    date = DateField(label=_("Date"), earliest=EARLIEST_OFFENCE)
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, referral: Referral, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = ReferralActivity.FOR_KIND[referral.kind]
        self.fields["kind"].choices = [(k.value, k.label) for k in kinds]


class CompleteForm(HiddenErrorsOnTop, forms.Form):
    expected = forms.CharField(widget=forms.HiddenInput, required=False)
    outcome = forms.ChoiceField(label=_("Outcome"), widget=forms.RadioSelect)
    agreement_type = forms.ChoiceField(
        label=_("Kind of agreement"),
        choices=CHOOSE + Referral.AgreementType.choices,
        required=False,
    )
    prosecutor_informed_on = DateField(
        label=_("Prosecutor informed on"), earliest=EARLIEST_OFFENCE, required=False
    )
    reason = forms.CharField(
        label=_("Comment (which party withdrew, and why)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, referral: Referral, **kwargs):
        super().__init__(*args, **kwargs)
        from referrals.services import OUTCOMES

        allowed = OUTCOMES[referral.kind]
        self.fields["outcome"].choices = [
            (value, label) for value, label in Referral.Outcome.choices if value in allowed
        ]
        if not referral.is_mediation:
            del self.fields["agreement_type"]
            del self.fields["prosecutor_informed_on"]
            self.fields["reason"].label = _("Comment (optional)")
