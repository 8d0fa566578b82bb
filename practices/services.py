"""Every write to a practice: creating and editing, translations, attachments, the review steps.

Each function checks who is acting, validates, writes in one transaction, records the history
and the search outbox row, and queues e-mail after the commit. Errors are domain errors
(core.errors) carrying messages meant for the user.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field, fields, replace
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cities.models import City
from core.errors import InvalidTransition, StaleUpdate
from core.languages import LANGUAGE_CODES
from core.permissions import is_editor, is_member
from core.text import clean_text
from core.workflow import Move

from . import editing
from .images import image_thumbnails_make
from .models import (
    ALT_TEXT_LIMIT,
    SECTION_NAMES,
    Challenge,
    PendingImage,
    Practice,
    PracticeAttachment,
    PracticeTransition,
    PracticeTranslation,
    Sdg,
    Topic,
)
from .outbox import outbox_record
from .permissions import can_delete, can_edit, was_published
from .workflow import REVIEW

# Character limits, read by the forms and the API's serializers as well as enforced here.
TEXT_LIMITS = {"title": 200, "summary": 300, **dict.fromkeys(SECTION_NAMES, 20_000)}
DETAIL_LIMIT = 2_000  # main actors, contacts, awards (and each link, in the API)
MAX_LINKS = 20
MIN_YEAR, MAX_YEAR = 1900, 2100
# A second "new practice" with the same city, language, title and summary from the same author
# within this window is the same submission sent twice (a double click, a retried request, a
# reload of the answer): practice_create answers with the first draft instead of a copy.
DOUBLE_SUBMIT_WINDOW = timedelta(minutes=2)


@dataclass
class PracticeText:
    """The text fields of a practice in one language."""

    title: str
    summary: str
    sections: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Every surface (web form, API, import) builds one of these: one place cleans the text.
        self.title = clean_text(self.title, single_line=True)
        self.summary = clean_text(self.summary, single_line=True)
        self.sections = {name: clean_text(value) for name, value in self.sections.items()}

    def validate(self) -> None:
        errors: dict[str, list[str]] = {}
        if not self.title.strip():
            errors["title"] = [_("A title is required.")]
        if not self.summary.strip():
            errors["summary"] = [_("A one-line summary is required.")]
        unknown = set(self.sections) - set(SECTION_NAMES)
        if unknown:
            errors["sections"] = [
                _("Unknown section(s): %(names)s.") % {"names": ", ".join(sorted(unknown))}
            ]
        for name, limit in TEXT_LIMITS.items():
            value = (
                self.title
                if name == "title"
                else self.summary
                if name == "summary"
                else self.sections.get(name, "")
            )
            if len(value) > limit:
                errors[name] = [
                    _("At most %(limit)d characters (this has %(count)d).")
                    % {"limit": limit, "count": len(value)}
                ]
        if errors:
            raise ValidationError(errors)

    def apply(self, row: PracticeTranslation) -> None:
        row.title = self.title.strip()
        row.summary = self.summary.strip()
        for name in SECTION_NAMES:
            setattr(row, name, self.sections.get(name, "").strip())


@dataclass
class PracticeData:
    """Everything a practitioner fills in, apart from the city and the text's language."""

    text: PracticeText
    challenges: list[Challenge]
    sdgs: list[Sdg] = field(default_factory=list)
    topics: list[Topic] = field(default_factory=list)
    partner_cities: list[City] = field(default_factory=list)
    status: str = Practice.Status.ONGOING
    start_year: int | None = None
    end_year: int | None = None
    budget_band: str = ""
    main_actors: str = ""
    contacts: str = ""
    links: list[str] = field(default_factory=list)
    awards: str = ""

    def __post_init__(self) -> None:
        self.main_actors = clean_text(self.main_actors)
        self.contacts = clean_text(self.contacts)
        self.awards = clean_text(self.awards)
        self.links = [clean_text(link, single_line=True).strip() for link in self.links]

    def validate(self, *, city: City) -> None:
        errors: dict[str, list[str]] = {}
        try:
            self.text.validate()
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if not self.challenges:
            errors["challenges"] = [_("Choose at least one challenge.")]
        if self.status not in Practice.Status.values:
            errors["status"] = [_("Unknown status.")]
        if self.budget_band not in Practice.BudgetBand.values:
            errors["budget_band"] = [_("Unknown budget band.")]
        for name in ("start_year", "end_year"):
            year = getattr(self, name)
            if year is not None and not MIN_YEAR <= year <= MAX_YEAR:
                errors[name] = [
                    _("Give a year between %(min)d and %(max)d.")
                    % {"min": MIN_YEAR, "max": MAX_YEAR}
                ]
        if self.start_year and self.end_year and self.end_year < self.start_year:
            errors["end_year"] = [_("The end year cannot be before the start year.")]
        if any(c.pk == city.pk for c in self.partner_cities):
            errors["partner_cities"] = [_("The practice's own city cannot also be a partner.")]
        for name in ("main_actors", "contacts", "awards"):
            if len(getattr(self, name)) > DETAIL_LIMIT:
                errors[name] = [_("At most %(limit)d characters.") % {"limit": DETAIL_LIMIT}]
        if len(self.links) > MAX_LINKS:
            errors["links"] = [_("At most %(limit)d links.") % {"limit": MAX_LINKS}]
        validate_url = URLValidator(schemes=["http", "https"])
        for link in self.links:
            try:
                validate_url(link)
            except ValidationError:
                errors.setdefault("links", []).append(
                    _("“%(link)s” is not a web address (http:// or https://).")
                    % {"link": link[:100]}
                )
        if errors:
            raise ValidationError(errors)


