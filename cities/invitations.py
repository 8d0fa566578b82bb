"""Inviting people by e-mail to a city, with a role.

Who may invite whom (decided here, tested in tests/cities/test_invitations.py):
- a broker (the secretariat) invites to any city, as practitioner or official: brokering is
  finding someone in a city who can answer;
- an official of a city invites to that city only, as practitioner or official: a city names
  its own people, and its officials are those who speak for it;
- nobody else invites (a practitioner asks an official of their city).

The link carries a random token of 32 bytes (secrets.token_urlsafe); only its SHA-256 is stored
(accounts.Invitation.token_hash), so the link cannot be guessed, nor rebuilt from the database.
It works once and for settings.INVITATION_VALID_DAYS days. One person sends at most
settings.INVITATIONS_PER_DAY invitations in 24 hours. Opening it signed in attaches the
signed-in account to the city; signed out, it creates the account for the invited address
(reading the mail proves the address), unless an account has it already: then its owner signs
in first. Accepting never lowers a role the person already has in the city.

The mail is written in the language the inviter chose on the form (by default the city's first
working language the site speaks): the invitee has no account yet to say which they prefer, and
the sign-up form starts with that language selected.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.email import email_send_once
from accounts.models import Invitation, User
from core.permissions import OFFICIAL, PRACTITIONER, is_active_user, is_broker, is_official
from core.text import clean_text

from .models import City, CityMembership
from .services import city_membership_set

LANGUAGES = ("en", "fr", "es")


class InvitationUnusable(Exception):
    """The link was used already, or has expired (HTTP 410)."""

    def __init__(self, invitation: Invitation, reason: str) -> None:
        super().__init__(reason)
        self.invitation = invitation
        self.reason = reason  # "used" or "expired"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_roles_for(*, user: User, city: City) -> list[str]:
    """The roles `user` may invite people to `city` with (none: may not invite there)."""
    if is_broker(user) or is_official(user, city):
        return [PRACTITIONER, OFFICIAL]
    return []


def invitation_cities_for(*, user: User) -> list[City]:
    """The cities `user` may invite people to, for the form (brokers: every member city)."""
    if is_broker(user):
        return list(City.objects.filter(member_status=City.MemberStatus.ACTIVE).order_by("name"))
    if not is_active_user(user):
        return []
    return list(
        City.objects.filter(
            memberships__user=user, memberships__role=CityMembership.Role.OFFICIAL
        ).order_by("name")
    )


def default_language(*, city: City, fallback: str) -> str:
    return next((code for code in city.languages if code in LANGUAGES), fallback)


def invitation_create(
    *, by: User, city: City, email: str, role: str, language: str
) -> tuple[Invitation, str]:
    """Invite `email` to `city` as `role` and mail the link (after the commit). Returns the
    invitation and the token of its link (shown nowhere else: only its hash is kept)."""
    if role not in invitation_roles_for(user=by, city=city):
        raise PermissionDenied(_("You may not invite people to this city with this role."))
    email = clean_text(email, single_line=True).strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError({"email": [_("Enter a valid e-mail address.")]}) from exc
    if language not in LANGUAGES:
        raise ValidationError({"language": [_("Choose English, French or Spanish.")]})
    if CityMembership.objects.filter(
        city=city, user__email__iexact=email, user__is_active=True, role__in=_at_least(role)
    ).exists():
        raise ValidationError(
            _("%(email)s is already a member of %(city)s with this role.")
            % {"email": email, "city": city.label}
        )
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    limit = settings.INVITATIONS_PER_DAY
    if (
        Invitation.objects.filter(invited_by=by, created_at__gte=now - timedelta(days=1)).count()
        >= limit
    ):
        # Each invitation mails an address nobody has confirmed: a cap keeps an account, its
        # own or a stolen one, from turning the platform into a mailer.
        raise ValidationError(
            _("You have sent %(limit)d invitations in the last 24 hours; try again tomorrow.")
            % {"limit": limit}
        )
    with transaction.atomic():
        invitation = Invitation.objects.create(
            email=email,
            city=city,
            role=role,
            language=language,
            token_hash=token_hash(token),
            invited_by=by,
            created_at=now,
            expires_at=now + timedelta(days=settings.INVITATION_VALID_DAYS),
        )
        transaction.on_commit(lambda: _mail(invitation, token))
    return invitation, token


def _at_least(role: str) -> list[str]:
    return [OFFICIAL] if role == OFFICIAL else [PRACTITIONER, OFFICIAL]


def _mail(invitation: Invitation, token: str) -> None:
    base = settings.SITE_URL.rstrip("/")
    with translation.override(invitation.language):
        link = base + reverse("invitation-open", args=[token])
        role = invitation.get_role_display()
        subject = _("[Policy Transfer] Join %(city)s on Policy Transfer") % {
            "city": invitation.city.label
        }
        lines = [
            _("%(inviter)s invites you to join %(city)s on Policy Transfer as %(role)s.")
            % {"inviter": invitation.invited_by, "city": invitation.city.label, "role": role},
            "",
            _(
                "Policy Transfer is where the member cities of Metropolis share what worked and "
                "answer each other's requests for exchanges."
            ),
            "",
            _("Open this link to accept (it works once, until %(date)s):")
            % {"date": timezone.localtime(invitation.expires_at).strftime("%Y-%m-%d %H:%M")},
            link,
            "",
            _("If you did not expect this invitation, ignore this e-mail."),
        ]
        email_send_once(
            key=f"invitation:{invitation.pk}",
            to=invitation.email,
            subject=str(subject),
            body="\n".join(str(line) for line in lines),
        )


def invitation_get(*, token: str) -> Invitation:
    """The invitation of a link, whatever its state. Raises Invitation.DoesNotExist."""
    return Invitation.objects.select_related("city", "invited_by").get(token_hash=token_hash(token))


def _usable(token: str) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update(no_key=True)
        .select_related("city")
        .get(token_hash=token_hash(token))
    )
    if invitation.is_used:
        raise InvitationUnusable(invitation, "used")
    if invitation.is_expired:
        raise InvitationUnusable(invitation, "expired")
    return invitation


def _accept(invitation: Invitation, user: User) -> CityMembership:
    current = CityMembership.objects.filter(user=user, city=invitation.city).first()
    if current is not None and current.role in _at_least(invitation.role):
        membership = current
    else:
        membership = city_membership_set(user=user, city=invitation.city, role=invitation.role)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


def invitation_accept(*, token: str, user: User) -> CityMembership:
    """Attach the signed-in `user` to the invitation's city with its role (once)."""
    if not is_active_user(user):
        raise PermissionDenied(_("Sign in to accept the invitation."))
    with transaction.atomic():
        return _accept(_usable(token), user)


def invitation_sign_up(
    *, token: str, first_name: str, last_name: str, password: str, language: str
) -> User:
    """Create the account of the invited address and accept the invitation with it."""
    with transaction.atomic():
        invitation = _usable(token)
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise ValidationError(
                _("An account with this address exists already: sign in, then open the link.")
            )
        first_name = clean_text(first_name, single_line=True).strip()[:150]
        last_name = clean_text(last_name, single_line=True).strip()[:150]
        if not first_name or not last_name:
            raise ValidationError(_("Give your first and last name."))
        if language not in LANGUAGES:
            raise ValidationError({"language": [_("Choose English, French or Spanish.")]})
        user = User(
            email=invitation.email,
            first_name=first_name,
            last_name=last_name,
            preferred_language=language,
        )
        validate_password(password, user)
        user.set_password(password)
        user.save()
        _accept(invitation, user)
    return user
