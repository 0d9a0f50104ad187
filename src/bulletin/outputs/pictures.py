"""Pictures fit to publish: no wider than they are shown, with no metadata to give away.

A phone's photo is 4000 px wide and carries EXIF: the camera, the time and often where it
was taken (GPS), which a safeguarding partnership must not publish. ``render_picture``
returns the copy the website serves and the email links to; the original is not touched.
Pure: bytes in, bytes out, the same bytes at every build. The only module that imports
Pillow: the favicon and the pictures of an imported Word document are made here too.
"""

from __future__ import annotations

import io

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_WIDTH = 1200  # twice the email's column, and more than the website's content width
JPEG_QUALITY = 85
# The pictures published through render_picture: JPEG and PNG re-encoded, GIF and WebP measured.
SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp")
# Keys Pillow puts in ``info`` for what a picture says about itself rather than shows.
METADATA = ("exif", "xmp", "XML:com.adobe.xmp", "comment", "photoshop", "mp")
# PNG ``info`` keys that describe how to show the pixels; any other key is a text chunk.
PNG_DISPLAY = (
    "dpi",
    "gamma",
    "transparency",
    "srgb",
    "icc_profile",
    "chromaticity",
    "aspect",
    "interlace",
)


class PictureError(ValueError):
    """Bytes that are not a picture Pillow can read."""


def render_picture(data: bytes, max_width: int = MAX_WIDTH) -> tuple[bytes, int, int]:
    """Return the picture to publish and its width and height in pixels.

    A JPEG or PNG wider than ``max_width`` or carrying metadata (EXIF, GPS, XMP, comments,
    PNG text) is turned upright by its EXIF orientation, scaled down and saved again
    without it: JPEG at quality 85, PNG losslessly. Any other picture keeps its bytes.
    """
    try:
        picture = Image.open(io.BytesIO(data))
        kind = picture.format
        width, height = picture.size
        animated = kind == "PNG" and getattr(picture, "is_animated", False)
        if kind not in ("JPEG", "MPO", "PNG") or animated:  # saving would lose frames
            return data, width, height
        if width <= max_width and not has_metadata(picture):
            return data, width, height
        picture = ImageOps.exif_transpose(picture)
        icc_profile = picture.info.get("icc_profile")  # colours, not metadata: kept
        transparency = picture.info.get("transparency")
        if picture.width > max_width:
            if picture.mode not in ("RGB", "RGBA", "L", "LA", "CMYK"):  # e.g. a palette
                picture = picture.convert("RGBA" if kind == "PNG" else "RGB")
                transparency = None
            size = (max_width, max(1, round(picture.height * max_width / picture.width)))
            picture = picture.resize(size, Image.Resampling.LANCZOS)
        options: dict[str, object] = {"optimize": True}
        if icc_profile:
            options["icc_profile"] = icc_profile
        picture.info = {}  # Pillow would write a JPEG's comment again from here
        out = io.BytesIO()
        if kind == "PNG":
            if transparency is not None:
                options["transparency"] = transparency
            picture.save(out, format="PNG", **options)
        else:
            picture.save(out, format="JPEG", quality=JPEG_QUALITY, **options)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
        raise PictureError(f"not a picture that can be published: {error}") from error
    return out.getvalue(), picture.width, picture.height


def has_metadata(picture: Image.Image) -> bool:
    """Whether the picture says anything about itself: EXIF, XMP, comments or PNG text."""
    if any(key in picture.info for key in METADATA) or picture.getexif():
        return True
    return picture.format == "PNG" and any(key not in PNG_DISPLAY for key in picture.info)


def render_png(data: bytes) -> bytes | None:
    """A picture in a format browsers may not show (a Word document's EMF, TIFF...) as PNG;
    None when Pillow cannot read it."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            out = io.BytesIO()
            image.save(out, "PNG")
    except (UnidentifiedImageError, OSError, ValueError):
        return None
    return out.getvalue()


def render_favicon(png: bytes) -> bytes:
    """An ICO of the site's logo: browsers ask for /favicon.ico when showing a feed's XML."""
    with Image.open(io.BytesIO(png)) as image:
        icon = image.convert("RGBA")
        out = io.BytesIO()
        icon.save(out, format="ICO", sizes=[(16, 16), (32, 32), (48, 48)])
        return out.getvalue()