def _set_fields(practice: Practice, data: PracticeData) -> None:
    for name in ("status", "start_year", "end_year", "budget_band", "awards"):
        setattr(practice, name, getattr(data, name))
    practice.main_actors = data.main_actors.strip()
    practice.contacts = data.contacts.strip()
    practice.links = [link.strip() for link in data.links]


def _set_tags(practice: Practice, data: PracticeData) -> None:
    practice.challenges.set(data.challenges)
    practice.sdgs.set(data.sdgs)
    practice.topics.set(data.topics)
    practice.partner_cities.set(data.partner_cities)


def practice_create(
    *,
    by: User,
    city: City,
    language: str,
    data: PracticeData,
    cover: PendingImage | None = None,
    cover_alt: str = "",
) -> Practice:
    """A new draft for `city`, written by one of its members, with `cover` (an image kept from
    the form, with its alternative text) attached as its cover. The same submission repeated
    within DOUBLE_SUBMIT_WINDOW returns the draft it created (see there), unchanged."""
    if not is_member(by, city):
        raise PermissionDenied(_("You can only write practices for a city you are a member of."))
    if language not in LANGUAGE_CODES:
        raise ValidationError({"language": [_("Choose English, French or Spanish.")]})
    data.validate(city=city)
    if cover is not None:
        if cover.uploaded_by_id != by.pk:
            raise PermissionDenied(_("This image was not uploaded by you."))
        try:
            cover_alt = alt_text_clean(cover_alt, required=True)
        except ValidationError as exc:
            raise ValidationError({"cover_alt": exc.message_dict["alt_text"]}) from exc
    with transaction.atomic():
        # Two copies of one submission arrive together: the city's row serialises them, so the
        # second finds the first's draft (PostgreSQL; SQLite serialises every write anyway).
        City.objects.select_for_update(no_key=True).get(pk=city.pk)
        first = (
            Practice.objects.filter(
                city=city,
                language=language,
                created_by=by,
                created_at__gte=timezone.now() - DOUBLE_SUBMIT_WINDOW,
                review_state=Practice.ReviewState.DRAFT,
                translations__language_code=language,
                translations__title=data.text.title.strip(),
                translations__summary=data.text.summary.strip(),
            )
            .order_by("pk")
            .first()
        )
        if first is not None:
            return first
        practice = Practice(
            city=city, language=language, created_by=by, edited_by=by, edited_at=timezone.now()
        )
        _set_fields(practice, data)
        practice.full_clean(exclude=["translations"])
        practice.save()
        original = PracticeTranslation(
            master=practice,
            language_code=language,
            quality=PracticeTranslation.Quality.ORIGINAL,
            text_edited_by=by,
        )
        data.text.apply(original)
        original.save()
        _set_tags(practice, data)
        PracticeTransition.objects.create(
            practice=practice,
            from_state="",
            to_state=practice.review_state,
            by=by,
            at=timezone.now(),
        )
        outbox_record(practice_ids=[practice.pk])
    if cover is not None:
        pending_image_attach(pending=cover, practice=practice, by=by, alt_text=cover_alt)
    return practice


