from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cities.models import City
from practices.models import LANGUAGES, Challenge, Practice, Topic

from .models import Evaluation, ExchangeFormat
from .services import TEXT_LIMIT, RequestData


class RequestForm(forms.Form):
    city = forms.ModelChoiceField(label=_("City"), queryset=City.objects.none())
    challenges = forms.ModelMultipleChoiceField(
        label=_("Challenges"),
        queryset=Challenge.objects.all(),
        to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
    )
    topics = forms.ModelMultipleChoiceField(
        label=_("Topics"),
        queryset=Topic.objects.all(),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    need = forms.CharField(
        label=_("What does your city need?"),
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    formats = forms.MultipleChoiceField(
        label=_("Preferred formats"),
        choices=ExchangeFormat.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    languages = forms.MultipleChoiceField(
        label=_("Working languages"),
        choices=LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    window_start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    window_end = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    # Carried from the practice page that started the request ("?practice=<id>").
    source_practice = forms.ModelChoiceField(
        queryset=Practice.objects.filter(review_state=Practice.ReviewState.PUBLISHED),
        required=False,
        widget=forms.HiddenInput,
    )

    def __init__(self, *args: Any, cities: list[City], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["city"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = City.objects.filter(pk__in=[c.pk for c in cities])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("window_start"), data.get("window_end")
        if start and end and end < start:
            self.add_error("window_end", _("The window cannot end before it starts."))
        return data

    def request_data(self) -> RequestData:
        d = self.cleaned_data
        return RequestData(
            challenges=list(d["challenges"]),
            topics=list(d["topics"]),
            need=d["need"],
            formats=d["formats"],
            languages=d["languages"],
            window_start=d["window_start"],
            window_end=d["window_end"],
            source_practice=d.get("source_practice"),
        )


class StepForm(forms.Form):
    note = forms.CharField(
        label=_("Message"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    starts_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


class EvaluationForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Evaluation.Outcome.choices)
    practice = forms.ModelChoiceField(
        label=_("Practice"), queryset=Practice.objects.none(), required=False
    )
    helped = forms.CharField(
        label=_("What helped"),
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    hindered = forms.CharField(
        label=_("What did not help"),
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, peer_city: City, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["practice"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Practice.objects.filter(
            city=peer_city, review_state=Practice.ReviewState.PUBLISHED
        )


class BoardFilter(forms.Form):
    challenge = forms.CharField(required=False, max_length=60)
    region = forms.CharField(required=False, max_length=3)
    broker = forms.CharField(required=False, max_length=12)
