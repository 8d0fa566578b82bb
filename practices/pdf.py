"""A practice as a PDF document, in the reader's language.

Why this shape (the choice of tool is argued in docs/web.md):
- WeasyPrint renders our own HTML and CSS to PDF in the web process, with Debian's Pango, which
  `make install` installs (scripts/pdf-tools.sh); Chromium is only installed for the browser
  tests, so a PDF made by it would not work from `make run` on a fresh machine.
- Nothing is fetched. The stylesheet is read from our static files and handed over as a
  string, the bodies are sanitised Markdown without images (practices/rendering.py), and the
  URL fetcher refuses every address, so a link in a practice can never make the server request
  anything; fonts come from the machine's fontconfig (DejaVu, scripts/pdf-tools.sh).
- Generated on every request, not cached: a demo practice takes well under a second once the
  process has loaded WeasyPrint (benchmarks/pdf.py prints the median and the 95th percentile;
  the figures are in docs/web.md), a practice changes through several services and
  translations, and a cache would have to follow all of them and the reader's permissions.
  Cheap enough for a rare action; nothing to invalidate.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import override

from .models import Practice

# WeasyPrint is imported inside the functions: it loads Pango when imported, which only the
# PDF needs (and the other pages, the workers and the commands need not pay for).

STYLESHEET = "css/pdf.css"


class PdfFetchRefused(ValueError):
    """The PDF asked for a resource; it must not (see the module docstring)."""


@cache
def _no_fetch() -> Any:
    """A WeasyPrint URL fetcher that refuses every address and, with `fail_on_errors`, stops
    the rendering instead of leaving a hole: a fetch attempt is a bug to see, not a warning."""
    from weasyprint.urls import URLFetcher

    class NoFetch(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            raise PdfFetchRefused(f"the practice PDF fetches nothing: {url}")

    return NoFetch(fail_on_errors=True)


@cache
def _stylesheet() -> str:
    path = finders.find(STYLESHEET)
    if not path or not isinstance(path, str):
        raise FileNotFoundError(f"static file {STYLESHEET} not found")
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def practice_pdf_filename(*, practice: Practice, language: str) -> str:
    text = practice.text_in(language)
    stem = slugify(text.title if text else "")[:80] or f"practice-{practice.pk}"
    return f"{stem}-{language}.pdf"


def practice_pdf(*, practice: Practice, language: str, page_url: str = "") -> bytes:
    """The PDF of `practice` with its text in `language` (else its original language, said so
    on the page) and every label in `language`. `practice` should come with its taxonomy and
    translations prefetched (practices.selectors.practice_get_visible does); `page_url`, the
    address of its page, is printed at the foot of the document."""
    with override(language):
        text = practice.text_in(language)
        html = render_to_string(
            "practices/practice_pdf.html",
            {
                "practice": practice,
                "text": text,
                "language": language,
                "shown_language": text.language_code if text else practice.language,
                "is_fallback": text is not None and text.language_code != language,
                "generated_at": timezone.now(),
                "page_url": page_url,
            },
        )
    return render_pdf(html)


def render_pdf(html: str) -> bytes:
    """Our HTML and the PDF stylesheet to PDF bytes, with every fetch refused."""
    from weasyprint import CSS, HTML

    fetcher = _no_fetch()
    stylesheet = CSS(string=_stylesheet(), url_fetcher=fetcher)
    document = HTML(string=html, url_fetcher=fetcher)
    return bytes(document.write_pdf(stylesheets=[stylesheet]))
