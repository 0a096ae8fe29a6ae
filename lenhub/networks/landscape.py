"""Load the demo landscape (``landscape_data``) into the directory. Idempotent."""

from __future__ import annotations

from django.db import transaction
from django.utils.text import slugify

from lenhub.accounts.models import Country
from lenhub.networks.landscape_data import BODIES, SOURCES
from lenhub.networks.models import (
    CountryRole,
    FocusArea,
    Group,
    GroupKind,
    Network,
    NetworkCountry,
    Partnership,
    Source,
    StatedFact,
)

STRUCTURE_KINDS = {
    "hub": GroupKind.HUB,
    "working_group": GroupKind.WORKING_GROUP,
    "tig": GroupKind.TIG,
    "core_group": GroupKind.CORE_GROUP,
    "secretariat": GroupKind.SECRETARIAT,
    "support_office": GroupKind.SUPPORT_OFFICE,
    "other": GroupKind.OTHER,
}


@transaction.atomic
def landscape_load() -> dict[str, int]:
    """Create or update every body, source and fact of the landscape."""
    sources = {}
    for key, data in SOURCES.items():
        sources[key], _ = Source.objects.update_or_create(
            key=key,
            defaults={
                "title": data["title"],
                "publisher": data["publisher"],
                "date": data["date"],
            },
        )
    networks: dict[str, Network] = {}
    for body in BODIES:
        network, _ = Network.objects.update_or_create(
            acronym=body["acronym"],
            defaults={
                "name": body["name"],
                "kind": body["kind"],
                "chair": body["chair"],
                "description": body["description"],
                "website": body["website"],
            },
        )
        networks[body["acronym"]] = network
        network.sources.set([sources[key] for key in body["sources"]])
        focus = []
        for name in body["focus"]:
            area, _ = FocusArea.objects.get_or_create(
                slug=slugify(name)[:80], defaults={"name": name}
            )
            focus.append(area)
        network.focus.set(focus)
        for codes, role in (
            (body["member_countries"], CountryRole.MEMBER),
            (body["partner_countries"], CountryRole.PARTNER),
        ):
            for code in codes:
                NetworkCountry.objects.update_or_create(
                    network=network,
                    country=Country.objects.get(pk=code),
                    defaults={"role": role, "source": sources[body["sources"][0]]},
                )
        for structure in body["structures"]:
            Group.objects.update_or_create(
                network=network,
                name=structure["name"],
                defaults={
                    "kind": STRUCTURE_KINDS[structure["kind"]],
                    "area": structure["area"],
                    "leader_note": structure["leader"],
                    "source": sources[structure["source"]],
                },
            )
        for position, fact in enumerate(body["facts"]):
            StatedFact.objects.update_or_create(
                network=network,
                key=fact["key"],
                value=fact["value"],
                source=sources[fact["source"]],
                defaults={"label": fact["label"], "note": fact["note"], "position": position},
            )
        contacts = body["national_contacts"]
        if contacts:
            StatedFact.objects.update_or_create(
                network=network,
                key="national_contacts",
                value=", ".join(contacts["countries"]) or "-",
                source=sources[contacts["source"]],
                defaults={
                    "label": "National Contacts",
                    "note": contacts["note"],
                    "position": len(body["facts"]),
                },
            )
    by_name = {n.name.lower(): n for n in networks.values()}
    for body in BODIES:
        network = networks[body["acronym"]]
        if body["umbrella"]:
            network.umbrella = networks[body["umbrella"]]
            network.save(update_fields=["umbrella"])
        for partnership in body["partnerships"]:
            partner = networks.get(partnership["name"]) or by_name.get(partnership["name"].lower())
            Partnership.objects.update_or_create(
                network=network,
                name=partnership["name"],
                defaults={
                    "kind": partnership["kind"],
                    "partner": partner,
                    "source": sources[partnership["source"]],
                },
            )
    return {
        "bodies": len(networks),
        "sources": len(sources),
        "facts": StatedFact.objects.filter(network__in=networks.values()).count(),
    }
