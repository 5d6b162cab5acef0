from rest_framework.routers import SimpleRouter

from apps.core.urls import optional_slash, with_optional_slashes

from . import views

router = SimpleRouter(trailing_slash="")
router.register("users", views.UserViewSet, basename="user")

urlpatterns = [
    *optional_slash("auth/register", views.RegisterView.as_view(), name="auth-register"),
    *optional_slash("auth/login", views.LoginView.as_view(), name="auth-login"),
    *optional_slash("auth/refresh", views.RefreshView.as_view(), name="auth-refresh"),
    *optional_slash("auth/logout", views.LogoutView.as_view(), name="auth-logout"),
    *optional_slash("auth/me", views.MeView.as_view(), name="auth-me"),
    *optional_slash("auth/me/export", views.MeExportView.as_view(), name="auth-me-export"),
    *optional_slash("auth/password-reset", views.PasswordResetView.as_view(), name="auth-password-reset"),
    *optional_slash(
        "auth/password-reset/confirm",
        views.PasswordResetConfirmView.as_view(),
        name="auth-password-reset-confirm",
    ),
    *with_optional_slashes(router.urls),
]
