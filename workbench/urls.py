from django.contrib import admin
from django.urls import include, path

from annotations import auth_views

# The admin's own log-in page takes the same throttled form as the browser log-in.
admin.site.login_form = auth_views.ThrottledAdminAuthenticationForm

urlpatterns = [
    # Before the admin's and Django's auth URLs, so that these throttled views answer.
    path(
        "admin/password_change/",
        admin.site.admin_view(auth_views.AdminPasswordChangeView.as_view()),
    ),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path(
        "accounts/password_change/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/", include("annotations.api.urls")),
    path("", include("annotations.urls")),
]

# Unknown URLs under /api/ answer JSON like every other API error.
handler404 = "annotations.api.errors.not_found"
