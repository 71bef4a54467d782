from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("two-factor/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("two-factor/verify/", views.two_factor_verify, name="two_factor_verify"),
    # The one-time link an administrator sends: the user chooses their own password.
    path("password/<uidb64>/<token>/", views.PasswordSetView.as_view(), name="password_set"),
    path("password/done/", views.PasswordSetDoneView.as_view(), name="password_set_done"),
]
