"""Pictures: scaled down, stripped of metadata, and sized in every email client."""

from __future__ import annotations

import io
import re
from pathlib import Path

from PIL import ExifTags, Image, PngImagePlugin

from bulletin.outputs.email.newsletter import CONTENT_WIDTH
from bulletin.outputs.pictures import MAX_WIDTH, render_picture
from conftest import replace_in, run_bulletin

ISSUE = "newsletters/tasp-newsletter-october-2019.md"
IMG = re.compile(r"<img\b[^>]*>")


def jpeg_with_gps(size: tuple[int, int] = (4000, 3000), orientation: int = 1) -> bytes:
    """A phone's photo: wide, with the place it was taken in its EXIF, and a comment."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Phone"
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (51.0, 30.0, 0.0),
    }
    out = io.BytesIO()
    Image.new("RGB", size, (40, 90, 160)).save(out, "JPEG", exif=exif, comment=b"at home")
    return out.getvalue()


def png(size: tuple[int, int], text: str = "") -> bytes:
    info = PngImagePlugin.PngInfo()
    if text:
        info.add_text("Author", text)
    out = io.BytesIO()
    Image.new("RGBA", size, (200, 30, 30, 128)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def assert_no_metadata(data: bytes) -> None:
    picture = Image.open(io.BytesIO(data))
    assert not picture.getexif()
    assert not {"exif", "comment", "xmp", "Author"} & set(picture.info)


def test_a_wide_photo_is_scaled_down_and_loses_its_exif() -> None:
    data, width, height = render_picture(jpeg_with_gps())
    assert (width, height) == (MAX_WIDTH, 900)
    picture = Image.open(io.BytesIO(data))
    assert (picture.format, picture.size) == ("JPEG", (width, height))
    assert_no_metadata(data)


def test_a_photo_is_turned_upright_before_its_orientation_is_dropped() -> None:
    data, width, height = render_picture(jpeg_with_gps((400, 300), orientation=6))
    assert (width, height) == (300, 400)
    assert Image.open(io.BytesIO(data)).size == (300, 400)
    assert_no_metadata(data)


def test_a_narrow_photo_with_metadata_keeps_its_size() -> None:
    data, width, height = render_picture(jpeg_with_gps((800, 600)))
    assert (width, height) == (800, 600)
    assert_no_metadata(data)


def test_a_png_is_scaled_losslessly_and_loses_its_text() -> None:
    data, width, height = render_picture(png((2400, 1000), text="Alison"))
    assert (width, height) == (1200, 500)
    picture = Image.open(io.BytesIO(data))
    assert (picture.format, picture.mode) == ("PNG", "RGBA")
    assert_no_metadata(data)
    original = png((300, 200), text="Alison")
    data, _, _ = render_picture(original)
    assert data != original
    assert_no_metadata(data)
    pixels = Image.open(io.BytesIO(original)).tobytes()
    assert Image.open(io.BytesIO(data)).tobytes() == pixels


def test_a_small_clean_picture_keeps_its_bytes() -> None:
    for original in (png((300, 200)), Path("content/assets/logo.png").read_bytes()):
        data, width, height = render_picture(original)
        assert data == original
        assert (width, height) == Image.open(io.BytesIO(original)).size


def test_the_same_picture_gives_the_same_bytes() -> None:
    original = jpeg_with_gps()
    assert render_picture(original) == render_picture(original)
    assert render_picture(png((2400, 1000), "x")) == render_picture(png((2400, 1000), "x"))


def test_a_built_site_publishes_the_photo_scaled_and_stripped_and_sizes_every_email_picture(
    scratch_site: Path,
) -> None:
    original = jpeg_with_gps()
    photo = scratch_site / "content/assets/photos/visit.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(original)
    replace_in(
        scratch_site / ISSUE,
        "A very warm welcome to each of them.",
        "![Members at the autumn meeting](../../assets/photos/visit.jpg)\n\n"
        "A very warm welcome to each of them.",
    )
    replace_in(
        scratch_site / ISSUE,
        "- Wakefield\n",
        "- Wakefield\n\n![Wakefield's team](../../assets/photos/visit.jpg)\n\n",
    )
    result = run_bulletin(scratch_site, "build")
    assert result.returncode == 0, result.stderr

    published = scratch_site / "build/site/assets/photos/visit.jpg"
    picture = Image.open(published)
    assert picture.size == (MAX_WIDTH, 900)
    assert not picture.getexif()
    assert "exif" not in picture.info and "comment" not in picture.info
    assert photo.read_bytes() == original
    logo = scratch_site / "build/site/assets/logo.png"
    assert logo.read_bytes() == (scratch_site / "content/assets/logo.png").read_bytes()

    emails = sorted((scratch_site / "build/email").glob("*.html"))
    assert emails
    widths = []
    for email in emails:
        for tag in IMG.findall(email.read_text("utf-8")):
            width = re.search(r'\swidth="(\d+)"', tag)
            height = re.search(r'\sheight="(\d+)"', tag)
            assert width and height, tag
            widths.append(int(width[1]))
            assert int(width[1]) <= CONTENT_WIDTH, tag
            if "visit.jpg" in tag:
                assert "https://news.tasp.example.org/assets/photos/visit.jpg" in tag
                assert abs(int(height[1]) - int(width[1]) * 3 / 4) <= 1, tag
            else:
                assert (int(width[1]), int(height[1])) == (144, 144), tag  # the logo
    assert sorted(widths) == [144, 508, 552]  # the logo, the picture in a box, in the column