def pending_image_attach(
    *, pending: PendingImage, practice: Practice, by: User, alt_text: str
) -> PracticeAttachment:
    """The kept image becomes the practice's cover attachment; the kept copy is removed."""
    with pending.file.open("rb") as source:
        upload = File(source, name=pending.original_name)
        attachment = practice_attachment_add(
            practice=practice, by=by, upload=upload, alt_text=alt_text, as_cover=True
        )
    with transaction.atomic():
        pending_image_discard(pending=pending)
    return attachment


def practice_delete(*, practice: Practice, by: User) -> None:
    """Delete a draft that was never published, with its texts, files and history. By members
    of its city (practices.permissions.can_delete); a practice once published is archived
    instead, and one waiting for review is withdrawn first."""
    with transaction.atomic():
        practice = Practice.objects.select_for_update().get(pk=practice.pk)
        if not is_member(by, practice.city_id):
            raise PermissionDenied(_("Only members of the practice's city can delete its drafts."))
        if was_published(practice):
            raise InvalidTransition(
                _("This practice has been published: it cannot be deleted. Archive it instead.")
            )
        if not can_delete(by, practice):
            raise InvalidTransition(
                _("This practice is waiting for review: withdraw it to draft before deleting it.")
            )
        files = [
            (a.file.storage, name) for a in practice.attachments.all() for name in a.stored_names()
        ]
        outbox_record(practice_ids=[practice.pk])  # whoever keeps a copy drops it
        practice.delete()

        def remove_files() -> None:
            for storage, name in files:
                storage.delete(name)

        transaction.on_commit(remove_files)


def practice_version(practice: Practice) -> str:
    """An opaque version of the practice's stored content: it changes at every save."""
    return str(int(practice.updated_at.timestamp() * 1_000_000))


def practice_update(
    *,
    practice: Practice,
    by: User,
    data: PracticeData,
    expected_version: str | None = None,
    form_version: str | None = None,
) -> Practice:
    """Save new content for the practice's original text and its details. With
    `expected_version` (see practice_version), refuse to overwrite a newer save. With
    `form_version` (an edit form's, see practices.editing), refuse, field by field, to
    overwrite what someone else changed since the form was opened (EditConflict)."""
    with transaction.atomic():
        practice = _lock_for_edit(practice=practice, by=by, expected_version=expected_version)
        if form_version is not None:
            clashes = editing.conflicts(
                version=form_version,
                current=editing.practice_values(practice_data_stored(practice)),
                submitted=editing.practice_values(data),
            )
            if clashes:
                raise editing.EditConflict(
                    _("Someone else saved this practice after you opened the form."),
                    fields=clashes,
                )
        _save_content(practice, data=data, by=by)
    return practice


def practice_form_version(practice: Practice) -> str:
    """The `version` an edit form of the practice carries (practices.editing)."""
    return editing.version_of(editing.practice_values(practice_data_stored(practice)))


