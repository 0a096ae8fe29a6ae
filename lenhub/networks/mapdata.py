"""The map of member and partner countries, drawn server-side as inline SVG.

The shapes come from ``static/lenhub/map/europe.json``, built once by
``tools/build_map.py`` from Natural Earth (public domain) and committed: no tile server,
no request leaves lenhub (DESIGN §5). The Europe view shows Europe from Iceland to
Georgia and Israel; partners far from it (Australia, Canada, the United States) are
drawn on a small world view as well, and named in the legend.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext

DATA_FILE = Path(__file__).resolve().parent / "static" / "lenhub" / "map" / "europe.json"

MEMBER = "member"
PARTNER = "partner"


@functools.cache
def load() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return data


def codes_on_map() -> set[str]:
    """Every ISO alpha-2 code the map can mark (as a shape, a dot or on the world view)."""
    data = load()
    return (
        set(data["europe"]["countries"])
        | set(data["europe"]["dots"])
        | set(data["world"]["countries"])
    )


def _title(name: str, role: str) -> str:
    if role == MEMBER:
        return gettext("%(country)s: member country") % {"country": name}
    if role == PARTNER:
        return gettext("%(country)s: partner country") % {"country": name}
    return name


@dataclass(frozen=True)
class Shape:
    code: str
    d: str
    role: str  # "member", "partner" or ""
    name: str

    @property
    def title(self) -> str:
        return _title(self.name, self.role)


@dataclass(frozen=True)
class Dot:
    code: str
    x: int
    y: int
    role: str
    name: str

    @property
    def title(self) -> str:
        return _title(self.name, self.role)


@dataclass
class View:
    width: int
    height: int
    other: str
    shapes: list[Shape] = field(default_factory=list)
    dots: list[Dot] = field(default_factory=list)

    @property
    def viewbox(self) -> str:
        return f"0 0 {self.width} {self.height}"


@dataclass
class CountryMap:
    europe: View
    world: View | None
    far: list[str]  # names of marked countries only the world view shows
    source: str
    has_members: bool
    has_partners: bool


def _roles(members: Iterable[str], partners: Iterable[str]) -> dict[str, str]:
    roles = dict.fromkeys(partners, PARTNER)
    roles.update(dict.fromkeys(members, MEMBER))  # a member is never also a partner
    return roles


def _view(data: Mapping[str, Any], roles: Mapping[str, str], names: Mapping[str, str]) -> View:
    view = View(width=data["width"], height=data["height"], other=data["other"])
    for code, d in sorted(data["countries"].items()):
        role = roles.get(code, "")
        view.shapes.append(Shape(code=code, d=d, role=role, name=names.get(code, "")))
    # Marked shapes last, so their outlines are drawn over their neighbours'.
    view.shapes.sort(key=lambda shape: (shape.role != "", shape.code))
    for code, (x, y) in sorted(data.get("dots", {}).items()):
        if code in roles:
            view.dots.append(Dot(code=code, x=x, y=y, role=roles[code], name=names.get(code, "")))
    return view


def country_map(
    *, members: Iterable[str], partners: Iterable[str], names: Mapping[str, str]
) -> CountryMap | None:
    """The map for these ISO alpha-2 codes, or None when there is nothing to mark."""
    roles = _roles(members, partners)
    if not roles:
        return None
    data = load()
    in_europe = set(data["europe"]["countries"]) | set(data["europe"]["dots"])
    far = sorted(code for code in roles if code not in in_europe)
    world = None
    if far:
        world = _view(data["world"], roles, names)
    return CountryMap(
        europe=_view(data["europe"], roles, names),
        world=world,
        far=sorted(names.get(code, code) for code in far),
        source=data["source"],
        has_members=MEMBER in roles.values(),
        has_partners=PARTNER in roles.values(),
    )
