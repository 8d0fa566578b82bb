from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularJSONAPIView,
    SpectacularSwaggerSplitView,
)

from practices import views as practice_views

urlpatterns = [
    path("", practice_views.home, name="home"),
    path("cities/", include("cities.urls")),
    path("practices/", include("practices.urls")),
    path("search/", include("search.urls")),
    path("exchanges/", include("exchanges.urls")),
    path("api/v1/", include("api.urls")),
    # The OpenAPI 3 schema (YAML; JSON at /api/schema.json) and its browsable docs. The docs
    # page loads its script from a URL, not inline, so it works under a strict CSP.
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/schema.json", SpectacularJSONAPIView.as_view(), name="api-schema-json"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="registration/login.html"),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    # Uploaded files in development; in production the web server or object storage serves them.
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
