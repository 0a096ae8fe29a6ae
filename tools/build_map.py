#!/usr/bin/env python3
"""Build the country map that network pages draw (``lenhub/networks/mapdata.py`` reads it).

Run at build time only; lenhub serves the result itself, with no tile server:

    python tools/build_map.py                      # fetches world-atlas with `npm pack`
    python tools/build_map.py path/to/countries-50m.json

Source: the npm package ``world-atlas`` (version pinned below), Natural Earth 1:50m
admin-0 countries (public domain) as TopoJSON, packaged under the ISC licence. The script
decodes the TopoJSON itself (no topojson-client needed), projects:

- ``europe``: Lambert azimuthal equal-area centred on 10°E 52°N (as ETRS89-LAEA), from
  Iceland to Georgia and from the North Cape to Israel, clipped to that frame;
- ``world``: Equal Earth, Antarctica left out, for the partners far from Europe;

simplifies each shared arc once (Douglas-Peucker, so neighbours keep a common border),
rounds to whole units and writes SVG path data keyed by ISO 3166-1 alpha-2 to
``lenhub/networks/static/lenhub/map/europe.json``. Countries outside the table below are
merged into one unlabelled "other land" path.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

PACKAGE = "world-atlas"
VERSION = "2.0.2"
FILE = "countries-50m.json"
OUT = Path(__file__).resolve().parent.parent / "lenhub/networks/static/lenhub/map/europe.json"

# ISO 3166-1 numeric -> alpha-2 for Europe, its neighbours and lenhub's partner countries
# (lenhub/accounts/countries.py); a test checks that every country there is on the map.
NUMERIC_TO_ALPHA2 = {
    "008": "AL", "020": "AD", "040": "AT", "056": "BE", "070": "BA", "100": "BG",
    "112": "BY", "191": "HR", "196": "CY", "203": "CZ", "208": "DK", "233": "EE",
    "246": "FI", "248": "FI",  # Åland is part of Finland
    "250": "FR", "268": "GE", "276": "DE", "300": "GR", "336": "VA", "348": "HU",
    "352": "IS", "372": "IE", "376": "IL", "380": "IT", "428": "LV", "438": "LI",
    "440": "LT", "442": "LU", "470": "MT", "492": "MC", "498": "MD", "499": "ME",
    "528": "NL", "578": "NO", "616": "PL", "620": "PT", "642": "RO", "643": "RU",
    "674": "SM", "688": "RS", "703": "SK", "705": "SI", "724": "ES", "752": "SE",
    "756": "CH", "792": "TR", "804": "UA", "807": "MK", "826": "GB",
    "051": "AM", "031": "AZ", "012": "DZ", "504": "MA", "788": "TN", "434": "LY",
    "818": "EG", "760": "SY", "368": "IQ", "364": "IR", "422": "LB", "400": "JO",
    "398": "KZ", "275": "PS", "682": "SA",
    "036": "AU", "124": "CA", "840": "US", "554": "NZ", "392": "JP",
}  # fmt: skip
# Natural Earth features without an ISO numeric id.
NAME_TO_ALPHA2 = {"Kosovo": "XK"}
# Parts that are not the country the id says (Ashmore and Cartier share Australia's id).
SKIP_NAMES = {"Ashmore and Cartier Is."}

EUROPE_CENTRE = (10.0, 52.0)
# Places the Europe frame must show (lon, lat): Iceland, Portugal, Malta, Cyprus and
# Israel, Georgia, the North Cape.
EUROPE_FRAME_POINTS = [
    (-24.5, 66.6), (-24.0, 63.2), (-9.6, 36.9), (-9.5, 43.2), (14.5, 35.6),
    (35.8, 29.4), (35.9, 33.3), (46.8, 41.2), (46.0, 43.6), (31.5, 71.2), (25.0, 71.3),
]  # fmt: skip
EUROPE_WIDTH = 1000
WORLD_WIDTH = 600
EUROPE_TOLERANCE = 0.8
WORLD_TOLERANCE = 1.4
EUROPE_MIN_RING_AREA = 6.0
WORLD_MIN_RING_AREA = 4.0
DOT_AREA = 40.0  # a European country smaller than this (in squared units) also gets a dot

Point = tuple[float, float]


# --- fetching --------------------------------------------------------------------------


def fetch(tmp: Path) -> Path:
    """``npm pack world-atlas@VERSION`` into ``tmp`` and return the countries file."""
    subprocess.run(  # noqa: S603
        ["npm", "pack", f"{PACKAGE}@{VERSION}", "--silent"],  # noqa: S607
        cwd=tmp,
        check=True,
        capture_output=True,
    )
    tarball = next(tmp.glob(f"{PACKAGE}-*.tgz"))
    with tarfile.open(tarball) as archive:
        member = archive.getmember(f"package/{FILE}")
        extracted = archive.extractfile(member)
        assert extracted is not None
        target = tmp / FILE
        target.write_bytes(extracted.read())
    return target


# --- TopoJSON --------------------------------------------------------------------------


def decode_arcs(topology: dict) -> list[list[Point]]:
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring_from(arc_ids: Sequence[int], arcs: list[list[Point]]) -> list[Point]:
    ring: list[Point] = []
    for index in arc_ids:
        points = arcs[index] if index >= 0 else arcs[~index][::-1]
        ring.extend(points if not ring else points[1:])
    return ring


def polygons_of(geometry: dict) -> list[list[list[int]]]:
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return list(geometry["arcs"])
    return []


# --- projections -----------------------------------------------------------------------


def laea(lon0: float, lat0: float) -> Callable[[Point], Point]:
    l0, p0 = math.radians(lon0), math.radians(lat0)

    def project(point: Point) -> Point:
        lam, phi = math.radians(point[0]), math.radians(point[1])
        cos_c = math.sin(p0) * math.sin(phi) + math.cos(p0) * math.cos(phi) * math.cos(lam - l0)
        k = math.sqrt(2 / max(1 + cos_c, 1e-9))
        x = k * math.cos(phi) * math.sin(lam - l0)
        y = k * (math.cos(p0) * math.sin(phi) - math.sin(p0) * math.cos(phi) * math.cos(lam - l0))
        return (x, -y)

    return project


def equal_earth(point: Point) -> Point:
    a1, a2, a3, a4 = 1.340264, -0.081106, 0.000893, 0.003796
    lam, phi = math.radians(point[0]), math.radians(point[1])
    theta = math.asin(math.sqrt(3) / 2 * math.sin(phi))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = (2 * math.sqrt(3) * lam * math.cos(theta)) / (
        3 * (9 * a4 * t6 * t2 + 7 * a3 * t6 + 3 * a2 * t2 + a1)
    )
    y = theta * (a1 + a2 * t2 + t6 * (a3 + a4 * t2))
    return (x, -y)


# --- geometry --------------------------------------------------------------------------


def simplify(points: list[Point], tolerance: float) -> list[Point]:
    """Douglas-Peucker, keeping both ends (iterative)."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (ax, ay), (bx, by) = points[first], points[last]
        dx, dy = bx - ax, by - ay
        length = math.hypot(dx, dy)
        best, best_index = -1.0, -1
        for i in range(first + 1, last):
            px, py = points[i]
            if length == 0:
                distance = math.hypot(px - ax, py - ay)
            else:
                distance = abs(dy * px - dx * py + bx * ay - by * ax) / length
            if distance > best:
                best, best_index = distance, i
        if best > tolerance:
            keep[best_index] = True
            stack.append((first, best_index))
            stack.append((best_index, last))
    return [p for p, k in zip(points, keep, strict=True) if k]


