from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from practices.models import Practice, PracticeAttachment, PracticeTranslation
from practices.rendering import render_markdown

register = template.Library()


@register.filter
def text_for(practice: Practice, language: str) -> PracticeTranslation | None:
    """The practice's text in `language` when it exists, else its original."""
    return practice.text_in((language or "en")[:2])


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    return render_markdown(text)


# How wide each place shows a cover (CSS pixels; static/css/site.css), for the browser's choice
# among the sizes (`sizes`), and the copy named in `src` for browsers that ignore srcset.
COVER_PLACES = {
    "page": ("(max-width: 60rem) 100vw, 60rem", 960),
    "card": ("(max-width: 48rem) 100vw, 20rem", 320),
    "thumb": ("8rem", 320),
}


@register.simple_tag
def cover_img(
    attachment: PracticeAttachment | None, *, place: str = "card", lang: str = ""
) -> SafeString:
    """The <img> of a practice's cover: every size in `srcset` (practices.images), width and
    height of the copy in `src` so the page does not jump when it arrives, and lazy loading
    except at the top of the practice's own page, where it is the first thing to show (lazy
    loading there would only delay it). Nothing at all without a cover."""
    if attachment is None:
        return mark_safe("")
    sizes, wanted = COVER_PLACES[place]
    available = attachment.sizes()
    if not available:
        # An image attached before thumbnails existed: its size is unknown.
        return format_html(
            '<img class="cover cover-{}" src="{}" alt="{}"{} loading="lazy">',
            place,
            attachment.get_absolute_url(),
            attachment.alt_text,
            format_html(' lang="{}"', lang) if lang else "",
        )
    chosen = next((s for s in available if s.width >= wanted), available[-1])
    return format_html(
        '<img class="cover cover-{}" src="{}" srcset="{}" sizes="{}" width="{}" height="{}" '
        'alt="{}"{}{}>',
        place,
        chosen.url,
        ", ".join(f"{s.url} {s.width}w" for s in available),
        sizes,
        chosen.width,
        chosen.height,
        attachment.alt_text,
        format_html(' lang="{}"', lang) if lang else "",
        format_html(
            ' {}="{}"', *(("fetchpriority", "high") if place == "page" else ("loading", "lazy"))
        ),
    )
