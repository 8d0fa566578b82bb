"""What the body of a practice's page shows, built either from a stored practice or from the
editor's unsaved form, so that both go through one template (practices/_practice_body.html).

Decision (issue 16): the editor's preview is the published page, not a sketch of it. Both the
practice page and the preview fill one PracticePage and render it with the same partial; the
only differences are the ones a reader of the preview must see: it is framed and labelled as a
preview, and its headings sit one level lower (the editor's page has its own h1). A new
practice's kept cover image (PendingImage) is shown from its uploader-only address, at its own
size (its thumbnails are made when it is attached).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cities.models import City
from core.languages import LANGUAGES

from .models import SECTIONS, Practice, PracticeAttachment, PracticeTranslation

if TYPE_CHECKING:
    from .services import PracticeData


@dataclass(frozen=True)
class PracticePage:
    title: str
    summary: str
    # The language of the text shown (its `lang`) and the practice's original language, the
    # one its cover's alternative text is written in.
    text_language: str
    original_language: str
    sections: list[tuple[str, str]]
    city: City
    status: str
    start_year: int | None
    end_year: int | None
    budget: str
    main_actors: str = ""
    awards: str = ""
    contacts: str = ""
    links: list[str] = field(default_factory=list)
    partner_cities: list[City] = field(default_factory=list)
    challenges: list[Any] = field(default_factory=list)
    sdgs: list[Any] = field(default_factory=list)
    topics: list[Any] = field(default_factory=list)
    cover: PracticeAttachment | None = None

    @property
    def original_language_name(self) -> str:
        return str(dict(LANGUAGES).get(self.original_language, self.original_language))


def page_of(practice: Practice, text: PracticeTranslation | None) -> PracticePage:
    """The page of a stored practice, in the translation `text` (practice.text_in)."""
    return PracticePage(
        title=text.title if text else "",
        summary=text.summary if text else "",
        text_language=text.language_code if text else practice.language,
        original_language=practice.language,
        sections=text.sections() if text else [],
        city=practice.city,
        status=practice.get_status_display(),
        start_year=practice.start_year,
        end_year=practice.end_year,
        budget=practice.get_budget_band_display() if practice.budget_band else "",
        main_actors=practice.main_actors,
        awards=practice.awards,
        contacts=practice.contacts,
        links=list(practice.links or []),
        partner_cities=list(practice.partner_cities.all()),
        challenges=list(practice.challenges.all()),
        sdgs=list(practice.sdgs.all()),
        topics=list(practice.topics.all()),
        cover=practice.cover,
    )


def page_of_draft(
    *,
    data: PracticeData,
    city: City,
    language: str,
    original_language: str | None = None,
    cover: PracticeAttachment | None = None,
) -> PracticePage:
    """The page the editor's form would make once saved (nothing is written)."""
    texts = data.text.sections
    return PracticePage(
        title=data.text.title,
        summary=data.text.summary,
        text_language=language,
        original_language=original_language or language,
        sections=[(str(label), texts[name]) for name, label in SECTIONS if texts.get(name)],
        city=city,
        status=str(dict(Practice.Status.choices).get(data.status, data.status)),
        start_year=data.start_year,
        end_year=data.end_year,
        budget=str(dict(Practice.BudgetBand.choices).get(data.budget_band, ""))
        if data.budget_band
        else "",
        main_actors=data.main_actors,
        awards=data.awards,
        contacts=data.contacts,
        links=list(data.links),
        partner_cities=sorted(data.partner_cities, key=lambda c: c.name),
        challenges=sorted(data.challenges, key=lambda c: (c.order, c.slug)),
        sdgs=sorted(data.sdgs, key=lambda s: s.number),
        topics=sorted(data.topics, key=lambda t: t.slug),
        cover=cover,
    )