def clip(ring: list[Point], box: tuple[float, float, float, float]) -> list[Point]:
    """Sutherland-Hodgman against an axis-aligned box (x0, y0, x1, y1)."""
    x0, y0, x1, y1 = box
    edges = [
        (lambda p: p[0] >= x0, lambda a, b: _cut_x(a, b, x0)),
        (lambda p: p[0] <= x1, lambda a, b: _cut_x(a, b, x1)),
        (lambda p: p[1] >= y0, lambda a, b: _cut_y(a, b, y0)),
        (lambda p: p[1] <= y1, lambda a, b: _cut_y(a, b, y1)),
    ]
    output = ring
    for inside, cut in edges:
        if not output:
            break
        points, output = output, []
        previous = points[-1]
        for current in points:
            if inside(current):
                if not inside(previous):
                    output.append(cut(previous, current))
                output.append(current)
            elif inside(previous):
                output.append(cut(previous, current))
            previous = current
    return output


def _cut_x(a: Point, b: Point, x: float) -> Point:
    t = (x - a[0]) / (b[0] - a[0])
    return (x, a[1] + t * (b[1] - a[1]))


def _cut_y(a: Point, b: Point, y: float) -> Point:
    t = (y - a[1]) / (b[1] - a[1])
    return (a[0] + t * (b[0] - a[0]), y)


def area(ring: Sequence[Point]) -> float:
    total = 0.0
    for (ax, ay), (bx, by) in zip(ring, [*ring[1:], ring[0]], strict=True):
        total += ax * by - bx * ay
    return abs(total) / 2


def centroid(ring: Sequence[Point]) -> Point:
    xs = [p[0] for p in ring]
    ys = [p[1] for p in ring]
    return (sum(xs) / len(xs), sum(ys) / len(ys))


def path_data(rings: Iterable[Sequence[tuple[int, int]]]) -> str:
    """Compact SVG path data: absolute move, relative lines, close."""
    parts = []
    for ring in rings:
        x, y = ring[0]
        out = [f"M{x} {y}l"]
        steps = []
        for px, py in ring[1:]:
            steps.append(f"{px - x} {py - y}".replace(" -", "-"))
            x, y = px, py
        out.append(" ".join(steps).replace(" -", "-"))
        out.append("z")
        parts.append("".join(out))
    return "".join(parts)


