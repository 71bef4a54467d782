from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sspf.forms import DateField, HiddenErrorsOnTop
from sspf.once import OnceForm
from stats import tables
from stats.models import Target, TargetValue

FIRST_YEAR = 2010


def year_choices():
    this_year = timezone.localdate().year
    return [(y, str(y)) for y in range(this_year, FIRST_YEAR - 1, -1)]


class TableForm(forms.Form):
    """The choices of the gender view (GET): what to count, how to split it, which year."""

    measure = forms.ChoiceField(label=_("What to count"))
    split = forms.ChoiceField(label=_("Split by"), choices=list(tables.SPLITS.items()))
    year = forms.TypedChoiceField(label=_("Year"), coerce=int)

    def __init__(self, data=None, *, measures):
        super().__init__(data)
        self.fields["measure"].choices = [(m, tables.MEASURES[m]) for m in measures]
        self.fields["year"].choices = year_choices()

    def clean(self):
        data = super().clean()
        measure, split = data.get("measure"), data.get("split")
        if measure and split and split not in tables.splits_for(measure):
            self.add_error("split", _("This count cannot be split that way."))
        return data

    @classmethod
    def defaults(cls, measures):
        return {"measure": measures[0], "split": "month", "year": timezone.localdate().year}


class FollowUpForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int)

    def __init__(self, data=None):
        super().__init__(data)
        self.fields["year"].choices = year_choices()


class TargetForm(HiddenErrorsOnTop, OnceForm, forms.ModelForm):
    class Meta:
        model = Target
        fields = [
            "name",
            "baseline_year",
            "baseline_value",
            "yearly_change",
            "direction",
            "measure",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from stats.tables import MEASURES

        self.fields["measure"] = forms.ChoiceField(
            label=_("counted in SSPF as"),
            required=False,
            choices=[("", _("Not counted in SSPF: entered each year"))] + list(MEASURES.items()),
            help_text=self.fields["measure"].help_text,
        )

    def clean_yearly_change(self):
        """The target value is the baseline times (1 + change/100) to the power of the years
        since: at −100 % or less it is zero or negative, and before the baseline year it cannot
        be worked out at all (the follow-up report would fail)."""
        change = self.cleaned_data["yearly_change"]
        if change is not None and change <= -100:
            raise forms.ValidationError(
                _("A target cannot fall by 100 per cent or more a year."), code="min_value"
            )
        return change


class TargetValueForm(HiddenErrorsOnTop, OnceForm, forms.ModelForm):
    entered_on = DateField(label=_("date entered"))

    class Meta:
        model = TargetValue
        fields = ["year", "value", "source", "entered_on"]
