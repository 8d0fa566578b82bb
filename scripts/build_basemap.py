"""Writes static/maps/world-110m.svg, the map's basemap, from the npm package world-atlas.

Run once after `npm ci` (or when the projection in cities/maps.py changes) and commit the result:
    .venv/bin/python scripts/build_basemap.py
The source is Natural Earth's 1:110m land (public domain) as TopoJSON in world-atlas 2 (ISC).
The arcs are decoded here (delta-encoded integers, then the file's scale and translation), each
ring projected with cities.maps.project and written as one path with relative steps rounded to a
tenth of a unit, dropping steps that round to nothing: about 45 kB instead of 55 kB of TopoJSON,
and no JavaScript in the browser.
"""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SOURCE = ROOT / "node_modules" / "world-atlas" / "land-110m.json"
TARGET = ROOT / "static" / "maps" / "world-110m.svg"

Point = tuple[float, float]


def decode_arcs(topology: dict) -> list[list[Point]]:
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring_points(ring: list[int], arcs: list[list[Point]]) -> list[Point]:
    points: list[Point] = []
    for index in ring:
        # A negative index is the one's complement of an arc walked backwards.
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def _number(tenths: int) -> str:
    text = f"{tenths / 10:g}"
    return text.replace("0.", ".", 1) if text.lstrip("-").startswith("0.") else text


def ring_path(points: list[Point]) -> str:
    from cities.maps import project

    projected = [project(longitude=lon, latitude=lat) for lon, lat in points]
    tenths = [(round(x * 10), round(y * 10)) for x, y in projected]
    out = f"M{_number(tenths[0][0])} {_number(tenths[0][1])}l"
    steps = 0
    px, py = tenths[0]
    for x, y in tenths[1:]:
        if (x, y) == (px, py):
            continue
        # After one "l" the numbers repeat the command; a minus sign separates by itself.
        for number in (_number(x - px), _number(y - py)):
            out += number if number.startswith("-") or out.endswith("l") else " " + number
        px, py = x, y
        steps += 1
    # A ring that collapsed to a point or a line at this scale draws nothing.
    return out + "z" if steps > 1 else ""


def unwrapped(points: list[Point]) -> list[list[Point]]:
    """The ring, or for a ring that crosses the antimeridian (Fiji, Chukotka), the ring made
    continuous (each crossing shifts what follows by a turn) and a copy a turn away, which the
    view box clips at the other edge: drawn as is, each crossing would be a line across the map."""
    offset = 0.0
    continuous = [points[0]]
    for (lon0, _), (lon, lat) in itertools.pairwise(points):
        if lon - lon0 > 180:
            offset -= 360
        elif lon0 - lon > 180:
            offset += 360
        continuous.append((lon + offset, lat))
    copies = [continuous]
    if min(lon for lon, _ in continuous) < -180:
        copies.append([(lon + 360, lat) for lon, lat in continuous])
    if max(lon for lon, _ in continuous) > 180:
        copies.append([(lon - 360, lat) for lon, lat in continuous])
    return copies


def main() -> None:
    from cities.maps import HEIGHT, SOUTH, WIDTH

    topology = json.loads(SOURCE.read_text())
    arcs = decode_arcs(topology)
    paths: list[str] = []
    for geometry in topology["objects"]["land"]["geometries"]:
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        for polygon in polygons:
            for ring in polygon:
                points = ring_points(ring, arcs)
                if max(lat for _, lat in points) < SOUTH:
                    continue
                paths.extend(ring_path(copy) for copy in unwrapped(points))
    d = "".join(p for p in paths if p)
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH:g} {HEIGHT:g}">'
        "<!-- Natural Earth 1:110m land (public domain), via world-atlas 2.0.2 (ISC); "
        "built by scripts/build_basemap.py -->"
        f'<path fill="#dfe5ec" stroke="#b6c0cc" stroke-width=".5" d="{d}"/></svg>\n'
    )
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(svg)
    print(f"{TARGET.relative_to(ROOT)}: {len(svg.encode()) / 1024:.1f} kB")


if __name__ == "__main__":
    main()
