from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, User
from schools.models import Assignment, School, SchoolVisit
from sspf.forms import DateField, HiddenErrorsOnTop, ModelChoiceField
from sspf.once import OnceForm


class VisitForm(HiddenErrorsOnTop, OnceForm, forms.Form):
    """The purpose is not preselected: one tap on an untouched form records nothing, the
    officer chooses it (the date starts at today). The one-time token makes Back and Save find
    the visit already recorded."""

    date = DateField(label=_("Date of the visit"), initial=timezone.localdate)
    purpose = forms.ChoiceField(
        label=_("Purpose"), choices=[("", _("Choose a purpose"))] + SchoolVisit.Purpose.choices
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only your police colleagues can read the note. Do not name pupils."),
    )


class VisitCorrectForm(forms.Form):
    date = DateField(label=_("Date of the visit"))
    purpose = forms.ChoiceField(label=_("Purpose"), choices=SchoolVisit.Purpose.choices)
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only your police colleagues can read the note. Do not name pupils."),
    )
    reason = forms.CharField(
        label=_("What was wrong? (optional)"),
        required=False,
        max_length=1000,
        help_text=_("Kept in the history. Do not name anyone."),
    )

    def __init__(self, *args, visit: SchoolVisit, **kwargs):
        kwargs.setdefault(
            "initial", {"date": visit.date, "purpose": visit.purpose, "note": visit.note}
        )
        super().__init__(*args, **kwargs)

    def values(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "reason"}


class PersonChoiceField(ModelChoiceField):
    def label_from_instance(self, user):
        return f"{user.get_full_name() or user.username} ({user.organisation.name})"


class AssignmentForm(forms.Form):
    school = ModelChoiceField(label=_("School"), queryset=School.objects.filter(active=True))
    kind = forms.ChoiceField(label=_("Kind"), choices=Assignment.Kind.choices)
    user = PersonChoiceField(
        label=_("Person"),
        queryset=User.objects.filter(is_active=True)
        .filter(Q(organisation__kind=Organisation.Kind.POLICE) | Q(groups__name="field_worker"))
        .select_related("organisation")
        .distinct()
        .order_by("last_name", "first_name"),
        help_text=_(
            "Contact police officers come from a police organisation; field workers "
            "have the field-worker role."
        ),
    )
    start_date = DateField(label=_("Start date"))
    end_date = DateField(
        label=_("End date (optional)"),
        required=False,
        help_text=_("The first day without the assignment."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"start_date": timezone.localdate()})
        super().__init__(*args, **kwargs)


class EndAssignmentForm(forms.Form):
    end_date = DateField(
        label=_("End date"),
        help_text=_("The first day without the assignment. Today ends it at once."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"end_date": timezone.localdate()})
        super().__init__(*args, **kwargs)


class AssignmentFilterForm(forms.Form):
    school = ModelChoiceField(
        label=_("School"),
        queryset=School.objects.all(),
        required=False,
        empty_label=_("All schools"),
    )
    current = forms.BooleanField(label=_("Only current and coming"), required=False)
