"""Web forms for practices. They turn posted data into service inputs; the services validate
again and decide, so the API and the web share every rule."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cities.models import City
from core.workflow import NOTE_LIMIT

from .models import (
    ALT_TEXT_LIMIT,
    LANGUAGES,
    SECTIONS,
    Challenge,
    Practice,
    PracticeTranslation,
    Sdg,
    Topic,
)
from .services import (
    DETAIL_LIMIT,
    MAX_YEAR,
    MIN_YEAR,
    TEXT_LIMITS,
    PracticeData,
    PracticeText,
)

ALT_HELP = _(
    "What the image shows, in a sentence, for people who cannot see it; in the language of "
    "the practice's text. Required for the cover."
)


ALT_REQUIRED = _(
    "Describe the cover image in a sentence for people who cannot see it (alternative text): "
    "it is required for a cover."
)


class TaxonomyChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


class TextFieldsMixin(forms.Form):
    # What the form was opened on (practices.editing); a new practice has none.
    version = forms.CharField(widget=forms.HiddenInput, required=False, max_length=1000)
    title = forms.CharField(label=_("Title"), max_length=TEXT_LIMITS["title"])
    summary = forms.CharField(label=_("One-line summary"), max_length=TEXT_LIMITS["summary"])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label in SECTIONS:
            self.fields[name] = forms.CharField(
                label=label,
                required=False,
                max_length=TEXT_LIMITS[name],
                widget=forms.Textarea(attrs={"rows": 6}),
                help_text=_("Markdown: *emphasis*, **bold**, lists, [links](https://…)."),
            )

    def practice_text(self) -> PracticeText:
        data = self.cleaned_data
        return PracticeText(
            title=data["title"],
            summary=data["summary"],
            sections={name: data.get(name, "") for name, _label in SECTIONS},
        )


class PracticeForm(TextFieldsMixin):
    # A new practice's cover, chosen in the same submit (practices.views.practice_create keeps
    # the file across a refused submit as a PendingImage): shown apart from the other fields.
    COVER_FIELDS = ("cover_image", "cover_alt")
    challenges = TaxonomyChoiceField(
        label=_("Challenges"),
        queryset=Challenge.objects.all(),
        to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("%(value)s is not one of the challenges.")},
    )
    sdgs = TaxonomyChoiceField(
        label=_("Sustainable Development Goals"),
        queryset=Sdg.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("%(value)s is not one of the 17 goals.")},
    )
    topics = TaxonomyChoiceField(
        label=_("Topics"),
        queryset=Topic.objects.all(),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("%(value)s is not one of the topics.")},
    )
    partner_cities = forms.ModelMultipleChoiceField(
        label=_("Partner cities"),
        queryset=City.objects.none(),
        required=False,
        # static/js/editor.js adds a filter box above the list (the list works without it).
        widget=forms.SelectMultiple(
            attrs={
                "size": 8,
                "data-filter-label": _("Type to find a city"),
                "data-selected-label": _("Chosen:"),
            }
        ),
    )
    status = forms.ChoiceField(label=_("Status"), choices=Practice.Status.choices)
    start_year = forms.IntegerField(
        label=_("Start year"), required=False, min_value=MIN_YEAR, max_value=MAX_YEAR
    )
    end_year = forms.IntegerField(
        label=_("End year"), required=False, min_value=MIN_YEAR, max_value=MAX_YEAR
    )
    budget_band = forms.ChoiceField(
        label=_("Budget"), choices=Practice.BudgetBand.choices, required=False
    )
    main_actors = forms.CharField(
        label=_("Main actors"),
        required=False,
        max_length=DETAIL_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    contacts = forms.CharField(
        label=_("Contacts"),
        required=False,
        max_length=DETAIL_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    links = forms.CharField(
        label=_("Links"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One web address per line."),
    )
    awards = forms.CharField(
        label=_("Awards"),
        required=False,
        max_length=DETAIL_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self,
        *args: Any,
        cities: list[City] | None = None,
        own_city: City | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # Creating: the author picks one of their cities and the text's language.
        if cities is not None:
            self.fields["city"] = forms.ModelChoiceField(
                label=_("City"),
                queryset=City.objects.filter(pk__in=[c.pk for c in cities]),
                empty_label=None if len(cities) == 1 else "—",
                error_messages={
                    "invalid_choice": _(
                        "You can only write practices for a city you are a member of."
                    )
                },
            )
            self.fields["language"] = forms.ChoiceField(
                label=_("Language of the text"), choices=LANGUAGES
            )
            self.order_fields(["city", "language"])
            self.fields["cover_image"] = forms.FileField(
                label=_("Cover image"),
                required=False,
                help_text=_("A photograph or drawing of the practice: PNG, JPEG, GIF or WebP."),
                widget=forms.FileInput(
                    attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}
                ),
            )
            self.fields["cover_alt"] = forms.CharField(
                label=_("Alternative text of the cover"),
                required=False,
                max_length=ALT_TEXT_LIMIT,
                help_text=ALT_HELP,
            )
        # Set by the view: the cover image kept from an earlier submit, and why the file
        # chosen now could not be used.
        self.pending_cover: Any = None
        self.upload_errors: list[str] = []
        partners = City.objects.filter(member_status=City.MemberStatus.ACTIVE)
        if own_city is not None:
            partners = partners.exclude(pk=own_city.pk)
        partner_field = self.fields["partner_cities"]
        assert isinstance(partner_field, forms.ModelMultipleChoiceField)
        partner_field.queryset = partners.select_related("country")

    def clean_links(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["links"].splitlines() if line.strip()]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_year"), data.get("end_year")
        if start and end and end < start:
            self.add_error("end_year", _("The end year cannot be before the start year."))
        if "cover_image" in self.fields:
            if self.upload_errors:
                self.add_error("cover_image", self.upload_errors)
            elif (data.get("cover_image") or self.pending_cover) and not (
                data.get("cover_alt") or ""
            ).strip():
                self.add_error("cover_alt", ALT_REQUIRED)
        return data

    def practice_data(self) -> PracticeData:
        data = self.cleaned_data
        return PracticeData(
            text=self.practice_text(),
            challenges=list(data["challenges"]),
            sdgs=list(data["sdgs"]),
            topics=list(data["topics"]),
            partner_cities=list(data["partner_cities"]),
            status=data["status"],
            start_year=data["start_year"],
            end_year=data["end_year"],
            budget_band=data.get("budget_band") or "",
            main_actors=data["main_actors"],
            contacts=data["contacts"],
            links=data["links"],
            awards=data["awards"],
        )


class TranslationForm(TextFieldsMixin):
    quality = forms.ChoiceField(
        label=_("This translation is"),
        choices=[
            (PracticeTranslation.Quality.MACHINE, _("machine-translated")),
            (PracticeTranslation.Quality.HUMAN_CHECKED, _("checked by a person")),
        ],
    )


class TransitionForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Image or PDF"))
    title = forms.CharField(label=_("Caption"), required=False, max_length=200)
    alt_text = forms.CharField(
        label=_("Alternative text"), required=False, max_length=ALT_TEXT_LIMIT, help_text=ALT_HELP
    )
    cover = forms.BooleanField(label=_("Use this image as the cover"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("cover") and not (data.get("alt_text") or "").strip():
            self.add_error("alt_text", ALT_REQUIRED)
        return data


class CoverForm(forms.Form):
    attachment = forms.IntegerField(required=False, widget=forms.HiddenInput)
    alt_text = forms.CharField(
        label=_("Alternative text"), required=False, max_length=ALT_TEXT_LIMIT, help_text=ALT_HELP
    )
    remove = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("remove"):
            if not data.get("attachment"):
                raise forms.ValidationError(_("Choose one of this practice's images."))
            if not (data.get("alt_text") or "").strip():
                self.add_error("alt_text", ALT_REQUIRED)
        return data


class ReviewQueueFilter(forms.Form):
    challenge = forms.ModelChoiceField(
        queryset=Challenge.objects.all(), to_field_name="slug", required=False, label=_("Challenge")
    )
    region = forms.CharField(required=False, max_length=3, label=_("Region"))
    language = forms.ChoiceField(
        choices=[("", "—"), *LANGUAGES], required=False, label=_("Language")
    )
