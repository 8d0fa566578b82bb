"""Cover images for the curated demo, drawn by the project with Pillow: no photograph is
downloaded or shipped.

Decisions:
- Each cover is an abstract composition in the colour of the practice's first challenge (the
  colours of static/icons/challenge-*.svg), with the motif of its first topic when it is one of
  the commonest (a bus, a house, a drop of water), else that challenge's motif (people for social
  cohesion, a young plant for sustainability, rising bars for economic development, two linked
  rings for gender equality, sun and rooftops for quality of life) over soft shapes placed by a
  generator seeded with the practice's identity (its source URL), so a practice keeps the same
  cover from one `load_demo` to the next and no two practices look the same.
- 960 × 540 JPEG (about 30 KB): 960 px is the widest size the platform shows a cover at, so
  the upload makes only the 320 px copy (practices.images) and the demo stays quick to load.
  Drawn at twice the size and reduced, for smooth edges. Measured: about 20 ms of CPU to draw
  and 15 ms for the thumbnail per practice (4.4 s for the 124 curated practices), 17 kB a
  cover on average.
- The alternative text says what the picture is (an illustration, its colour and motif) in
  the practice's original language, as the platform asks of every cover.
"""

from __future__ import annotations

import hashlib
import io
import math
import random

from PIL import Image, ImageDraw

WIDTH, HEIGHT = 960, 540
SCALE = 2

# The challenge icons' colours (static/icons/challenge-<slug>.svg).
CHALLENGE_COLOURS = {
    "social-cohesion": (179, 55, 44),
    "sustainability": (42, 122, 75),
    "economic-development": (29, 92, 166),
    "gender-equality": (119, 64, 154),
    "quality-of-life": (184, 110, 10),
}
DEFAULT_COLOUR = (60, 72, 88)

# What each motif shows, in each language the practices are written in.
MOTIFS = {
    "social-cohesion": {
        "en": "people standing together",
        "fr": "des personnes réunies",
        "es": "personas reunidas",
    },
    "sustainability": {
        "en": "a young plant with three leaves",
        "fr": "une jeune pousse à trois feuilles",
        "es": "un brote de tres hojas",
    },
    "economic-development": {
        "en": "rising bars and an upward arrow",
        "fr": "des barres croissantes et une flèche montante",
        "es": "barras crecientes y una flecha ascendente",
    },
    "gender-equality": {
        "en": "two linked rings",
        "fr": "deux anneaux entrelacés",
        "es": "dos anillos entrelazados",
    },
    "quality-of-life": {
        "en": "a sun over rooftops",
        "fr": "un soleil au-dessus des toits",
        "es": "un sol sobre los tejados",
    },
}
# The commonest first topics of the corpus have a motif of their own, drawn in the colour of
# the practice's challenge, so a page of results on one challenge does not repeat one picture.
TOPIC_MOTIFS = {
    "mobility": {"en": "a bus", "fr": "un bus", "es": "un autobús"},
    "housing": {"en": "a house", "fr": "une maison", "es": "una casa"},
    "water": {"en": "a drop of water", "fr": "une goutte d’eau", "es": "una gota de agua"},
}
ALT_TEMPLATES = {
    "en": "Illustration in {colour}: {motif} in a circle, over abstract shapes.",
    "fr": "Illustration en {colour} : {motif} dans un cercle, sur des formes abstraites.",
    "es": "Ilustración en {colour}: {motif} en un círculo, sobre formas abstractas.",
}
COLOUR_NAMES = {
    "social-cohesion": {"en": "red tones", "fr": "tons rouges", "es": "tonos rojos"},
    "sustainability": {"en": "green tones", "fr": "tons verts", "es": "tonos verdes"},
    "economic-development": {"en": "blue tones", "fr": "tons bleus", "es": "tonos azules"},
    "gender-equality": {"en": "purple tones", "fr": "tons violets", "es": "tonos morados"},
    "quality-of-life": {"en": "amber tones", "fr": "tons ambrés", "es": "tonos ámbar"},
}


def _mix(
    colour: tuple[int, int, int], towards: tuple[int, int, int], share: float
) -> tuple[int, ...]:
    return tuple(round(a + (b - a) * share) for a, b in zip(colour, towards, strict=True))


def cover_alt_text(*, challenge: str, language: str, topic: str = "") -> str:
    language = language if language in ALT_TEMPLATES else "en"
    motifs = TOPIC_MOTIFS.get(topic) or MOTIFS.get(challenge, MOTIFS["quality-of-life"])
    motif = motifs[language]
    colour = COLOUR_NAMES.get(challenge, COLOUR_NAMES["quality-of-life"])[language]
    return ALT_TEMPLATES[language].format(colour=colour, motif=motif)


