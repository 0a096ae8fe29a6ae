from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext

from lenhub.access.choices import audience_may_address
from lenhub.access.models import TLP
from lenhub.access.policy import (
    AudienceError,
    Viewer,
    can_view,
    effective_tlp,
    handling,
    normalize_audience,
)
from lenhub.access.services import restricted_set_audience
from lenhub.audit.services import audit_log
from lenhub.dissemination.models import (
    Guidance,
    GuidanceKind,
    GuidanceReceipt,
    GuidanceRelay,
    News,
)
from lenhub.dissemination.selectors import (
    Reader,
    audience_keys_allow_network,
    guidance_audience,
    is_network_member_now,
    may_publish,
    relay_countries,
)
from lenhub.monitoring.models import Notification, Update, UpdateKind

if TYPE_CHECKING:
    from lenhub.accounts.models import User
    from lenhub.networks.models import Network


@transaction.atomic
def news_publish(
    *,
    title: str,
    body: str,
    audience: Iterable[str],
    tlp: str,
    author: User | None,
    summary: str = "",
    participants: Iterable[User] = (),
) -> News:
    news = News.objects.create(title=title, summary=summary, body=body, author=author, tlp=tlp)
    restricted_set_audience(item=news, audience=audience, tlp=tlp, actor=author)
    if participants:
        news.participants.add(*participants)
    return news


# --- guidance ---------------------------------------------------------------------------
#
# Top-down (DESIGN §4): a network's secretariat publishes, National Contacts relay to
# their country, readers acknowledge, the publisher sees reach per country. Notices are
# monitoring ``Update`` rows (no copied content) with a ``Notification`` for each person
# in the audience whom the policy lets see the guidance at that moment; emails follow the
# label (full content for TLP:CLEAR and TLP:GREEN, only "new guidance" and a link
# otherwise). Reading is measured on the platform only: nothing in an email measures it.


@transaction.atomic
def guidance_publish(
    *,
    actor: User,
    viewer: Viewer,
    network: Network,
    kind: str,
    title: str,
    body: str,
    audience: Iterable[str],
    tlp: str,
    summary: str = "",
    reference: str = "",
    source_url: str = "",
    requires_acknowledgement: bool = True,
) -> Guidance:
    """Publish guidance of ``network`` to ``audience``: the network or narrower (the
    public only for those who may widen). Everyone in the audience is notified once the
    publication is committed, as the audience then stands."""
    if not may_publish(user=actor, viewer=viewer, network_id=network.pk):
        raise PermissionDenied(gettext("Only the network's secretariat publishes guidance."))
    atoms = normalize_audience(audience)
    if not audience_keys_allow_network(
        atoms=atoms, network_id=network.pk
    ) or not audience_may_address(viewer=viewer, actor=actor, audience=atoms):
        raise AudienceError(
            gettext("Guidance goes to its network's members or fewer, or to the public.")
        )
    if kind not in GuidanceKind.values:
        raise AudienceError(gettext("Choose a kind of guidance."))
    guidance = Guidance.objects.create(
        network=network, kind=kind, title=title, summary=summary, body=body,
        reference=reference, source_url=source_url,
        requires_acknowledgement=requires_acknowledgement, published_by=actor, tlp=tlp,
    )  # fmt: skip
    if tlp == TLP.AMBER_STRICT:
        guidance.originator_organisation_id = viewer.organisation_id
        guidance.save(update_fields=["originator_organisation"])
    effective = restricted_set_audience(item=guidance, audience=atoms, tlp=tlp, actor=actor)
    audit_log(
        action="guidance.published",
        actor=actor,
        target=f"dissemination.guidance:{guidance.pk}",
        data={"network": network.pk, "kind": kind, "tlp": tlp, "audience": sorted(effective)},
    )
    pk = guidance.pk
    transaction.on_commit(lambda: guidance_published_notify(guidance_id=pk))
    return guidance


def _update(*, kind: str, key: str, guidance: Guidance, detail: str = "") -> Update:
    try:
        with transaction.atomic():
            update, _created = Update.objects.get_or_create(
                key=key, defaults={"kind": kind, "guidance": guidance, "detail": detail}
            )
    except IntegrityError:  # recorded at the same moment by another request
        update = Update.objects.get(key=key)
    return update


def _notify(update: Update, readers: Iterable[Reader], *, note: str = "") -> int:
    """A notification for each reader (once each), and an email unless they opted out."""
    from lenhub.monitoring.services import preferences_get

    notified = 0
    for reader in readers:
        notification, created = Notification.objects.get_or_create(user=reader.user, update=update)
        if not created:
            continue
        notified += 1
        if preferences_get(user=reader.user).email_updates and reader.user.email:
            _guidance_email(reader.user, notification, note=note)
    return notified


