"""Smaller copies of an attached image, made once at upload, so that a search result or the
home page does not send a phone a 5 MB photograph.

Decisions:
- Widths THUMBNAIL_WIDTHS (320 and 960 CSS pixels): 320 serves the small pictures of lists
  (about 120 px shown, so sharp up to a 2.5x screen) and phones; 960 the cover at the top of a
  practice on most screens. The original stays the widest choice of the `srcset`. No copy is
  made at or above the original's width (never enlarged).
- WebP at quality 80: every browser the platform supports reads it, and it is about a third
  smaller than a JPEG of the same look; it keeps transparency (a PNG logo stays a logo). Pillow
  writes it with the libwebp its wheels ship.
- The copies are stored next to the attachment under its random name plus `-w<width>.webp`,
  and leave the platform only through the attachment's own view (practices.views
  attachment_thumbnail), so a draft's thumbnails are as private as its file.
- Made synchronously in the upload's request: the upload limits (ATTACHMENT_MAX_IMAGE_PIXELS,
  40 megapixels by default) keep it under a second or two, and the page that follows can show
  them at once. EXIF orientation is applied, and the copies carry no metadata (no GPS position
  of the photographer's phone).
- An animated GIF gives its first frame.
"""

from __future__ import annotations

import io
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from PIL import Image, ImageOps

THUMBNAIL_WIDTHS = (320, 960)
THUMBNAIL_FORMAT = "WEBP"
THUMBNAIL_QUALITY = 80
THUMBNAIL_CONTENT_TYPE = "image/webp"


def thumbnail_name(name: str, width: int) -> str:
    stem = name.rsplit(".", 1)[0] if "." in name.rsplit("/", 1)[-1] else name
    return f"{stem}-w{width}.webp"


def _for_webp(image: Image.Image) -> Image.Image:
    has_alpha = image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info)
    return image.convert("RGBA" if has_alpha else "RGB")


def image_thumbnails_make(
    *, storage: Storage, name: str, source: Any
) -> tuple[int, int, list[dict[str, Any]]]:
    """Write the thumbnails of the image in `source` (a readable binary file) beside `name` in
    `storage`. Returns the original's width and height (as shown: EXIF-rotated) and the
    thumbnails, narrowest first, as PracticeAttachment.thumbnails keeps them."""
    source.seek(0)
    with Image.open(source) as opened:
        opened.seek(0)
        image = _for_webp(ImageOps.exif_transpose(opened))
    width, height = image.size
    made: list[dict[str, Any]] = []
    for target in THUMBNAIL_WIDTHS:
        if target >= width:
            break
        target_height = max(1, round(height * target / width))
        copy = image.resize((target, target_height), Image.Resampling.LANCZOS, reducing_gap=3.0)
        buffer = io.BytesIO()
        copy.save(buffer, THUMBNAIL_FORMAT, quality=THUMBNAIL_QUALITY, method=4)
        stored = storage.save(thumbnail_name(name, target), ContentFile(buffer.getvalue()))
        made.append({"width": target, "height": target_height, "name": stored})
    source.seek(0)
    return width, height, made
