"""A picture of the landscape: every body of the directory, grouped by kind, with lines
from umbrella bodies to the networks they bring together and between partners that are
both in the directory. The layout is computed here, deterministically, and drawn as
server-side SVG (no JavaScript); ``landscape_text`` gives the same content as nested
lists for the accessible text version."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from lenhub.networks.models import BodyKind, Network, Partnership

WIDTH = 1000
LANE = 60  # room on the right for partnership lines between rows
MARGIN = 20
NODE_W = 110
NODE_H = 36
GAP_X = 10
COLUMNS = (WIDTH - 2 * MARGIN + GAP_X) // (NODE_W + GAP_X)  # 8
ROW_GAP = 26
BAND_TITLE_H = 46
BUS_GAP = 12
BAND_GAP = 44
CHAR_W = 7.4  # average advance of the label font at 13px, for fitting labels
LABEL_ROOM = NODE_W - 12

# Umbrella bodies first (their networks right below), then the kinds as BodyKind lists them.
KIND_ORDER: list[str] = [BodyKind.UMBRELLA, *(k for k in BodyKind if k != BodyKind.UMBRELLA)]


@dataclass
class Node:
    pk: int
    acronym: str
    name: str
    kind: str
    url: str
    x: float = 0.0
    y: float = 0.0
    w: float = NODE_W
    h: float = NODE_H

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    @property
    def text_x(self) -> float:
        return self.cx

    @property
    def text_y(self) -> float:
        return self.y + self.h / 2 + 4.5

    @property
    def text_length(self) -> int | None:
        """Squeeze a label that would not fit its box (SVG ``textLength``)."""
        return LABEL_ROOM if len(self.acronym) * CHAR_W > LABEL_ROOM else None


@dataclass
class Edge:
    kind: str  # "umbrella" or "partnership"
    source: int
    target: int
    d: str


@dataclass
class Band:
    kind: str
    label: str
    y: float
    height: float
    nodes: list[Node] = field(default_factory=list)

    @property
    def title_y(self) -> float:
        return self.y + 20

    @property
    def box_y(self) -> float:
        return self.y - 8

    @property
    def box_height(self) -> float:
        return self.height + 16


@dataclass
class Picture:
    width: int
    height: int
    bands: list[Band]
    nodes: dict[int, Node]
    edges: list[Edge]

    @property
    def viewbox(self) -> str:
        return f"0 0 {self.width} {self.height}"

    @property
    def box_width(self) -> int:
        return self.width - 16

    @property
    def umbrella_edges(self) -> list[Edge]:
        return [e for e in self.edges if e.kind == "umbrella"]

    @property
    def partnership_edges(self) -> list[Edge]:
        return [e for e in self.edges if e.kind == "partnership"]


def _rows(nodes: Sequence[Node], umbrella_of: dict[int, int | None]) -> list[list[Node]]:
    """Rows of at most COLUMNS nodes; each umbrella's networks start a row of their own."""
    groups: dict[int | None, list[Node]] = defaultdict(list)
    for node in nodes:
        groups[umbrella_of.get(node.pk)].append(node)
    ordered_keys: list[int | None] = []
    ordered_keys.extend(sorted(k for k in groups if k is not None))
    if None in groups:
        ordered_keys.append(None)
    rows: list[list[Node]] = []
    for key in ordered_keys:
        members = groups[key]
        for start in range(0, len(members), COLUMNS):
            rows.append(members[start : start + COLUMNS])
    return rows


def _place_row(row: Sequence[Node], y: float) -> None:
    span = len(row) * NODE_W + (len(row) - 1) * GAP_X
    x = (WIDTH - span) / 2
    for node in row:
        node.x, node.y = round(x, 1), y
        x += NODE_W + GAP_X


def _umbrella_edge(umbrella: Node, member: Node) -> str:
    """Down from the umbrella body, along a bus just above the row, down to the network."""
    x1, y1 = umbrella.cx, umbrella.y + umbrella.h
    x2, y2 = member.cx, member.y
    bus = y2 - BUS_GAP if y2 - BUS_GAP > y1 else (y1 + y2) / 2
    return f"M{x1:g} {y1:g}V{bus:g}H{x2:g}V{y2:g}"


def _partnership_edge(a: Node, b: Node, index: int) -> str:
    """Orthogonal, through the space below each row and a lane on the right, so that the
    line never passes behind another body's box."""
    shift = ((index % 5) - 2) * 6
    x1, x2 = a.cx + shift, b.cx + shift
    y1, y2 = a.y + a.h, b.y + b.h
    below_a = y1 + 5 + (index % 4) * 2
    below_b = y2 + 5 + (index % 4) * 2
    if abs(y1 - y2) < 1:  # the same row
        return f"M{x1:g} {y1:g}V{below_a:g}H{x2:g}V{y2:g}"
    lane = WIDTH + 12 + (index * 8) % (LANE - 20)
    return f"M{x1:g} {y1:g}V{below_a:g}H{lane:g}V{below_b:g}H{x2:g}V{y2:g}"


