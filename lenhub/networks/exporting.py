"""Export the directory as CSV and JSON (issue 4, item 7), within the access policy.

- ``directory_export``: the public directory only: bodies, kind, umbrella, focus,
  countries, stated facts with their sources, structures, partnerships and member
  organisations with their status. The same for every reader; no person appears.
- ``member_list_export``: one network's member list, for that network's members only
  (the caller checks the ``network:<id>`` key): display names, the organisation only
  where the person shows it, and the country. Each such export is audited.

CSV cells that a spreadsheet would run as a formula are neutralised.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from lenhub.access.policy import Viewer, is_network_member
from lenhub.audit.services import audit_log
from lenhub.networks.models import (
    CountryRole,
    Group,
    Network,
    NetworkCountry,
    OrganisationMembership,
    Partnership,
    Source,
    StatedFact,
)
from lenhub.networks.selectors import network_members

DIRECTORY_COLUMNS = (
    "network",
    "record",
    "name",
    "kind",
    "value",
    "note",
    "country",
    "status",
    "source",
    "source_date",
    "source_url",
)
MEMBER_COLUMNS = ("display_name", "organisation", "country")

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> str:
    """A cell a spreadsheet shows as text, never runs (OWASP "CSV injection")."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv(columns: Iterable[str], rows: Iterable[dict[str, Any]]) -> str:
    out = io.StringIO()
    columns = tuple(columns)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_safe(row.get(column, "")) for column in columns])
    return out.getvalue()


# --- the public directory ---------------------------------------------------------------


def _source(source: Source | None) -> dict[str, str] | None:
    if source is None:
        return None
    return {
        "key": source.key,
        "title": source.title,
        "publisher": source.publisher,
        "date": source.date,
        "url": source.url,
    }


def directory_data() -> dict[str, Any]:
    """Every body of the directory with its public facts, as plain data."""
    bodies = (
        Network.objects.select_related("umbrella")
        .prefetch_related(
            "focus",
            "sources",
            Prefetch(
                "countries",
                queryset=NetworkCountry.objects.select_related("source").order_by("country_id"),
            ),
            Prefetch("facts", queryset=StatedFact.objects.select_related("source")),
            Prefetch(
                "groups", queryset=Group.objects.select_related("source").order_by("kind", "name")
            ),
            Prefetch(
                "partnerships", queryset=Partnership.objects.select_related("partner", "source")
            ),
            Prefetch(
                "organisation_memberships",
                queryset=OrganisationMembership.objects.select_related("organisation").order_by(
                    "organisation__country_id", "organisation__name"
                ),
            ),
        )
        .order_by("acronym")
    )
    networks = []
    for network in bodies:
        countries = list(network.countries.all())
        facts = network.facts.all()
        groups = network.groups.all()
        partnerships = network.partnerships.all()
        organisations = network.organisation_memberships.all()
        networks.append(
            {
                "acronym": network.acronym,
                "name": network.name,
                "kind": network.kind,
                "umbrella": network.umbrella.acronym if network.umbrella else None,
                "chair": network.chair,
                "description": network.description,
                "website": network.website,
                "url": network.get_absolute_url(),
                "focus": [area.name for area in network.focus.all()],
                "sources": [_source(source) for source in network.sources.all()],
                "member_countries": [
                    c.country_id for c in countries if c.role == CountryRole.MEMBER
                ],
                "partner_countries": [
                    c.country_id for c in countries if c.role == CountryRole.PARTNER
                ],
                "countries": [
                    {"country": c.country_id, "role": c.role, "source": _source(c.source)}
                    for c in countries
                ],
                "facts": [
                    {
                        "key": fact.key,
                        "label": fact.label,
                        "value": fact.value,
                        "note": fact.note,
                        "source": _source(fact.source),
                    }
                    for fact in facts
                ],
                "structures": [
                    {
                        "name": group.name,
                        "kind": group.kind,
                        "area": group.area,
                        "led_by": group.leader_note,
                        "source": _source(group.source),
                    }
                    for group in groups
                ],
                "partnerships": [
                    {
                        "name": p.name,
                        "kind": p.kind,
                        "partner": p.partner.acronym if p.partner else None,
                        "source": _source(p.source),
                    }
                    for p in partnerships
                ],
                "organisations": [
                    {
                        "name": m.organisation.name,
                        "kind": m.organisation.kind,
                        "country": m.organisation.country_id,
                        "status": m.status,
                    }
                    for m in organisations
                ],
            }
        )
    return {"generated_at": timezone.now().isoformat(), "networks": networks}


