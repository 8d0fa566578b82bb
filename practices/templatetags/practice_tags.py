from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from practices.models import Practice, PracticeTranslation
from practices.rendering import render_markdown

register = template.Library()


@register.filter
def text_for(practice: Practice, language: str) -> PracticeTranslation | None:
    """The practice's text in `language` when it exists, else its original."""
    return practice.text_in((language or "en")[:2])


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    return render_markdown(text)