def translation_form_version(row: PracticeTranslation | None) -> str:
    """The `version` a translation form carries; a translation not yet written has one too."""
    return editing.version_of(translation_stored_values(row))


def translation_stored_values(row: PracticeTranslation | None) -> dict[str, editing.Value]:
    text = PracticeText(
        title=row.title if row else "",
        summary=row.summary if row else "",
        sections={name: getattr(row, name) for name in SECTION_NAMES} if row else {},
    )
    return editing.translation_values(text, row.quality if row else "")


# What practice_patch may change: the fields of PracticeData, with the text's own.
PATCHABLE = frozenset(
    {"title", "summary", "sections"} | {f.name for f in fields(PracticeData)} - {"text"}
)


def practice_patch(
    *,
    practice: Practice,
    by: User,
    changes: dict[str, Any],
    expected_version: str | None = None,
) -> Practice:
    """Change some of the practice's content: `changes` maps PATCHABLE names to new values
    (`sections` maps section names to their new text); everything else keeps its stored value.
    The stored values are read under the row lock, not taken from the caller's copy, so two
    changes to different fields both survive, however close together they are saved."""
    unknown = set(changes) - PATCHABLE
    if unknown:
        raise TypeError(f"not practice content: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        practice = _lock_for_edit(practice=practice, by=by, expected_version=expected_version)
        _save_content(practice, data=_merged(practice_data_stored(practice), changes), by=by)
    return practice


def practice_data_stored(practice: Practice) -> PracticeData:
    """The practice's original text and details as they are stored."""
    original = practice.original
    return PracticeData(
        text=PracticeText(
            title=original.title if original else "",
            summary=original.summary if original else "",
            sections={name: getattr(original, name) for name in SECTION_NAMES} if original else {},
        ),
        challenges=list(practice.challenges.all()),
        sdgs=list(practice.sdgs.all()),
        topics=list(practice.topics.all()),
        partner_cities=list(practice.partner_cities.all()),
        status=practice.status,
        start_year=practice.start_year,
        end_year=practice.end_year,
        budget_band=practice.budget_band,
        main_actors=practice.main_actors,
        contacts=practice.contacts,
        links=list(practice.links or []),
        awards=practice.awards,
    )


def _merged(data: PracticeData, changes: dict[str, Any]) -> PracticeData:
    details = dict(changes)
    text = replace(
        data.text,
        title=details.pop("title", data.text.title),
        summary=details.pop("summary", data.text.summary),
        sections={**data.text.sections, **(details.pop("sections", None) or {})},
    )
    for name in ("challenges", "sdgs", "topics", "partner_cities", "links"):
        if name in details:
            details[name] = list(details[name])
    return replace(data, text=text, **details)


def _lock_for_edit(*, practice: Practice, by: User, expected_version: str | None) -> Practice:
    """The practice's row, locked until the end of the caller's transaction, once `by` may
    edit it and no one has saved since `expected_version`."""
    practice = Practice.objects.select_for_update(no_key=True).get(pk=practice.pk)
    if not can_edit(by, practice):
        raise PermissionDenied(_("You cannot edit this practice in its current state."))
    if expected_version is not None and expected_version != practice_version(practice):
        raise StaleUpdate(
            _(
                "Someone saved this practice after the version you edited: "
                "reload it and apply your changes again."
            )
        )
    return practice


def _save_content(practice: Practice, *, data: PracticeData, by: User) -> None:
    data.validate(city=practice.city)
    _set_fields(practice, data)
    practice.edited_by, practice.edited_at = by, timezone.now()
    practice.full_clean(exclude=["translations"])
    practice.save()
    original, _created = PracticeTranslation.objects.get_or_create(
        master=practice,
        language_code=practice.language,
        defaults={"title": data.text.title, "summary": data.text.summary},
    )
    data.text.apply(original)
    original.quality = PracticeTranslation.Quality.ORIGINAL
    original.text_edited_by = by
    original.save()
    _set_tags(practice, data)
    outbox_record(practice_ids=[practice.pk])


def practice_translation_set(
    *,
    practice: Practice,
    by: User,
    language: str,
    text: PracticeText,
    quality: str,
    form_version: str | None = None,
) -> PracticeTranslation:
    """Add or replace the practice's text in another language. With `form_version` (see
    translation_form_version), refuse to overwrite what someone else changed since the form
    was opened (EditConflict)."""
    if language not in LANGUAGE_CODES:
        raise ValidationError({"language": [_("Choose English, French or Spanish.")]})
    if language == practice.language:
        raise ValidationError(
            {"language": [_("This is the original language: edit the practice itself.")]}
        )
    if quality not in (
        PracticeTranslation.Quality.MACHINE,
        PracticeTranslation.Quality.HUMAN_CHECKED,
    ):
        raise ValidationError(
            {"quality": [_("Say whether the translation is machine-made or checked by a person.")]}
        )
    text.validate()
    with transaction.atomic():
        practice = Practice.objects.select_for_update(no_key=True).get(pk=practice.pk)
        if not can_edit(by, practice) and not is_editor(by):
            raise PermissionDenied(_("You cannot translate this practice."))
        row = PracticeTranslation.objects.filter(master=practice, language_code=language).first()
        # No row: nothing anyone saved can be overwritten, whatever the form started from.
        if form_version is not None and row is not None:
            clashes = editing.conflicts(
                version=form_version,
                current=translation_stored_values(row),
                submitted=editing.translation_values(text, quality),
            )
            if clashes:
                raise editing.EditConflict(
                    _("Someone else saved this translation after you opened the form."),
                    fields=clashes,
                )
        row = row or PracticeTranslation(master=practice, language_code=language)
        text.apply(row)
        row.quality = quality
        row.text_edited_by = by
        row.save()
        outbox_record(practice_ids=[practice.pk])
    return row


def practice_translation_delete(*, practice: Practice, by: User, language: str) -> None:
    if language == practice.language:
        raise ValidationError({"language": [_("The original text cannot be deleted.")]})
    with transaction.atomic():
        practice = Practice.objects.select_for_update(no_key=True).get(pk=practice.pk)
        if not can_edit(by, practice) and not is_editor(by):
            raise PermissionDenied(_("You cannot translate this practice."))
        PracticeTranslation.objects.filter(master=practice, language_code=language).delete()
        outbox_record(practice_ids=[practice.pk])


def practice_transition(*, practice: Practice, by: User, name: str, note: str = "") -> Practice:
    """Move the practice one step along the review workflow (practices.workflow)."""
    return REVIEW.perform(
        practice, by=by, name=name, note=note, prepare=_review_prepare, after=_review_after
    )


def practice_transition_by_import(*, practice: Practice, name: str, note: str) -> Practice:
    """The import (practices.importing) taking a step of the review table as its "import"
    actor: the table's rules and history, no user, and no mail (an import may bring thousands
    of practices; the editors' review queue lists them). The import records the outbox row
    once the whole practice is written."""
    return REVIEW.perform(
        practice,
        by=None,
        actor="import",
        name=name,
        note=note,
        prepare=_review_prepare,
    )


def _review_prepare(move: Move[Practice]) -> list[str]:
    """The review's own rules on top of the table: a practice is complete before it is
    submitted; the dates of submission and of first publication are kept."""
    practice, target = move.obj, move.step.target
    if target == Practice.ReviewState.SUBMITTED:
        original = practice.translations.filter(language_code=practice.language).first()
        if original is None or not original.title or not practice.challenges.exists():
            raise ValidationError(
                _("Complete the title, summary and challenges before submitting.")
            )
        practice.submitted_at = move.at
    if (
        target == Practice.ReviewState.PUBLISHED
        and move.from_state == Practice.ReviewState.SUBMITTED
    ):
        practice.published_at = move.at
    return ["submitted_at", "published_at"]


def _review_after(move: Move[Practice], record: PracticeTransition) -> None:
    outbox_record(practice_ids=[move.obj.pk])
    transaction.on_commit(lambda: _queue_transition_mail(record.pk))


def _queue_transition_mail(transition_id: int) -> None:
    from .tasks import send_transition_emails

    try:
        send_transition_emails.delay(transition_id)
    except Exception:
        # The broker being down must not fail the user's step; the mail is logged as unsent.
        logging.getLogger(__name__).exception(
            "could not queue the e-mails of transition %s", transition_id
        )


IMAGE_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
}
EXTENSIONS = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".pdf": "application/pdf",
}


