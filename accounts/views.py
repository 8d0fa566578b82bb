"""Sign-in and password reset: Django's views with rate limits in front of them."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from .ratelimits import SignIn, password_reset_limited


def _too_many(request: HttpRequest) -> HttpResponse:
    # The same page for every account, existing or not, so the limit reveals nothing.
    return render(request, "registration/rate_limited.html", status=429)


@method_decorator([sensitive_post_parameters(), csrf_protect, never_cache], name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    attempt: SignIn

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # The policy (what counts, when an attempt waits) is accounts/ratelimits.py's.
        email = str(request.POST.get("username", ""))
        attempt = SignIn.of(request, email=email)
        if attempt.refused():
            response = _too_many(request)
            response["Retry-After"] = str(attempt.retry_after())
            return response
        self.attempt = attempt
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: Any) -> HttpResponse:
        self.attempt.succeeded()
        return super().form_valid(form)

    def form_invalid(self, form: Any) -> HttpResponse:
        if self.attempt.account:
            self.attempt.failed()
        return super().form_invalid(form)


@method_decorator([csrf_protect], name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if password_reset_limited(request):
            return _too_many(request)
        return super().post(request, *args, **kwargs)