def _guidance_email(user: User, notification: Notification, *, note: str) -> None:
    update = notification.update
    guidance = update.guidance
    assert guidance is not None
    rules = handling(effective_tlp(guidance))
    context = {
        "content": rules.email_carries_content,
        "guidance": guidance if rules.email_carries_content else None,
        "label": rules.label,
        "relayed": update.kind == UpdateKind.GUIDANCE_RELAYED,
        "note": note if rules.email_carries_content else "",
        "url": settings.SITE_URL + guidance.get_absolute_url(),
        "site_url": settings.SITE_URL,
    }
    subject = render_to_string("dissemination/email/guidance_subject.txt", context).strip()
    text = render_to_string("dissemination/email/guidance.txt", context)
    address, pk = user.email, notification.pk

    def send() -> None:
        send_mail(subject, text, None, [address])
        Notification.objects.filter(pk=pk).update(emailed=True)

    transaction.on_commit(send)


def guidance_published_notify(*, guidance_id: int) -> int:
    """Record the publication (once) and notify everyone in the audience who may see
    it now. Safe to repeat. Returns how many were newly notified."""
    guidance = Guidance.objects.select_related("network").filter(pk=guidance_id).first()
    if guidance is None:
        return 0
    with transaction.atomic():
        update = _update(
            kind=UpdateKind.GUIDANCE_PUBLISHED,
            key=f"guidance_published:{guidance.pk}",
            guidance=guidance,
        )
        return _notify(update, guidance_audience(guidance=guidance))


@transaction.atomic
def guidance_relay(
    *, actor: User, viewer: Viewer, guidance: Guidance, country: str = "", note: str = ""
) -> GuidanceRelay:
    """A National Contact relays guidance they may see to the people of their own
    country in its audience: a notice on the platform (and email as the label allows)."""
    if not can_view(viewer, guidance):
        raise Http404
    countries = relay_countries(user=actor, viewer=viewer, guidance=guidance)
    if not countries:
        raise PermissionDenied(
            gettext("Only the network's National Contacts relay guidance to their country.")
        )
    country = country or (countries[0] if len(countries) == 1 else "")
    if country not in countries:
        raise PermissionDenied(gettext("You relay guidance to your own country only."))
    readers = [
        reader
        for reader in guidance_audience(guidance=guidance, country=country)
        if reader.user.pk != actor.pk
    ]
    relay = GuidanceRelay.objects.create(
        guidance=guidance, country_code=country, relayed_by=actor, note=note
    )
    update = _update(
        kind=UpdateKind.GUIDANCE_RELAYED,
        key=f"guidance_relayed:{relay.pk}",
        guidance=guidance,
        detail=country,
    )
    relay.recipients = _notify(update, readers, note=note)
    relay.save(update_fields=["recipients"])
    audit_log(
        action="guidance.relayed",
        actor=actor,
        target=f"dissemination.guidance:{guidance.pk}",
        data={"country": country, "recipients": relay.recipients},
    )
    return relay


def _country_of(user: User) -> str:
    organisation = user.organisation
    return (organisation.country_id or "") if organisation else ""


def guidance_open(*, user: Any, guidance: Guidance) -> GuidanceReceipt | None:
    """Record the first time a member of the guidance's network opens it (the reader was
    already allowed to see it). Nothing for visitors and non-members."""
    if not is_network_member_now(user=user, network_id=guidance.network_id):
        return None
    receipt = GuidanceReceipt.objects.filter(guidance=guidance, user_id=user.pk).first()
    if receipt is not None:
        return receipt
    try:
        with transaction.atomic():
            return GuidanceReceipt.objects.create(
                guidance=guidance, user=user, country_code=_country_of(user)
            )
    except IntegrityError:  # opened twice at the same moment
        return GuidanceReceipt.objects.get(guidance=guidance, user_id=user.pk)


@transaction.atomic
def guidance_acknowledge(*, user: Any, viewer: Viewer, guidance: Guidance) -> GuidanceReceipt:
    """ "I have read and understood": recorded once; acknowledging again keeps the first
    time. Only for members of the guidance's network who may see it."""
    if not can_view(viewer, guidance):
        raise Http404
    receipt = guidance_open(user=user, guidance=guidance)
    if receipt is None:
        raise PermissionDenied(gettext("Only members of the network acknowledge guidance."))
    receipt = GuidanceReceipt.objects.select_for_update().get(pk=receipt.pk)
    if receipt.acknowledged_at is None:
        receipt.acknowledged_at = timezone.now()
        receipt.save(update_fields=["acknowledged_at"])
    return receipt