def quantize(ring: Sequence[Point]) -> list[tuple[int, int]]:
    result: list[tuple[int, int]] = []
    for x, y in ring:
        point = (round(x), round(y))
        if not result or result[-1] != point:
            result.append(point)
    while len(result) > 1 and result[0] == result[-1]:
        result.pop()
    return result


# --- building --------------------------------------------------------------------------


def build_view(
    topology: dict,
    arcs: list[list[Point]],
    project: Callable[[Point], Point],
    *,
    width: int,
    tolerance: float,
    min_area: float,
    frame_points: list[Point] | None,
    dot_area: float,
) -> dict:
    projected = [[project(p) for p in arc] for arc in arcs]
    if frame_points:
        corners = [project(p) for p in frame_points]
    else:
        corners = [p for arc in projected for p in arc]
    min_x, max_x = min(p[0] for p in corners), max(p[0] for p in corners)
    min_y, max_y = min(p[1] for p in corners), max(p[1] for p in corners)
    if frame_points:  # a little sea around the places the frame must show
        pad = (max_x - min_x) * 0.02
        min_x, max_x, min_y, max_y = min_x - pad, max_x + pad, min_y - pad, max_y + pad
    scale = width / (max_x - min_x)
    height = round((max_y - min_y) * scale)
    scaled = [[((x - min_x) * scale, (y - min_y) * scale) for x, y in arc] for arc in projected]
    simple = [simplify(arc, tolerance) for arc in scaled]
    margin = 4.0
    box = (-margin, -margin, width + margin, height + margin)
    if not frame_points:
        box = (-1e9, -1e9, 1e9, 1e9)

    by_code: dict[str, list[list[tuple[int, int]]]] = {}
    largest: dict[str, tuple[float, list[Point]]] = {}
    other: list[list[tuple[int, int]]] = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        name = geometry.get("properties", {}).get("name", "")
        if name in SKIP_NAMES or name == "Antarctica":
            continue
        code = NUMERIC_TO_ALPHA2.get(geometry.get("id") or "") or NAME_TO_ALPHA2.get(name)
        for polygon in polygons_of(geometry):
            for index, arc_ids in enumerate(polygon):
                if code and index == 0:
                    # The unsimplified outline, so that the smallest states keep a shape.
                    full = clip(ring_from(arc_ids, scaled), box)
                    full_area = area(full) if len(full) >= 3 else 0.0
                    if full_area > largest.get(code, (0.0, []))[0]:
                        largest[code] = (full_area, full)
                ring = clip(ring_from(arc_ids, simple), box)
                if len(ring) < 3 or area(ring) < min_area:
                    continue
                points = quantize(ring)
                if len(points) < 3:
                    continue
                (by_code.setdefault(code, []) if code else other).append(points)
    countries: dict[str, str] = {}
    dots: dict[str, list[int]] = {}
    for code, (ring_area, ring) in sorted(largest.items()):
        if ring_area <= 0:
            continue
        rings = by_code.get(code) or [quantize(ring)]
        rings = [r for r in rings if len(r) >= 3]
        if rings:
            countries[code] = path_data(rings)
        if ring_area < dot_area:
            cx, cy = centroid(ring)
            dots[code] = [round(cx), round(cy)]
    return {
        "width": width,
        "height": height,
        "countries": countries,
        "dots": dots,
        "other": path_data(other),
    }


def build(source: Path) -> dict:
    topology = json.loads(source.read_text(encoding="utf-8"))
    arcs = decode_arcs(topology)
    europe = build_view(
        topology,
        arcs,
        laea(*EUROPE_CENTRE),
        width=EUROPE_WIDTH,
        tolerance=EUROPE_TOLERANCE,
        min_area=EUROPE_MIN_RING_AREA,
        frame_points=EUROPE_FRAME_POINTS,
        dot_area=DOT_AREA,
    )
    world = build_view(
        topology,
        arcs,
        equal_earth,
        width=WORLD_WIDTH,
        tolerance=WORLD_TOLERANCE,
        min_area=WORLD_MIN_RING_AREA,
        frame_points=None,
        dot_area=0.0,
    )
    return {
        "source": (
            f"Natural Earth 1:50m admin-0 countries (public domain), from the npm package "
            f"{PACKAGE} {VERSION} ({FILE}, ISC licence); built by tools/build_map.py"
        ),
        "europe": europe,
        "world": world,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", type=Path, help=f"{FILE}; fetched when left out")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        source = args.source or fetch(Path(tmp))
        data = build(source)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    args.out.write_text(text + "\n", encoding="utf-8")
    print(f"{args.out}: {len(text.encode()) // 1024} KiB, ", end="")
    print(f"{len(data['europe']['countries'])} countries in europe, ", end="")
    print(f"{len(data['world']['countries'])} in world")
    return 0


if __name__ == "__main__":
    sys.exit(main())
