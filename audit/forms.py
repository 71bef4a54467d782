from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, User
from audit import findings
from audit.models import ReviewSample
from audit.selectors import ACTIONS, logged_types
from audit.services import LARGEST_SEED
from sspf.forms import LARGEST_ID, DateField, HiddenErrorsOnTop, ModelChoiceField
from sspf.once import OnceForm
from sspf.personnummer import PersonnummerFormField


class UserChoiceField(ModelChoiceField):
    def label_from_instance(self, user):
        return f"{user.get_full_name() or user.username} ({user.username})"


class ObjectTypeField(ModelChoiceField):
    def label_from_instance(self, content_type):
        model = content_type.model_class()
        return str(model._meta.verbose_name).capitalize() if model else content_type.model


class PeriodForm(forms.Form):
    since = DateField(label=_("From"), required=False)
    until = DateField(label=_("Until"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["until"] < data["since"]:
            raise forms.ValidationError(_("The period cannot end before it starts."))
        return data


class SearchForm(HiddenErrorsOnTop, PeriodForm):
    """The log search, by GET: nothing in it identifies a young person (the person is an id
    reached through the personnummer search, which is sent by POST)."""

    person = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=1, max_value=LARGEST_ID
    )
    finding = forms.ChoiceField(
        widget=forms.HiddenInput, required=False, choices=[(c, c) for c in findings.CODES]
    )
    case = forms.CharField(label=_("Case reference"), required=False, max_length=20)
    user = UserChoiceField(
        label=_("User"), required=False, queryset=User.objects.order_by("last_name", "first_name")
    )
    organisation = ModelChoiceField(
        label=_("Organisation"), required=False, queryset=Organisation.objects.order_by("name")
    )
    action = forms.ChoiceField(label=_("Action"), required=False, choices=[("", "—"), *ACTIONS])
    object_type = ObjectTypeField(label=_("Kind of object"), required=False, queryset=None)
    field_order = ["case", "user", "organisation", "action", "object_type", "since", "until"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["object_type"].queryset = logged_types()


class PersonSearchForm(forms.Form):
    """A personnummer is sent in the request body, never in an address."""

    personnummer = PersonnummerFormField(label=_("Young person's personal identity number"))


class ReviewForm(HiddenErrorsOnTop, OnceForm, forms.Form):
    period_start = DateField(label=_("Period from"))
    period_end = DateField(label=_("Period until"))
    per_organisation = forms.IntegerField(
        label=_("Sampled entries per organisation"), min_value=1, max_value=100
    )
    seed = forms.IntegerField(
        label=_("Seed (optional)"),
        required=False,
        min_value=0,
        max_value=LARGEST_SEED - 1,
        help_text=_(
            "Leave empty for a new random sample; give an earlier review's seed to draw "
            "its sample again."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["period_start"].initial = today.replace(day=1)
        self.fields["period_end"].initial = today
        self.fields["per_organisation"].initial = settings.SSPF_AUDIT_REVIEW_SAMPLE


class AssessForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("Assessment"), choices=ReviewSample.Verdict.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class CloseForm(forms.Form):
    conclusion = forms.CharField(
        label=_("Conclusion"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What the review found and what follows from it."),
    )


class ConfirmForm(forms.Form):
    """No fields: the button is the confirmation."""
