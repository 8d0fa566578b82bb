"""The secretariat's dashboard, the gap view and the CSV download of each of their figures.
For the secretariat's staff only (brokers and editors): everyone else is refused (403; a
visitor is sent to sign in)."""

from __future__ import annotations

import csv
import io

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from core.permissions import AnyUser, is_broker, is_editor
from core.spreadsheet import spreadsheet_safe

from . import selectors


def _secretariat_only(user: AnyUser) -> None:
    if not (is_broker(user) or is_editor(user)):
        raise PermissionDenied(_("The dashboard is for the secretariat's staff."))


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    _secretariat_only(request.user)
    return render(
        request,
        "dashboard/dashboard.html",
        {
            "tables": selectors.dashboard_tables(),
            "overdue_days": settings.EXCHANGE_OVERDUE_AFTER_DAYS,
        },
    )


@login_required
def gaps(request: HttpRequest) -> HttpResponse:
    _secretariat_only(request.user)
    return render(
        request,
        "dashboard/gaps.html",
        {"tables": selectors.gap_tables(), "good_match": selectors.GOOD_MATCH},
    )


@login_required
def table_csv(request: HttpRequest, name: str) -> HttpResponse:
    """One figure as CSV, headings first, in the reader's language; text cells that a
    spreadsheet would run as a formula are quoted (core.spreadsheet)."""
    _secretariat_only(request.user)
    table = selectors.table_named(name=name)
    if table is None:
        raise Http404(_("No such figure."))
    buffer = io.StringIO()
    buffer.write("\ufeff")  # so that spreadsheet programs read UTF-8
    writer = csv.writer(buffer)
    for row in selectors.csv_rows(table):
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    day = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="{table.name}-{day}.csv"'
    return response