def attachment_validate(upload: UploadedFile | File[Any]) -> tuple[str, str]:
    """Check an upload's type (by name and by content) and size. Returns (kind, content type)."""
    name = (upload.name or "").lower()
    extension = name[name.rfind(".") :] if "." in name else ""
    content_type = EXTENSIONS.get(extension)
    if content_type is None:
        raise ValidationError(
            _("Only images (PNG, JPEG, GIF, WebP) and PDF documents can be attached.")
        )
    head = upload.read(16)
    upload.seek(0)
    size = upload.size or 0
    if content_type == "application/pdf":
        if not head.startswith(b"%PDF-"):
            raise ValidationError(_("This file is not a PDF document."))
        limit, kind = settings.ATTACHMENT_MAX_PDF_BYTES, PracticeAttachment.Kind.PDF
    else:
        if not head.startswith(IMAGE_SIGNATURES[content_type]) or (
            content_type == "image/webp" and head[8:12] != b"WEBP"
        ):
            raise ValidationError(_("This file is not the image its name says."))
        _image_check(upload)
        limit, kind = settings.ATTACHMENT_MAX_IMAGE_BYTES, PracticeAttachment.Kind.IMAGE
    if size > limit:
        raise ValidationError(
            _("The file is %(size).1f MB; the limit is %(limit).1f MB.")
            % {"size": size / 1_048_576, "limit": limit / 1_048_576}
        )
    if size == 0:
        raise ValidationError(_("The file is empty."))
    return kind, content_type