def directory_json(data: dict[str, Any] | None = None) -> str:
    return json.dumps(directory_data() if data is None else data, ensure_ascii=False, indent=1)


def _directory_rows(data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """One row per record: the body itself, then its umbrella, focus areas, countries,
    facts, structures, partnerships and organisations, each with its source."""

    def sourced(row: dict[str, Any], source: dict[str, str] | None) -> dict[str, Any]:
        if source:
            row.update(
                source=source["title"]
                + (f", {source['publisher']}" if source["publisher"] else ""),
                source_date=source["date"],
                source_url=source["url"],
            )
        return row

    for body in data["networks"]:
        acronym = body["acronym"]
        yield {
            "network": acronym,
            "record": "body",
            "name": body["name"],
            "kind": body["kind"],
            "value": body["website"],
            "note": body["description"],
        }
        if body["umbrella"]:
            yield {"network": acronym, "record": "umbrella", "name": body["umbrella"]}
        if body["chair"]:
            yield {"network": acronym, "record": "chair", "name": body["chair"]}
        for area in body["focus"]:
            yield {"network": acronym, "record": "focus", "name": area}
        for country in body["countries"]:
            yield sourced(
                {
                    "network": acronym,
                    "record": "country",
                    "kind": country["role"],
                    "country": country["country"],
                },
                country["source"],
            )
        for fact in body["facts"]:
            yield sourced(
                {
                    "network": acronym,
                    "record": "fact",
                    "name": fact["label"],
                    "kind": fact["key"],
                    "value": fact["value"],
                    "note": fact["note"],
                },
                fact["source"],
            )
        for group in body["structures"]:
            yield sourced(
                {
                    "network": acronym,
                    "record": "structure",
                    "name": group["name"],
                    "kind": group["kind"],
                    "value": group["led_by"],
                    "note": group["area"],
                },
                group["source"],
            )
        for partnership in body["partnerships"]:
            yield sourced(
                {
                    "network": acronym,
                    "record": "partnership",
                    "name": partnership["name"],
                    "kind": partnership["kind"],
                    "value": partnership["partner"] or "",
                },
                partnership["source"],
            )
        for organisation in body["organisations"]:
            yield {
                "network": acronym,
                "record": "organisation",
                "name": organisation["name"],
                "kind": organisation["kind"],
                "country": organisation["country"] or "",
                "status": organisation["status"],
            }


def directory_csv(data: dict[str, Any] | None = None) -> str:
    return _csv(DIRECTORY_COLUMNS, _directory_rows(directory_data() if data is None else data))


# --- a network's member list ------------------------------------------------------------


def member_list_csv(*, network: Network, viewer: Viewer, request: Any = None) -> str:
    """The member list of ``network`` as its members see it on the members' page. The
    caller has checked that ``viewer`` holds the network's key; the export is audited."""
    if not is_network_member(viewer, network.pk):
        raise PermissionError("only the network's members export its member list")
    rows = []
    for membership in network_members(network=network):
        person = membership.user
        organisation = person.organisation
        shown = organisation is not None and person.show_organisation
        rows.append(
            {
                "display_name": person.display_name,
                "organisation": organisation.name if organisation and shown else "",
                "country": organisation.country_id if organisation else "",
            }
        )
    audit_log(
        action="directory.exported",
        actor_id=viewer.user_id,
        target=f"network:{network.pk}",
        data={"what": "members", "format": "csv", "rows": len(rows)},
        request=request,
    )
    return _csv(MEMBER_COLUMNS, rows)
