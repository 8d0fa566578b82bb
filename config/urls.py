from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from practices import views as practice_views

urlpatterns = [
    path("", practice_views.home, name="home"),
    path("cities/", include("cities.urls")),
    path("practices/", include("practices.urls")),
    path("search/", include("search.urls")),
    path("exchanges/", include("exchanges.urls")),
    path("api/v1/", include("api.urls")),
    path("accounts/", include("accounts.urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    # Uploaded files in development; in production the web server or object storage serves them.
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
