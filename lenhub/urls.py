from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.http import HttpRequest
from django.urls import include, path

from lenhub.core import views as core
from lenhub.dissemination import views as dissemination


def _admin_has_permission(request: HttpRequest) -> bool:
    """The technical admin needs staff status and a session signed in with MFA."""
    from lenhub.access.policy import session_is_mfa_verified

    user = request.user
    return bool(user.is_active and user.is_staff and session_is_mfa_verified(request))


admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.has_permission = _admin_has_permission  # type: ignore[method-assign]
admin.site.site_header = "lenhub technical administration"

urlpatterns = [
    path("", core.home, name="home"),
    path("dashboard/", core.dashboard, name="dashboard"),
    path("profile/", core.profile, name="profile"),
    path("profile/sign-out-everywhere/", core.sign_out_everywhere, name="sign_out_everywhere"),
    path("vetting/", core.vetting_queue, name="vetting_queue"),
    path("vetting/<int:pk>/", core.vetting_decide, name="vetting_decide"),
    path("audit/", core.audit_log_view, name="audit_log"),
    path("news/", dissemination.news_list, name="news_list"),
    path("news/<int:pk>/", dissemination.news_detail, name="news_detail"),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