def cover_image(*, seed: str, challenge: str, topic: str = "") -> bytes:
    """The JPEG bytes of the cover for `seed` (a practice's stable identity), its challenge
    and its first topic."""
    rng = random.Random(int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big"))
    base = CHALLENGE_COLOURS.get(challenge, DEFAULT_COLOUR)
    w, h = WIDTH * SCALE, HEIGHT * SCALE
    image = Image.new("RGB", (w, h), _mix(base, (255, 255, 255), 0.82))
    draw = ImageDraw.Draw(image, "RGBA")
    # Soft shapes: large translucent circles and a band, placed by the seed.
    for _ in range(rng.randint(5, 8)):
        r = rng.randint(h // 6, h // 2)
        x, y = rng.randint(-r // 2, w), rng.randint(-r // 2, h)
        tone = _mix(base, (255, 255, 255), rng.uniform(0.25, 0.7))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(*tone, rng.randint(60, 120)))
    tilt = rng.uniform(-0.15, 0.15)
    band_y = rng.uniform(0.62, 0.78) * h
    draw.polygon(
        [(0, band_y), (w, band_y + tilt * w), (w, h), (0, h)],
        fill=(*_mix(base, (0, 0, 0), 0.1), 200),
    )
    # The motif, white on a disk of the challenge's colour.
    cx, cy, disk = w * rng.uniform(0.36, 0.64), h * 0.47, h * 0.34
    draw.ellipse((cx - disk, cy - disk, cx + disk, cy + disk), fill=(*base, 235))
    drawer = _TOPIC_DRAWERS.get(topic) or _MOTIF_DRAWERS.get(challenge, _sun)
    drawer(draw, rng, cx, cy, disk * 0.8)
    image = image.reduce(SCALE)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82, optimize=True, progressive=True)
    return out.getvalue()


WHITE = (255, 255, 255, 240)
Draw = ImageDraw.ImageDraw


def _people(draw: Draw, rng: random.Random, cx: float, cy: float, r: float) -> None:
    count = rng.randint(3, 4)
    spread = r * 0.42
    for i in range(count):
        x = cx + (i - (count - 1) / 2) * spread
        size = r * rng.uniform(0.2, 0.26)
        top = cy - r * 0.45 + rng.uniform(-1, 1) * r * 0.06
        draw.ellipse((x - size * 0.5, top, x + size * 0.5, top + size), fill=WHITE)
        draw.pieslice(
            (x - size, top + size * 1.1, x + size, top + size * 3.1), 180, 360, fill=WHITE
        )


def _leaf(cx: float, cy: float, length: float, angle: float) -> list[tuple[float, float]]:
    """A lens-shaped leaf: two arcs between its tip and its stem."""
    points = []
    for side in (1, -1):
        for k in range(13):
            t = k / 12 if side == 1 else 1 - k / 12
            along = (t - 0.5) * 2 * length
            across = side * math.sin(t * math.pi) * length * 0.38
            points.append(
                (
                    cx + math.cos(angle) * along - math.sin(angle) * across,
                    cy + math.sin(angle) * along + math.cos(angle) * across,
                )
            )
    return points


def _leaves(draw: Draw, rng: random.Random, cx: float, cy: float, r: float) -> None:
    base = rng.uniform(-0.6, -0.3)
    for k, spread in enumerate((-0.9, 0.0, 0.9)):
        angle = base + spread
        length = r * (0.62 if k == 1 else 0.5)
        x = cx + math.cos(angle - math.pi / 2) * r * 0.05
        y = cy - r * 0.05
        tip_x = x + math.cos(angle - math.pi / 2) * length
        tip_y = y + math.sin(angle - math.pi / 2) * length
        draw.polygon(
            _leaf((x + tip_x) / 2, (y + tip_y) / 2, length / 2, angle - math.pi / 2), fill=WHITE
        )
    draw.line((cx, cy, cx, cy + r * 0.6), fill=WHITE, width=max(6, int(r * 0.05)))


def _bars(draw: Draw, rng: random.Random, cx: float, cy: float, r: float) -> None:
    count = 4
    width = r * 0.18
    floor = cy + r * 0.5
    left = cx - width * 1.5 * (count - 1) / 2 - width / 2
    for i in range(count):
        top = floor - r * (0.3 + 0.2 * i + rng.uniform(0, 0.08))
        x = left + i * width * 1.5
        draw.rectangle((x, top, x + width, floor), fill=WHITE)
    start, end = (left - width * 0.3, floor - r * 0.45), (cx + r * 0.55, cy - r * 0.62)
    draw.line((*start, *end), fill=WHITE, width=max(8, int(r * 0.06)))
    a = math.atan2(end[1] - start[1], end[0] - start[0])
    head = r * 0.16
    draw.polygon(
        [
            (end[0] + math.cos(a) * head, end[1] + math.sin(a) * head),
            (end[0] + math.cos(a + 2.2) * head, end[1] + math.sin(a + 2.2) * head),
            (end[0] + math.cos(a - 2.2) * head, end[1] + math.sin(a - 2.2) * head),
        ],
        fill=WHITE,
    )


def _rings(draw: Draw, rng: random.Random, cx: float, cy: float, r: float) -> None:
    ring = r * rng.uniform(0.36, 0.42)
    for dx in (-ring * 0.6, ring * 0.6):
        draw.ellipse(
            (cx + dx - ring, cy - ring, cx + dx + ring, cy + ring),
            outline=WHITE,
            width=max(10, int(r * 0.09)),
        )


def _sun(draw: Draw, rng: random.Random, cx: float, cy: float, r: float) -> None:
    sx, sy, sr = cx + r * rng.uniform(-0.2, 0.2), cy - r * 0.35, r * 0.2
    draw.ellipse((sx - sr, sy - sr, sx + sr, sy + sr), fill=WHITE)
    for k in range(12):
        a = k * math.pi / 6
        draw.line(
            (
                sx + math.cos(a) * sr * 1.35,
                sy + math.sin(a) * sr * 1.35,
                sx + math.cos(a) * sr * 1.75,
                sy + math.sin(a) * sr * 1.75,
            ),
            fill=WHITE,
            width=max(6, int(r * 0.04)),
        )
    ground = cy + r * 0.55
    x = cx - r * 0.62
    while x < cx + r * 0.45:
        roof_w = r * rng.uniform(0.22, 0.3)
        wall = r * rng.uniform(0.25, 0.4)
        draw.rectangle((x, ground - wall, x + roof_w, ground), fill=WHITE)
        draw.polygon(
            [
                (x - r * 0.03, ground - wall),
                (x + roof_w / 2, ground - wall - roof_w * 0.5),
                (x + roof_w + r * 0.03, ground - wall),
            ],
            fill=WHITE,
        )
        x += roof_w * 1.25


def _bus(draw: Draw, rng: random.Random, cx: float, cy: float, r: float) -> None:
    left, right, top, bottom = cx - r * 0.7, cx + r * 0.7, cy - r * 0.45, cy + r * 0.3
    draw.rounded_rectangle((left, top, right, bottom), radius=r * 0.12, fill=WHITE)
    windows = rng.randint(3, 4)
    gap = (right - left - r * 0.16) / windows
    for k in range(windows):
        x = left + r * 0.08 + k * gap
        draw.rectangle(
            (x + r * 0.03, top + r * 0.1, x + gap - r * 0.03, top + r * 0.35), fill=(0, 0, 0, 60)
        )
    for x in (left + r * 0.3, right - r * 0.3):
        draw.ellipse(
            (x - r * 0.14, bottom - r * 0.14, x + r * 0.14, bottom + r * 0.14),
            fill=(40, 40, 40, 255),
        )
        draw.ellipse((x - r * 0.06, bottom - r * 0.06, x + r * 0.06, bottom + r * 0.06), fill=WHITE)


def _house(draw: Draw, rng: random.Random, cx: float, cy: float, r: float) -> None:
    left, right, floor = cx - r * 0.45, cx + r * 0.45, cy + r * 0.55
    eaves = cy - r * 0.05
    draw.rectangle((left, eaves, right, floor), fill=WHITE)
    draw.polygon(
        [(left - r * 0.12, eaves), (cx, cy - r * 0.6), (right + r * 0.12, eaves)], fill=WHITE
    )
    shade = (0, 0, 0, 70)
    door = r * rng.uniform(0.1, 0.13)
    draw.rectangle((cx - door, floor - r * 0.4, cx + door, floor), fill=shade)
    for x in (left + r * 0.06, right - r * 0.24):
        draw.rectangle((x, eaves + r * 0.12, x + r * 0.18, eaves + r * 0.3), fill=shade)


def _drop(draw: Draw, rng: random.Random, cx: float, cy: float, r: float) -> None:
    radius = r * 0.36
    centre = cy + r * 0.12
    draw.ellipse((cx - radius, centre - radius, cx + radius, centre + radius), fill=WHITE)
    draw.polygon(
        [
            (cx - radius * 0.93, centre - radius * 0.35),
            (cx, cy - r * 0.68),
            (cx + radius * 0.93, centre - radius * 0.35),
        ],
        fill=WHITE,
    )
    for k in range(2):
        y = cy + r * (0.68 + 0.14 * k)
        points = [
            (cx - r * 0.6 + i * r * 0.1, y + math.sin(i * 1.2 + k) * r * 0.04) for i in range(13)
        ]
        draw.line(points, fill=WHITE, width=max(5, int(r * 0.04)))


_TOPIC_DRAWERS = {"mobility": _bus, "housing": _house, "water": _drop}

_MOTIF_DRAWERS = {
    "social-cohesion": _people,
    "sustainability": _leaves,
    "economic-development": _bars,
    "gender-equality": _rings,
    "quality-of-life": _sun,
}
