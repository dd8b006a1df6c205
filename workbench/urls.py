from django.contrib import admin
from django.urls import include, path

from annotations import auth_views

# The admin's own log-in page takes the same throttled form as the browser log-in.
admin.site.login_form = auth_views.ThrottledAdminAuthenticationForm

urlpatterns = [
    path("admin/", admin.site.urls),
    # Before Django's auth URLs, so that this throttled view answers /accounts/login/.
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/", include("annotations.api.urls")),
    path("", include("annotations.urls")),
]

# Unknown URLs under /api/ answer JSON like every other API error.
handler404 = "annotations.api.errors.not_found"
