"""Demo guidance (``lenhub demo``), for ENLETS: top-down dissemination as people would do
it on the pages. The secretariat publishes a guideline to the network's members and a
recommendation to the public; the Polish National Contact relays the guideline to
Poland; a few members open it and some acknowledge "read and understood", so the reach
page has figures for several countries. Every text is written for the demo.

Idempotent: guidance is looked up by its title, a relay by its guidance and country, and
opening or acknowledging twice keeps the first time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction

from lenhub.access.policy import viewer_for_user
from lenhub.dissemination.models import Guidance, GuidanceKind, GuidanceRelay
from lenhub.dissemination.services import (
    guidance_acknowledge,
    guidance_open,
    guidance_publish,
    guidance_relay,
)
from lenhub.networks.models import Network

if TYPE_CHECKING:
    from lenhub.accounts.models import User

SECRETARIAT = "secretariat@pphs.pl.test"
NC_PL = "nc@policja.pl.test"


@dataclass(frozen=True)
class DemoGuidance:
    kind: str
    title: str
    summary: str
    body: str
    reference: str
    public: bool
    opened_by: tuple[str, ...]
    acknowledged_by: tuple[str, ...]


GUIDANCE = [
    DemoGuidance(
        kind=GuidanceKind.GUIDELINE,
        title="Seized phones: what to do before triage (demo)",
        summary="Four steps for the first officer who holds a seized phone, so that "
        "triage at the station can still find what matters.",
        body="1. Keep the phone in flight mode or in a shielding bag; do not switch it "
        "off if it is on.\n"
        "2. Note who seized it, when and where, and the state of the screen.\n"
        "3. Do not browse the phone yourself: every tap changes what triage will find.\n"
        "4. Hand it to the station's triage point within the shift, with the note.\n\n"
        "National Contacts: please relay this to your forces and tell the secretariat "
        "which steps your national rules already cover.",
        reference="ENLETS-G-2026-01 (demo)",
        public=False,
        opened_by=(
            "deputy@policja.pl.test",
            "core@politie.nl.test",
            "analyst@politie.nl.test",
            "officer@bundespolizei.de.test",
            "brigade@gendarmerie.fr.test",
        ),
        acknowledged_by=(
            "deputy@policja.pl.test",
            "core@politie.nl.test",
            "officer@bundespolizei.de.test",
        ),
    ),
    DemoGuidance(
        kind=GuidanceKind.RECOMMENDATION,
        title="Share test reports of technology you have tried (demo)",
        summary="The network asks forces to publish short test reports of the tools "
        "they evaluated, so that others do not repeat the same trials.",
        body="When your force has tried a tool in the field, write a page on what was "
        "tested, under which conditions and what worked, and add it to the knowledge "
        "factory as a result. Leave out anything operational; mark the report with the "
        "label its content needs.",
        reference="ENLETS-R-2026-02 (demo)",
        public=True,
        opened_by=("core@politie.nl.test",),
        acknowledged_by=(),
    ),
]


def guidance_demo_load(*, people: dict[str, User]) -> None:
    """Publish the demo guidance of ENLETS, relay it and record some reading."""
    network = Network.objects.get(acronym="ENLETS")
    secretariat = people[SECRETARIAT]
    nc = people[NC_PL]
    for spec in GUIDANCE:
        with transaction.atomic():
            guidance = Guidance.objects.filter(network=network, title=spec.title).first()
            if guidance is None:
                guidance = guidance_publish(
                    actor=secretariat,
                    viewer=viewer_for_user(secretariat, mfa_verified=True),
                    network=network,
                    kind=spec.kind,
                    title=spec.title,
                    summary=spec.summary,
                    body=spec.body,
                    reference=spec.reference,
                    audience=["public"] if spec.public else [f"network:{network.pk}"],
                    tlp="CLEAR" if spec.public else "GREEN",
                    requires_acknowledgement=not spec.public,
                )
        if not spec.public and not GuidanceRelay.objects.filter(guidance=guidance).exists():
            with transaction.atomic():
                guidance_relay(
                    actor=nc,
                    viewer=viewer_for_user(nc, mfa_verified=True),
                    guidance=guidance,
                    note="Please read this before your next search operation.",
                )
        for email in spec.opened_by:
            guidance_open(user=people[email], guidance=guidance)
        for email in spec.acknowledged_by:
            reader = people[email]
            guidance_acknowledge(
                user=reader, viewer=viewer_for_user(reader, mfa_verified=True), guidance=guidance
            )
