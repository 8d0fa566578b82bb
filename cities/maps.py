"""The map of member cities: a world basemap and one link per city, drawn on the server as SVG.

Why this shape:
- No external request and no JavaScript. The basemap is Natural Earth's 1:110m land (public
  domain), taken from the npm package `world-atlas` (ISC) and converted once by
  `scripts/build_basemap.py` into `static/maps/world-110m.svg` (about 45 kB, cached like any
  static file). Pages draw the cities over it in an inline `<svg>`, in the same coordinates, so
  the content security policy (no inline script or style, no other host) is unchanged.
- One projection, Natural Earth I (Šavrič, Jenny, Patterson and Petrovič, 2011: two polynomials,
  no library), shared by the basemap script and the pages; Antarctica and the Arctic beyond
  `NORTH`/`SOUTH` are left out, no member city is there.
- Each city is an `<a>` with a `<title>` ("Medellín: 2 practices") giving its accessible name
  and tooltip, so keyboard and screen-reader users reach every city; a circle's area grows with
  the city's published practices. Biggest first in the document, so small circles are drawn on
  top and stay clickable, and the tab order starts with the cities that have most to read.
- A city page shows the region around the city (the view box is cropped, not redrawn), only
  the cities inside that window (a link one cannot see would still take the focus), and the
  city itself marked as the current page.
- The table of the directory stays the alternative for anyone the map does not serve.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # Only for types: scripts/build_basemap.py imports the projection without Django set up.
    from .models import City

# Width of the whole map in view-box units; the basemap file uses the same units.
WIDTH = 1000.0
NORTH = 84.0
SOUTH = -58.0
BASEMAP = "maps/world-110m.svg"

# Natural Earth I reaches x = ±0.8707·π at the equator and the antimeridian.
_SCALE = WIDTH / (2 * 0.8707 * math.pi)


def _natural_earth(lon: float, lat: float) -> tuple[float, float]:
    lam, phi = math.radians(lon), math.radians(lat)
    p2 = phi * phi
    p4 = p2 * p2
    x = lam * (0.8707 - 0.131979 * p2 - 0.013791 * p4 + p4 * p4 * p2 * (0.003971 - 0.001529 * p2))
    y = phi * (1.007226 + 0.015085 * p2 + p4 * p2 * (-0.044475 + 0.028874 * p2 - 0.005916 * p4))
    return x, y


_TOP = _natural_earth(0, NORTH)[1]
HEIGHT = round((_TOP - _natural_earth(0, SOUTH)[1]) * _SCALE, 1)


def project(*, longitude: float, latitude: float) -> tuple[float, float]:
    """A point's place on the map, in view-box units from the top left corner."""
    x, y = _natural_earth(longitude, max(SOUTH, min(NORTH, latitude)))
    return WIDTH / 2 + x * _SCALE, (_TOP - y) * _SCALE


@dataclass(frozen=True)
class Marker:
    city: City
    count: int
    x: float
    y: float
    r: float
    current: bool = False


@dataclass(frozen=True)
class CityMap:
    view_box: str
    markers: list[Marker]
    label_size: float
    width: float = WIDTH
    height: float = HEIGHT
    basemap: str = BASEMAP


def _radius(count: int) -> float:
    # Area proportional to the count, a dot for none, and capped so that a prolific city does
    # not cover its neighbours.
    return min(3.0 + 2.2 * math.sqrt(count), 16.0)


def city_map(*, cities: Iterable[tuple[City, int]], focus: City | None = None) -> CityMap:
    """The map of `cities` (each with its published-practice count); with `focus`, the region
    around that city with the city marked as current. Cities without coordinates are left out."""
    x0, y0, w, h = 0.0, 0.0, WIDTH, HEIGHT
    if focus is not None and focus.latitude is not None and focus.longitude is not None:
        fx, fy = project(longitude=float(focus.longitude), latitude=float(focus.latitude))
        # A quarter of the world's width: the city's neighbours and enough coast to place it.
        w, h = WIDTH / 4, HEIGHT / 4
        x0 = min(max(fx - w / 2, 0.0), WIDTH - w)
        y0 = min(max(fy - h / 2, 0.0), HEIGHT - h)
    zoom = WIDTH / w
    markers = []
    for city, count in cities:
        if city.latitude is None or city.longitude is None:
            continue
        x, y = project(longitude=float(city.longitude), latitude=float(city.latitude))
        if not (x0 <= x <= x0 + w and y0 <= y <= y0 + h):
            continue
        # Zoomed in, circles keep the size they have on screen on the world map.
        markers.append(
            Marker(
                city=city,
                count=count,
                x=round(x, 1),
                y=round(y, 1),
                r=round(_radius(count) / zoom * 1.5 if zoom > 1 else _radius(count), 2),
                current=focus is not None and city.pk == focus.pk,
            )
        )
    markers.sort(key=lambda m: (m.current, -m.count, m.city.name))
    return CityMap(
        view_box=f"{x0:.1f} {y0:.1f} {w:.1f} {h:.1f}",
        markers=markers,
        label_size=round(14 / zoom * 1.5 if zoom > 1 else 14, 2),
    )