def build_picture(bodies: Iterable[Network], partnerships: Iterable[tuple[int, int]]) -> Picture:
    """Lay out ``bodies`` (with ``umbrella_id``) and the given directory partnerships."""
    bodies = sorted(bodies, key=lambda b: (b.acronym.lower(), b.pk))
    umbrella_of = {b.pk: b.umbrella_id for b in bodies}
    nodes = {
        b.pk: Node(pk=b.pk, acronym=b.acronym, name=b.name, kind=b.kind, url=b.get_absolute_url())
        for b in bodies
    }
    labels = dict(BodyKind.choices)
    by_kind: dict[str, list[Node]] = defaultdict(list)
    for body in bodies:
        by_kind[body.kind].append(nodes[body.pk])
    kinds = [k for k in KIND_ORDER if by_kind.get(k)]
    kinds += sorted(k for k in by_kind if k not in KIND_ORDER)  # a kind added later

    bands: list[Band] = []
    y = float(MARGIN)
    for kind in kinds:
        members = by_kind[kind]
        rows = _rows(members, umbrella_of)
        band = Band(kind=kind, label=str(labels.get(kind, kind)), y=y, height=0, nodes=members)
        row_y = y + BAND_TITLE_H
        for row in rows:
            _place_row(row, row_y)
            row_y += NODE_H + ROW_GAP
        band.height = row_y - ROW_GAP - y
        bands.append(band)
        y = row_y - ROW_GAP + BAND_GAP

    # An umbrella body alone in its row sits above the middle of its networks.
    for band in bands:
        for node in band.nodes:
            children = [nodes[pk] for pk, parent in umbrella_of.items() if parent == node.pk]
            row_mates = [n for n in band.nodes if n.y == node.y]
            if children and len(row_mates) == 1:
                centre = sum(c.cx for c in children) / len(children)
                node.x = round(min(max(centre - NODE_W / 2, MARGIN), WIDTH - MARGIN - NODE_W), 1)

    edges: list[Edge] = []
    for body in bodies:
        if body.umbrella_id in nodes:
            parent, child = nodes[body.umbrella_id], nodes[body.pk]
            edges.append(Edge("umbrella", parent.pk, child.pk, _umbrella_edge(parent, child)))
    seen: set[tuple[int, int]] = set()
    for a, b in sorted(partnerships):
        pair = (min(a, b), max(a, b))
        if a == b or pair in seen or a not in nodes or b not in nodes:
            continue
        seen.add(pair)
        first, second = sorted((nodes[a], nodes[b]), key=lambda n: (n.y, n.x))
        d = _partnership_edge(first, second, len(seen) - 1)
        edges.append(Edge("partnership", a, b, d))
    height = round(y - BAND_GAP + MARGIN)
    width = WIDTH + (LANE if any(e.kind == "partnership" for e in edges) else 0)
    return Picture(width=width, height=height, bands=bands, nodes=nodes, edges=edges)


def directory_partnerships() -> list[tuple[int, int]]:
    """Partnerships whose partner is also a body of the directory."""
    return list(
        Partnership.objects.filter(partner__isnull=False)
        .order_by("network_id", "partner_id")
        .values_list("network_id", "partner_id")
    )


def landscape_picture() -> Picture:
    return build_picture(Network.objects.all(), directory_partnerships())


@dataclass
class TextEntry:
    node: Node
    brings_together: list[Node]
    partners: list[Node]


def landscape_text(picture: Picture) -> list[tuple[Band, list[TextEntry]]]:
    """The picture as nested lists: kind → body → its networks and its partners."""
    children: dict[int, list[Node]] = defaultdict(list)
    partners: dict[int, list[Node]] = defaultdict(list)
    for edge in picture.edges:
        source, target = picture.nodes[edge.source], picture.nodes[edge.target]
        if edge.kind == "umbrella":
            children[edge.source].append(target)
        else:
            partners[edge.source].append(target)
            partners[edge.target].append(source)
    result = []
    for band in picture.bands:
        entries = [
            TextEntry(
                node=node,
                brings_together=sorted(children[node.pk], key=lambda n: n.acronym.lower()),
                partners=sorted(partners[node.pk], key=lambda n: n.acronym.lower()),
            )
            for node in sorted(band.nodes, key=lambda n: n.acronym.lower())
        ]
        result.append((band, entries))
    return result
