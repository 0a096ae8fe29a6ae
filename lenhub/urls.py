from typing import Any

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import include, path, re_path, reverse
from django.utils.translation import gettext_lazy as _

from lenhub.api.api import api
from lenhub.api.errors import api_not_found
from lenhub.core import health
from lenhub.core import views as core
from lenhub.dissemination import views as dissemination
from lenhub.dissemination import views_guidance as guidance
from lenhub.knowledge import views as knowledge
from lenhub.knowledge import views_funding as knowledge_funding
from lenhub.knowledge import views_items as knowledge_items
from lenhub.needs import views_roadmap as roadmaps
from lenhub.networks import views as networks
from lenhub.networks import views_experts as networks_experts
from lenhub.networks import views_export as networks_export
from lenhub.networks import views_landscape as networks_landscape
from lenhub.networks import views_manage as networks_manage
from lenhub.networks import views_secretariat as secretariat


def _admin_has_permission(request: HttpRequest) -> bool:
    """The technical admin needs staff status and a session signed in with MFA."""
    from lenhub.access.policy import session_is_mfa_verified

    user = request.user
    return bool(user.is_active and user.is_staff and session_is_mfa_verified(request))


def _admin_login(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    """Never Django's own login form: it signs any account in by password alone, without
    its second factor. Signing in is allauth's (``secure_admin_login`` sends anonymous
    visitors there); a session that may use the admin goes to it, any other is refused."""
    if not _admin_has_permission(request):
        raise PermissionDenied
    return HttpResponseRedirect(reverse("admin:index"))


admin.site.login = secure_admin_login(_admin_login)  # type: ignore[method-assign]
admin.site.has_permission = _admin_has_permission  # type: ignore[method-assign]
admin.site.site_header = _("lenhub technical administration")

urlpatterns = [
    path("", core.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("dashboard/", core.dashboard, name="dashboard"),
    path("profile/", core.profile, name="profile"),
    path("profile/sign-out-everywhere/", core.sign_out_everywhere, name="sign_out_everywhere"),
    path("profile/tokens/", core.tokens, name="tokens"),
    path("profile/tokens/<str:key_id>/revoke/", core.token_revoke_view, name="token_revoke"),
    path("vetting/", core.vetting_queue, name="vetting_queue"),
    path("vetting/<int:pk>/", core.vetting_decide, name="vetting_decide"),
    path("audit/", core.audit_log_view, name="audit_log"),
    path("networks/", networks.directory, name="directory"),
    path("networks/applications/", networks.my_applications, name="my_applications"),
    path(
        "networks/applications/<int:pk>/withdraw/",
        networks.application_withdraw_view,
        name="application_withdraw",
    ),
    path("networks/decisions/", networks.applications_to_decide, name="applications_to_decide"),
    path("networks/decisions/<int:pk>/", networks.application_decide, name="application_decide"),
    path("networks/export.csv", networks_export.directory_export_csv, name="directory_export_csv"),
    path(
        "networks/export.json", networks_export.directory_export_json, name="directory_export_json"
    ),
    path("networks/landscape/", networks_landscape.landscape, name="landscape"),
    path("experts/", networks_experts.expert_finder, name="expert_finder"),
    path("networks/<str:acronym>/", networks.network_detail, name="network_detail"),
    path("networks/<str:acronym>/join/", networks.network_join, name="network_join"),
    path("networks/<str:acronym>/leave/", networks.membership_leave_view, name="network_leave"),
    path("networks/<str:acronym>/members/", networks.network_members, name="network_members"),
    path(
        "networks/<str:acronym>/manage/members/",
        networks_manage.manage_members,
        name="network_manage_members",
    ),
    path(
        "networks/<str:acronym>/members/export.csv",
        networks_export.network_members_export_csv,
        name="network_members_export_csv",
    ),
    path("networks/<str:acronym>/manage/", secretariat.network_manage, name="network_manage"),
    path(
        "networks/<str:acronym>/manage/structures/new/",
        secretariat.group_add,
        name="network_manage_group_add",
    ),
    path(
        "networks/<str:acronym>/manage/structures/<int:pk>/",
        secretariat.group_edit,
        name="network_manage_group_edit",
    ),
    path(
        "networks/<str:acronym>/manage/structures/<int:pk>/delete/",
        secretariat.group_delete_view,
        name="network_manage_group_delete",
    ),
    path(
        "networks/<str:acronym>/manage/contacts/",
        secretariat.contact_add,
        name="network_manage_contact_add",
    ),
    path(
        "networks/<str:acronym>/manage/contacts/<int:pk>/revoke/",
        secretariat.contact_revoke,
        name="network_manage_contact_revoke",
    ),
    path(
        "networks/<str:acronym>/manage/organisations/",
        secretariat.organisation_add,
        name="network_manage_organisation_add",
    ),
    path(
        "networks/<str:acronym>/manage/organisations/<int:pk>/",
        secretariat.organisation_status,
        name="network_manage_organisation_status",
    ),
    path(
        "networks/<str:acronym>/manage/organisations/<int:pk>/remove/",
        secretariat.organisation_remove,
        name="network_manage_organisation_remove",
    ),
    path("news/", dissemination.news_list, name="news_list"),
    path("news/<int:pk>/", dissemination.news_detail, name="news_detail"),
    path("guidance/", guidance.guidance_list, name="guidance_list"),
    path("guidance/new/", guidance.guidance_new, name="guidance_new"),
    path("guidance/<int:pk>/", guidance.guidance_detail, name="guidance_detail"),
    path(
        "guidance/<int:pk>/acknowledge/",
        guidance.guidance_acknowledge_view,
        name="guidance_acknowledge",
    ),
    path("guidance/<int:pk>/relay/", guidance.guidance_relay_view, name="guidance_relay"),
    path("guidance/<int:pk>/reach/", guidance.guidance_reach_view, name="guidance_reach"),
    path("knowledge/", knowledge.knowledge_search, name="knowledge_search"),
    path("knowledge/projects/<int:pk>/", knowledge.project_detail, name="project_detail"),
    path("knowledge/funding/", knowledge_funding.knowledge_funding, name="knowledge_funding"),
    path(
        "knowledge/projects/<int:project_pk>/results/new/",
        knowledge_items.result_new,
        name="project_result_new",
    ),
    path("knowledge/results/", knowledge_items.result_list, name="result_list"),
    path("knowledge/results/new/", knowledge_items.result_new, name="result_new"),
    path("knowledge/results/<int:pk>/", knowledge_items.result_detail, name="result_detail"),
    path("knowledge/results/<int:pk>/edit/", knowledge_items.result_edit, name="result_edit"),
    path("knowledge/results/<int:pk>/uptake/", knowledge_items.result_uptake, name="result_uptake"),
    path("knowledge/concepts/", knowledge_items.concept_list, name="concept_list"),
    path("knowledge/concepts/new/", knowledge_items.concept_new, name="concept_new"),
    path("knowledge/concepts/<int:pk>/", knowledge_items.concept_detail, name="concept_detail"),
    path("knowledge/concepts/<int:pk>/edit/", knowledge_items.concept_edit, name="concept_edit"),
    path("knowledge/best-practices/", knowledge_items.bestpractice_list, name="bestpractice_list"),
    path(
        "knowledge/best-practices/new/",
        knowledge_items.bestpractice_new,
        name="bestpractice_new",
    ),
    path(
        "knowledge/best-practices/<int:pk>/",
        knowledge_items.bestpractice_detail,
        name="bestpractice_detail",
    ),
    path(
        "knowledge/best-practices/<int:pk>/edit/",
        knowledge_items.bestpractice_edit,
        name="bestpractice_edit",
    ),
    path("knowledge/tech-watch/", knowledge_items.techwatch_list, name="techwatch_list"),
    path("knowledge/tech-watch/new/", knowledge_items.techwatch_new, name="techwatch_new"),
    path(
        "knowledge/tech-watch/<int:pk>/", knowledge_items.techwatch_detail, name="techwatch_detail"
    ),
    path(
        "knowledge/tech-watch/<int:pk>/edit/",
        knowledge_items.techwatch_edit,
        name="techwatch_edit",
    ),
    path("knowledge/uptake/", knowledge_items.uptake_summary, name="uptake_summary"),
    path("monitoring/", include("lenhub.monitoring.urls")),
    path("rounds/", include("lenhub.needs.urls_rounds")),
    path("needs/", include("lenhub.needs.urls")),
    # roadmaps and gap analysis (lenhub/needs/views_roadmap.py)
    path("roadmaps/", roadmaps.roadmap_list, name="roadmap_list"),
    path("roadmaps/<str:acronym>/", roadmaps.roadmap_latest, name="roadmap_latest"),
    path("roadmaps/<str:acronym>/new/", roadmaps.roadmap_new, name="roadmap_new"),
    path(
        "roadmaps/<str:acronym>/v<int:version>/",
        roadmaps.roadmap_version,
        name="roadmap_version",
    ),
    path("roadmaps/<str:acronym>/v<int:version>/diff/", roadmaps.roadmap_diff, name="roadmap_diff"),
    path(
        "roadmaps/<str:acronym>/v<int:version>/roadmap.pdf",
        roadmaps.roadmap_pdf_view,
        name="roadmap_pdf",
    ),
    path(
        "roadmaps/<str:acronym>/v<int:version>/publish/",
        roadmaps.roadmap_publish,
        name="roadmap_publish",
    ),
    path("needs/gaps/", roadmaps.gap_list, name="gap_list"),
    path("needs/<int:pk>/links/", roadmaps.need_links, name="need_links"),
    path("needs/<int:pk>/links/suggest/", roadmaps.need_links_suggest, name="need_links_suggest"),
    path(
        "needs/<int:pk>/links/<int:link_id>/",
        roadmaps.need_link_decide,
        name="need_link_decide",
    ),
    path("api/v1/", api.urls),
    re_path(r"^api/v1/(?P<rest>.*)$", api_not_found),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
