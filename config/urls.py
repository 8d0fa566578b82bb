from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from django.views.generic import RedirectView
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularJSONAPIView,
    SpectacularSwaggerSplitView,
)

from ops import views as ops_views
from practices import views as practice_views

# Pages people read carry their language in the URL (/en/, /fr/, /es/), so a link shared from
# Dakar opens in French for everyone; the API, the admin, the language switch and uploaded files
# have no language prefix.
urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/", include("api.urls")),
    # Operations (ops/): liveness and readiness for load balancers, metrics for Prometheus.
    path("health/", include("ops.urls")),
    path("metrics", ops_views.metrics, name="metrics"),
    # The OpenAPI 3 schema (YAML; JSON at /api/schema.json) and its browsable docs. The docs
    # page loads its script from a URL, not inline, so it works under a strict CSP.
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/schema.json", SpectacularJSONAPIView.as_view(), name="api-schema-json"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # The admin signs in through the site's own sign-in page, so that its limits
    # (accounts.ratelimits) cover it too: the admin's form had none.
    path(
        "admin/login/",
        RedirectView.as_view(pattern_name="login", query_string=True),
        name="admin-login",
    ),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # A practice's files, through the view that applies the practice's visibility. There is no
    # route to MEDIA_URL, in development either: the view is the only way to a file.
    path(
        "attachments/<int:attachment_id>/",
        practice_views.attachment_file,
        name="practice-attachment",
    ),
    path(
        "attachments/<int:attachment_id>/w<int:width>/",
        practice_views.attachment_thumbnail,
        name="practice-attachment-thumbnail",
    ),
]

urlpatterns += i18n_patterns(
    path("", include("portal.urls")),
    path("practices/", include("practices.urls")),
    path("search/", include("search.urls")),
    path("exchanges/", include("exchanges.urls")),
    path("conversations/", include("conversations.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("following/", include("following.urls")),
    path("accounts/", include("accounts.urls")),
    prefix_default_language=True,
)
