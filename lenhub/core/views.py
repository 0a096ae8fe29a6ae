from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lenhub.access.policy import session_is_mfa_verified, viewer_for_request
from lenhub.accounts import selectors as accounts
from lenhub.accounts.forms import ProfileForm, TokenForm, VettingForm
from lenhub.accounts.models import AccessToken, Role, User
from lenhub.accounts.services import (
    email_matches_organisation,
    user_change_organisation,
    user_sign_out_everywhere,
    vetting_grant,
)
from lenhub.accounts.tokens import token_create, token_may_be_held, token_revoke
from lenhub.audit.models import AuditEntry
from lenhub.audit.services import audit_log, audit_verify
from lenhub.dissemination.selectors import news_visible


def home(request: HttpRequest) -> HttpResponse:
    viewer = viewer_for_request(request)
    news = news_visible(viewer=viewer).prefetch_related("audience_keys")[:5]
    return render(request, "core/home.html", {"news": news})


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    viewer = viewer_for_request(request)
    context = {
        "has_mfa": accounts.user_has_mfa(user=user),
        "session_mfa": session_is_mfa_verified(request),
        "vetting": accounts.vetting_current(user=user),
        "roles": accounts.user_roles(user=user),
        "news": news_visible(viewer=viewer).prefetch_related("audience_keys")[:10],
    }
    return render(request, "core/dashboard.html", context)


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    previous_org = user.organisation
    form = ProfileForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        new_org = form.cleaned_data["organisation"]
        form.instance.organisation = previous_org
        form.save()
        if (new_org.pk if new_org else None) != (previous_org.pk if previous_org else None):
            user_change_organisation(user=user, organisation=new_org, actor=user)
            messages.warning(request, _("Your organisation changed: you need to be vetted again."))
        messages.success(request, _("Your profile was saved."))
        return redirect("profile")
    return render(request, "core/profile.html", {"form": form})


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    """Personal access tokens: created here in a session signed in with a second factor;
    the secret is shown once, in this response only."""
    user: User = request.user  # type: ignore[assignment]
    allowed = session_is_mfa_verified(request) and token_may_be_held(user=user)
    form = TokenForm(request.POST or None) if allowed else None
    created = None
    if allowed and request.method == "POST" and form is not None and form.is_valid():
        try:
            created = token_create(
                user=user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                days=form.cleaned_data["days"],
            )
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, error)  # type: ignore[arg-type]
        else:
            form = TokenForm()
    context = {
        "allowed": allowed,
        "form": form,
        "created": created,
        "tokens": AccessToken.objects.filter(user=user),
    }
    return render(request, "core/tokens.html", context)


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, key_id: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    token = AccessToken.objects.filter(user=user, key_id=key_id).first()
    if token is None:
        raise Http404
    if token_revoke(token=token, actor=user):
        messages.success(request, _("The token %(name)s was revoked.") % {"name": token.name})
    return redirect("tokens")


@login_required
@require_POST
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    user_sign_out_everywhere(user=request.user)  # type: ignore[arg-type]
    return redirect("account_login")


def _require_vetter(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not session_is_mfa_verified(request):
        raise PermissionDenied
    if not (
        accounts.user_has_role(user=user, role=Role.SECRETARIAT)
        or accounts.user_has_role(user=user, role=Role.NATIONAL_CONTACT)
    ):
        raise PermissionDenied
    return user


@login_required
def vetting_queue(request: HttpRequest) -> HttpResponse:
    vetter = _require_vetter(request)
    people = [
        (person, email_matches_organisation(person.email, person.organisation))  # type: ignore[arg-type]
        for person in accounts.vetting_queue(vetter=vetter)[:200]
    ]
    return render(request, "core/vetting_queue.html", {"people": people, "form": VettingForm()})


@login_required
@require_POST
def vetting_decide(request: HttpRequest, pk: int) -> HttpResponse:
    vetter = _require_vetter(request)
    subject = accounts.vetting_queue(vetter=vetter).filter(pk=pk).first()
    if subject is None:
        raise Http404
    form = VettingForm(request.POST)
    form.is_valid()
    try:
        vetting_grant(subject=subject, vetter=vetter, reason=form.cleaned_data.get("reason", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except PermissionDenied:
        raise Http404 from None
    else:
        messages.success(request, _("Vetting recorded for %(name)s.") % {"name": subject})
    return redirect("vetting_queue")


@login_required
def audit_log_view(request: HttpRequest) -> HttpResponse:
    """The audit trail, for auditors only: pseudonymous ids and actions, no content."""
    user: User = request.user  # type: ignore[assignment]
    if not session_is_mfa_verified(request) or not accounts.user_has_role(
        user=user, role=Role.AUDITOR
    ):
        raise Http404
    audit_log(action="audit.viewed", actor=user, request=request)
    page = Paginator(AuditEntry.objects.order_by("-seq"), 50).get_page(request.GET.get("page"))
    verify = audit_verify() if request.GET.get("verify") else None
    return render(request, "core/audit_log.html", {"page": page, "verify": verify})
