from django.contrib import admin
from django.contrib.auth import views as django_auth_views
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
    # Log-out and password change only: no password-reset pages (accounts are made and
    # reset by an administrator; a reset mail would need a mail set-up nobody runs).
    path("accounts/logout/", django_auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password_change/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password_change/done/",
        django_auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("api/", include("annotations.api.urls")),
    path("", include("annotations.urls")),
]

# Unknown URLs under /api/ answer JSON like every other API error.
handler404 = "annotations.api.errors.not_found"
