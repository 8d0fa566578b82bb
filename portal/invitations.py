"""The invitation pages: a broker or a city's official invites someone (the form), and the
invited person opens the link (sign up, or join with the signed-in account). The rules are in
cities.invitations; the pages are here because they lead on to exchanges (a new member lands
on the proposals their city has to answer)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from accounts.models import Invitation, User
from cities.invitations import (
    InvitationUnusable,
    default_language,
    invitation_accept,
    invitation_cities_for,
    invitation_create,
    invitation_get,
    invitation_sign_up,
)
from cities.models import City
from core.languages import current_language
from core.web import error_text

LANGUAGE_CHOICES = [("en", "English"), ("fr", "Français"), ("es", "Español")]


class InvitationForm(forms.Form):
    city = forms.ModelChoiceField(
        label=gettext_lazy("City"), queryset=City.objects.none(), empty_label=None
    )
    email = forms.EmailField(label=gettext_lazy("E-mail address of the person"))
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Invitation.Role.choices)
    language = forms.ChoiceField(
        label=gettext_lazy("Language of the invitation"),
        choices=LANGUAGE_CHOICES,
        help_text=gettext_lazy("The e-mail is written in it; the person can change it later."),
    )

    def __init__(self, *args: Any, cities: list[City], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["city"])
        field.queryset = City.objects.filter(pk__in=[c.pk for c in cities]).order_by("name")


class SignUpForm(forms.Form):
    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=150)
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=150)
    password = forms.CharField(
        label=gettext_lazy("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label=gettext_lazy("Password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    language = forms.ChoiceField(label=gettext_lazy("Preferred language"), choices=LANGUAGE_CHOICES)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        return data


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return ""


@login_required
def invitation_new(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    cities = invitation_cities_for(user=user)
    if not cities:
        raise PermissionDenied(_("Only the secretariat and a city's officials invite people."))
    chosen = next((c for c in cities if str(c.pk) == request.GET.get("city")), cities[0])
    form = InvitationForm(
        request.POST or None,
        cities=cities,
        initial={
            "city": chosen.pk,
            "role": Invitation.Role.OFFICIAL,
            "language": default_language(city=chosen, fallback=current_language()),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invitation, _token = invitation_create(
                by=user,
                city=data["city"],
                email=data["email"],
                role=data["role"],
                language=data["language"],
            )
        except ValidationError as exc:
            form.add_error(None, error_text(exc))
        else:
            messages.success(
                request,
                _(
                    "Invitation sent to %(email)s to join %(city)s as %(role)s. "
                    "The link works once, until %(date)s."
                )
                % {
                    "email": invitation.email,
                    "city": invitation.city.label,
                    "role": invitation.get_role_display(),
                    "date": invitation.expires_at.date().isoformat(),
                },
            )
            return HttpResponseRedirect(_next(request) or reverse("invitation-create"))
    sent = Invitation.objects.filter(invited_by=user).select_related("city")[:20]
    return render(
        request,
        "invitations/new.html",
        {"form": form, "sent": sent, "next": _next(request), "is_broker_form": len(cities) > 1},
        status=400 if request.method == "POST" else 200,
    )


def _unusable(request: HttpRequest, exc: InvitationUnusable) -> HttpResponse:
    return render(
        request,
        "invitations/unusable.html",
        {"invitation": exc.invitation, "reason": exc.reason},
        status=410,
    )


@never_cache
@sensitive_post_parameters("password", "password_again")
def invitation_open(request: HttpRequest, token: str) -> HttpResponse:
    """GET: what the invitation offers, and the sign-up form or the join button. POST: sign up
    (signed out) or join (signed in)."""
    try:
        invitation = invitation_get(token=token)
    except Invitation.DoesNotExist:
        return render(request, "invitations/unknown.html", status=404)
    if invitation.is_used:
        return _unusable(request, InvitationUnusable(invitation, "used"))
    if invitation.is_expired:
        return _unusable(request, InvitationUnusable(invitation, "expired"))
    user = request.user
    signed_in = user.is_authenticated
    account_exists = not signed_in and User.objects.filter(email__iexact=invitation.email).exists()
    form = None
    if not signed_in and not account_exists:
        form = SignUpForm(request.POST or None, initial={"language": invitation.language})
    if request.method == "POST":
        try:
            if signed_in:
                invitation_accept(token=token, user=cast(User, user))
                joined = cast(User, user)
            elif form is not None and form.is_valid():
                data = form.cleaned_data
                joined = invitation_sign_up(
                    token=token,
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    password=data["password"],
                    language=data["language"],
                )
                login(request, joined, backend="django.contrib.auth.backends.ModelBackend")
            else:
                joined = None
        except InvitationUnusable as exc:
            return _unusable(request, exc)
        except ValidationError as exc:
            if form is None:
                messages.error(request, error_text(exc))
            else:
                form.add_error(None, error_text(exc))
            joined = None
        if joined is not None:
            messages.success(
                request,
                _("Welcome: you are now %(role)s of %(city)s.")
                % {"role": invitation.get_role_display(), "city": invitation.city.label},
            )
            # The proposals the city has to answer, if any, are the first thing to see.
            return HttpResponseRedirect(reverse("exchanges-mine"))
    return render(
        request,
        "invitations/open.html",
        {
            "invitation": invitation,
            "form": form,
            "account_exists": account_exists,
        },
        status=400 if request.method == "POST" else 200,
    )
