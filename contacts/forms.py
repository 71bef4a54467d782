import datetime

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from cases import access
from contacts.models import Contact, Place
from schools.models import School
from sspf.forms import (
    DateField,
    DateTimeField,
    HiddenErrorsOnTop,
    ModelChoiceField,
    ModelMultipleChoiceField,
)
from sspf.personnummer import PersonnummerFormField

# Field work was recorded on paper before this system; no contact is older than this.
FIRST_CONTACT_DAY = datetime.date(2000, 1, 1)


class ContactForm(HiddenErrorsOnTop, forms.Form):
    """One mobile form for both kinds: a group (default) or a named contact."""

    client_token = forms.UUIDField(widget=forms.HiddenInput)
    mode = forms.ChoiceField(
        label=_("Kind of record"),
        choices=[("group", _("Anonymous group")), ("named", _("Named young person"))],
        widget=forms.RadioSelect,
        initial="group",
    )
    occurred_at = DateTimeField(label=_("When"), earliest=FIRST_CONTACT_DAY)
    place = ModelChoiceField(label=_("Place"), queryset=Place.objects.filter(active=True))
    kind = forms.ChoiceField(
        label=_("Kind of contact"), choices=Contact.Kind.choices, initial=Contact.Kind.STREET
    )
    girls = forms.IntegerField(
        label=_("Girls"), min_value=0, max_value=500, initial=0, required=False
    )
    boys = forms.IntegerField(
        label=_("Boys"), min_value=0, max_value=500, initial=0, required=False
    )
    others = forms.IntegerField(
        label=_("Other"), min_value=0, max_value=500, initial=0, required=False
    )
    not_recorded = forms.IntegerField(
        label=_("Not recorded"), min_value=0, max_value=500, initial=0, required=False
    )
    age_band = forms.ChoiceField(
        label=_("Age band"), required=False, choices=[("", "—")] + Contact.AgeBand.choices
    )
    themes = forms.MultipleChoiceField(
        label=_("Themes"),
        choices=Contact.Theme.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    case = ModelChoiceField(
        label=_("Case"), queryset=None, required=False, empty_label=_("No case")
    )
    personnummer = PersonnummerFormField(
        required=False,
        help_text=_(
            "For a young person without a case here: someone your organisation has met before."
        ),
    )
    school = ModelChoiceField(
        label=_("School (optional)"), queryset=School.objects.filter(active=True), required=False
    )
    co_workers = ModelMultipleChoiceField(
        label=_("Co-workers (optional)"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    COUNTS = ["girls", "boys", "others", "not_recorded"]

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = access.viewable_cases(user).order_by("-opened_on")
        self.fields["case"].label_from_instance = lambda case: case.reference
        self.fields["co_workers"].queryset = (
            User.objects.filter(
                organisation=user.organisation, groups__name="field_worker", is_active=True
            )
            .exclude(pk=user.pk)
            .order_by("first_name")
        )
        for name in self.COUNTS:
            self.fields[name].widget.attrs.update({"inputmode": "numeric", "min": 0})

    GROUP_ONLY = [*COUNTS, "age_band", "themes"]
    NAMED_ONLY = ["case", "personnummer"]

    def full_clean(self):
        """The part of the form for the kind not chosen is hidden on the page: its fields are
        ignored, not validated (a disabled field takes its initial value, not the posted one),
        so a bad number left in the hidden named part cannot block a group contact."""
        named = self.is_bound and self.data.get("mode") == "named"
        ignored = self.GROUP_ONLY if named else self.NAMED_ONLY
        for name in ignored:
            self.fields[name].disabled = True
        try:
            super().full_clean()
        finally:
            for name in ignored:
                self.fields[name].disabled = False

    def clean(self):
        data = super().clean()
        for name in self.COUNTS:
            data[name] = data.get(name) or 0
        if data.get("mode") == "named":
            if not data.get("case") and not data.get("personnummer"):
                self.add_error("case", _("Choose the case, or give the personal identity number."))
            for name in self.COUNTS:
                data[name] = 0
        else:
            data["case"] = None
            data["personnummer"] = ""
        return data


class ContactFilterForm(forms.Form):
    since = DateField(label=_("From"), required=False)
    until = DateField(label=_("Until"), required=False)
    place = ModelChoiceField(
        label=_("Place"), queryset=Place.objects.all(), required=False, empty_label=_("All places")
    )
    kind = forms.ChoiceField(
        label=_("Kind of contact"), required=False, choices=[("", _("All"))] + Contact.Kind.choices
    )


class PlaceForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=Place.Kind.choices)


def now_for_input():
    return timezone.localtime().replace(second=0, microsecond=0)


class ContactCorrectForm(forms.Form):
    """Rättelse of a contact: the facts of the meeting, and for a group its head counts."""

    occurred_at = DateTimeField(label=_("When"), earliest=FIRST_CONTACT_DAY)
    place = ModelChoiceField(label=_("Place"), queryset=Place.objects.none())
    kind = forms.ChoiceField(label=_("Kind of contact"), choices=Contact.Kind.choices)
    school = ModelChoiceField(
        label=_("School (optional)"), queryset=School.objects.filter(active=True), required=False
    )
    girls = forms.IntegerField(label=_("Girls"), min_value=0, max_value=500)
    boys = forms.IntegerField(label=_("Boys"), min_value=0, max_value=500)
    others = forms.IntegerField(label=_("Other"), min_value=0, max_value=500)
    not_recorded = forms.IntegerField(label=_("Not recorded"), min_value=0, max_value=500)
    age_band = forms.ChoiceField(
        label=_("Age band"), required=False, choices=[("", "—")] + Contact.AgeBand.choices
    )
    themes = forms.MultipleChoiceField(
        label=_("Themes"),
        choices=Contact.Theme.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reason = forms.CharField(
        label=_("What was wrong? (optional)"),
        required=False,
        max_length=1000,
        help_text=_("Kept in the history. Do not name anyone."),
    )

    def __init__(self, *args, contact: Contact, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "occurred_at": timezone.localtime(contact.occurred_at),
                "place": contact.place_id,
                "kind": contact.kind,
                "school": contact.school_id,
                "girls": contact.girls,
                "boys": contact.boys,
                "others": contact.others,
                "not_recorded": contact.not_recorded,
                "age_band": contact.age_band,
                "themes": contact.themes,
                "note": contact.note,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = Place.objects.filter(
            Q(active=True) | Q(pk=contact.place_id)
        )
        if contact.is_named:
            for name in ContactForm.GROUP_ONLY:
                del self.fields[name]
        for name in ContactForm.COUNTS:
            if name in self.fields:
                self.fields[name].widget.attrs.update({"inputmode": "numeric", "min": 0})

    def values(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "reason"}