def _image_check(upload: UploadedFile | File[Any]) -> None:
    """The image must decode, and hold at most ATTACHMENT_MAX_IMAGE_PIXELS pixels. Only the
    header is read to count them (Pillow decodes nothing at open), and Pillow's own bomb guard
    (an error from twice its MAX_IMAGE_PIXELS) is answered as the same refusal."""
    from PIL import Image, UnidentifiedImageError

    limit = settings.ATTACHMENT_MAX_IMAGE_PIXELS
    too_big = _(
        "The image is %(width)d × %(height)d pixels (%(megapixels).0f megapixels); the limit "
        "is %(limit).0f megapixels. Make it smaller and attach it again."
    )
    try:
        with warnings.catch_warnings():
            # Pillow warns from 89 megapixels; the limit below refuses such images anyway.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                width, height = image.size
                if width * height > limit:
                    raise ValidationError(
                        too_big
                        % {
                            "width": width,
                            "height": height,
                            "megapixels": width * height / 1e6,
                            "limit": limit / 1e6,
                        }
                    )
                image.verify()
    except Image.DecompressionBombError as exc:
        raise ValidationError(
            _("The image has too many pixels; the limit is %(limit).0f megapixels.")
            % {"limit": limit / 1e6}
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ValidationError(_("This image is damaged or not an image.")) from exc
    finally:
        upload.seek(0)


def attachment_original_name(name: str, *, content_type: str) -> str:
    """The uploader's file name as a download may offer it: no folders, no control
    characters, no leading dots, at most 200 characters, ending with the type's extension."""
    name = clean_text(name.replace("\\", "/").rsplit("/", 1)[-1], single_line=True).strip()
    extensions = [ext for ext, kind in EXTENSIONS.items() if kind == content_type]
    stem, dot, extension = name.rpartition(".")
    if not dot or f".{extension.lower()}" not in extensions:
        stem, extension = name, extensions[0][1:]
    stem = stem.lstrip(".").strip()[: 200 - len(extension) - 1].strip() or "attachment"
    return f"{stem}.{extension}"


def practice_attachment_add(
    *,
    practice: Practice,
    by: User,
    upload: UploadedFile | File[Any],
    title: str = "",
    alt_text: str = "",
    as_cover: bool = False,
) -> PracticeAttachment:
    """Attach an image or a PDF; an image gets its thumbnails (practices.images) and, with
    `as_cover`, becomes the practice's cover, which needs its alternative text."""
    if not can_edit(by, practice):
        raise PermissionDenied(_("You cannot edit this practice in its current state."))
    if len(title) > 200:
        raise ValidationError({"title": [_("At most %(limit)d characters.") % {"limit": 200}]})
    alt_text = alt_text_clean(alt_text, required=as_cover)
    kind, content_type = attachment_validate(upload)
    if as_cover and kind != PracticeAttachment.Kind.IMAGE:
        raise ValidationError({"file": [_("Only an image can be the cover.")]})
    attachment = PracticeAttachment(
        practice=practice,
        kind=kind,
        original_name=attachment_original_name(upload.name or "", content_type=content_type),
        title=title.strip(),
        alt_text=alt_text,
        content_type=content_type,
        size=upload.size or 0,
        uploaded_by=by,
    )
    attachment.file.save(upload.name or "attachment", upload, save=False)
    try:
        if kind == PracticeAttachment.Kind.IMAGE:
            attachment.width, attachment.height, attachment.thumbnails = image_thumbnails_make(
                storage=attachment.file.storage, name=attachment.file.name, source=upload
            )
        with transaction.atomic():
            attachment.save()
            if as_cover:
                Practice.objects.filter(pk=practice.pk).update(
                    cover=attachment, updated_at=timezone.now()
                )
                practice.cover = attachment
    except BaseException:
        # Nothing points at the files: a failed upload leaves none behind.
        for name in attachment.stored_names():
            attachment.file.storage.delete(name)
        raise
    return attachment


def attachment_thumbnails_refresh() -> tuple[int, int]:
    """Make the thumbnails of the images attached before thumbnails existed (their size is
    unknown). Returns (images done, images whose file could not be read)."""
    done = failed = 0
    bare = PracticeAttachment.objects.filter(kind=PracticeAttachment.Kind.IMAGE, width__isnull=True)
    for attachment in bare.iterator():
        try:
            with attachment.file.open("rb") as source:
                width, height, made = image_thumbnails_make(
                    storage=attachment.file.storage, name=attachment.file.name, source=source
                )
        except (OSError, ValueError):
            failed += 1
            continue
        PracticeAttachment.objects.filter(pk=attachment.pk).update(
            width=width, height=height, thumbnails=made
        )
        done += 1
    return done, failed


def alt_text_clean(alt_text: str, *, required: bool) -> str:
    alt_text = clean_text(alt_text or "", single_line=True).strip()
    if required and not alt_text:
        raise ValidationError(
            {
                "alt_text": [
                    _(
                        "Describe the cover image in a sentence for people who cannot see it "
                        "(alternative text): it is required for a cover."
                    )
                ]
            }
        )
    if len(alt_text) > ALT_TEXT_LIMIT:
        raise ValidationError(
            {"alt_text": [_("At most %(limit)d characters.") % {"limit": ALT_TEXT_LIMIT}]}
        )
    return alt_text


def practice_cover_set(
    *, practice: Practice, by: User, attachment: PracticeAttachment | None, alt_text: str = ""
) -> Practice:
    """Make one of the practice's images its cover, with its alternative text (required), or
    remove the cover (`attachment` None; the image stays attached)."""
    if not can_edit(by, practice):
        raise PermissionDenied(_("You cannot edit this practice in its current state."))
    if attachment is not None:
        if (
            attachment.practice_id != practice.pk
            or attachment.kind != PracticeAttachment.Kind.IMAGE
        ):
            raise ValidationError({"attachment": [_("Choose one of this practice's images.")]})
        attachment.alt_text = alt_text_clean(alt_text, required=True)
    with transaction.atomic():
        if attachment is not None:
            attachment.save(update_fields=["alt_text"])
        Practice.objects.filter(pk=practice.pk).update(cover=attachment, updated_at=timezone.now())
        practice.cover = attachment
    return practice


def practice_attachment_remove(*, attachment: PracticeAttachment, by: User) -> None:
    if not can_edit(by, attachment.practice):
        raise PermissionDenied(_("You cannot edit this practice in its current state."))
    storage, names = attachment.file.storage, attachment.stored_names()
    with transaction.atomic():
        attachment.delete()  # the practice's cover, if it was, is removed with it (SET_NULL)

        def remove_files() -> None:
            for name in names:
                storage.delete(name)

        transaction.on_commit(remove_files)


# A kept image of a new-practice form (PendingImage) is removed after this many hours.
PENDING_IMAGE_HOURS = 24


def pending_image_store(*, by: User, upload: UploadedFile) -> PendingImage:
    """Keep an image chosen in the new-practice form while the rest of the form is corrected
    (models.PendingImage). It is checked now, as an attachment would be, so the author hears
    at once if it cannot be used. Images left behind by anyone are removed on the way."""
    pending_images_purge()
    kind, content_type = attachment_validate(upload)
    if kind != PracticeAttachment.Kind.IMAGE:
        raise ValidationError(_("Only an image can be the cover."))
    pending = PendingImage(
        original_name=attachment_original_name(upload.name or "", content_type=content_type),
        content_type=content_type,
        size=upload.size or 0,
        uploaded_by=by,
    )
    pending.file.save(upload.name or "image", upload, save=False)
    pending.save()
    return pending


def pending_image_get(*, pk: Any, by: User) -> PendingImage | None:
    """The kept image `pk` if `by` uploaded it (a hidden field of the form brings the id back)."""
    try:
        return PendingImage.objects.get(pk=int(pk), uploaded_by=by)
    except (TypeError, ValueError, PendingImage.DoesNotExist):
        return None


def pending_image_discard(*, pending: PendingImage) -> None:
    storage, name = pending.file.storage, pending.file.name
    pending.delete()
    transaction.on_commit(lambda: storage.delete(name))


def pending_images_purge() -> int:
    old = PendingImage.objects.filter(
        uploaded_at__lt=timezone.now() - timedelta(hours=PENDING_IMAGE_HOURS)
    )
    count = 0
    for pending in old:
        pending_image_discard(pending=pending)
        count += 1
    return count


def practice_data_from(practice: Practice) -> dict[str, Any]:
    """The initial values of the edit form for an existing practice."""
    original = practice.original
    initial: dict[str, Any] = {
        "status": practice.status,
        "start_year": practice.start_year,
        "end_year": practice.end_year,
        "budget_band": practice.budget_band,
        "main_actors": practice.main_actors,
        "contacts": practice.contacts,
        "links": "\n".join(practice.links or []),
        "awards": practice.awards,
        "challenges": list(practice.challenges.all()),
        "sdgs": list(practice.sdgs.all()),
        "topics": list(practice.topics.all()),
        "partner_cities": list(practice.partner_cities.all()),
    }
    if original:
        initial["title"] = original.title
        initial["summary"] = original.summary
        for name in SECTION_NAMES:
            initial[name] = getattr(original, name)
    return initial
