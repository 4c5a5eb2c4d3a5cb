from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import account_views, views

auth_urlpatterns = [
    path("signup/", account_views.signup, name="signup"),
    path(
        "signin/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True, authentication_form=account_views.SignInForm
        ),
        name="login",
    ),
    path("signout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(form_class=account_views.ResetRequestForm),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(form_class=account_views.NewPasswordForm),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include(auth_urlpatterns)),
    path("sandbox/", include("iamlab.web.sandbox_urls")),
    path("lessons/", include("iamlab.web.lesson_urls")),
    path("quiz/", include("iamlab.web.quiz_urls")),
    path("", include("iamlab.web.tools_urls")),
]
