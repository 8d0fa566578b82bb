from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import SavedSearch


class SaveSearchForm(forms.Form):
    query = forms.CharField(widget=forms.HiddenInput, required=False, max_length=4000)
    name = forms.CharField(label=_("Name of the search"), max_length=120)
    frequency = forms.ChoiceField(
        label=_("E-mail me new practices"),
        choices=SavedSearch.Frequency.choices,
        initial=SavedSearch.Frequency.WEEKLY,
    )


class FrequencyForm(forms.Form):
    frequency = forms.ChoiceField(
        label=_("E-mail me new practices"), choices=SavedSearch.Frequency.choices
    )
