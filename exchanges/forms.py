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


def _text(label: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class LearnerEvaluationForm(forms.Form):
    """The requesting city's questions. The outcome is a required choice with none made in
    advance (radio buttons, no initial value): a default would be recorded by whoever did not
    read it."""

    outcome = forms.ChoiceField(
        label=_("Did your city adopt a practice of the host city?"),
        choices=Evaluation.Outcome.choices,
        widget=forms.RadioSelect,
    )
    practice = forms.ModelChoiceField(
        label=_("Which practice (if adopted or adapted)"),
        queryset=Practice.objects.none(),
        required=False,
    )
    helped = _text(_("What helped"))
    hindered = _text(_("What did not help"))

    def __init__(self, *args: Any, peer_city: City, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["practice"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Practice.objects.filter(
            city=peer_city, review_state=Practice.ReviewState.PUBLISHED
        )


class HostEvaluationForm(forms.Form):
    """The host (peer) city's questions: what it learned in return, whether it would host
    again (required, none chosen in advance), what helped and what did not."""

    would_host_again = forms.ChoiceField(
        label=_("Would your city host an exchange like this again?"),
        choices=Evaluation.HostAgain.choices,
        widget=forms.RadioSelect,
    )
    learned = _text(_("What did your city learn by hosting?"))
    helped = _text(_("What helped"))
    hindered = _text(_("What did not help"))


def evaluation_form(
    *, exchange_city_id: int, city: City, peer_city: City, data: Any = None
) -> LearnerEvaluationForm | HostEvaluationForm:
    """The form of the side `city` is on: the learner when it is the requesting city."""
    prefix = f"city{city.pk}"
    if city.pk == exchange_city_id:
        return LearnerEvaluationForm(data, peer_city=peer_city, prefix=prefix)
    return HostEvaluationForm(data, prefix=prefix)


class BoardFilter(forms.Form):
    challenge = forms.CharField(required=False, max_length=60)
    region = forms.CharField(required=False, max_length=3)
    broker = forms.CharField(required=False, max_length=12)
