"""Users sign in with their e-mail address; there is no username."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.permissions import OFFICIAL, PRACTITIONER


class EmailUserManager(UserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra: Any
    ) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra: Any
    ) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create(email, password, **extra)


class User(AbstractUser):
    username = None  # type: ignore[assignment]
    email = models.EmailField(_("e-mail address"), unique=True)
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=2,
        choices=[("en", "English"), ("fr", "Français"), ("es", "Español")],
        default="en",
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = EmailUserManager()  # type: ignore[misc]

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.get_full_name() or self.email


class EmailDelivery(models.Model):
    """One e-mail the platform decided to send, keyed so that it is sent at most once.

    A task claims the key (a unique row) before sending and stamps `sent_at` after. A retried
    task finds the claim and does not send again. When the mail server refuses or cannot be
    reached the claim is released, so the retry sends it; a claim left without `sent_at` means
    the worker died mid-send, and stays for an operator to see rather than risk a duplicate.
    """

    key = models.CharField(max_length=200, unique=True)
    to = models.EmailField()
    subject = models.CharField(max_length=300)
    claimed_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-claimed_at"]
        verbose_name_plural = "e-mail deliveries"

    def __str__(self) -> str:
        return f"{self.key} -> {self.to}"


class Invitation(models.Model):
    """An invitation by e-mail to join a city with a role (cities.invitations writes them).

    Only a hash of the link's token is stored: whoever reads the database cannot use a pending
    invitation. The link works once (accepted_at) and until expires_at.
    """

    class Role(models.TextChoices):
        # The values of cities.CityMembership.Role (core.permissions), named again here because
        # accounts sits below cities.
        PRACTITIONER = PRACTITIONER, _("practitioner")
        OFFICIAL = OFFICIAL, _("official")

    email = models.EmailField(_("e-mail address"))
    city = models.ForeignKey("cities.City", on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    language = models.CharField(
        _("language of the invitation"),
        max_length=2,
        choices=[("en", "English"), ("fr", "Français"), ("es", "Español")],
        default="en",
    )
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        "User", on_delete=models.SET_NULL, null=True, related_name="invitations_sent"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        "User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="invitation_expires_after_creation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.city_id} ({self.role})"

    @property
    def is_used(self) -> bool:
        return self.accepted_at is not None

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at
