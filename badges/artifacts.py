"""Files made from an issued award: the baked PNG, the PDF certificate and the QR code."""

from __future__ import annotations

import io
import struct
import zlib
from functools import lru_cache
from typing import Any

import segno
from django.utils import translation
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw

from badges.models import Award
from lms.formatting import format_date

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ITXT_KEYWORD = "openbadgecredential"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    if not png.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG file")
    chunks, offset = [], len(PNG_SIGNATURE)
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        kind = png[offset + 4 : offset + 8]
        chunks.append((kind, png[offset + 8 : offset + 8 + length]))
        offset += 12 + length
    return chunks


def bake_png(png: bytes, credential_json: str) -> bytes:
    """The PNG with the credential in an uncompressed iTXt chunk `openbadgecredential`, before IEND.

    Any earlier baked credential (ours or an Open Badges 2.0 `openbadges` one) is removed first.
    """
    itxt = ITXT_KEYWORD.encode("latin-1") + b"\0" + b"\0\0" + b"\0" + b"\0" + credential_json.encode("utf-8")
    out = [PNG_SIGNATURE]
    for kind, data in _chunks(png):
        if kind == b"iTXt" and data.split(b"\0", 1)[0] in (b"openbadgecredential", b"openbadges"):
            continue
        if kind == b"IEND":
            out.append(_chunk(b"iTXt", itxt))
        out.append(_chunk(kind, data))
    return b"".join(out)


def unbake_png(png: bytes) -> str | None:
    """The credential JSON text baked into a PNG, or None."""
    for kind, data in _chunks(png):
        if kind != b"iTXt":
            continue
        keyword, _, rest = data.partition(b"\0")
        if keyword != ITXT_KEYWORD.encode("latin-1"):
            continue
        compressed, _method, rest = rest[0], rest[1], rest[2:]
        _language, _, rest = rest.partition(b"\0")
        _translated, _, text = rest.partition(b"\0")
        return (zlib.decompress(text) if compressed else text).decode("utf-8")
    return None


def badge_png(award: Award) -> bytes:
    """The badge's own image as PNG, or a plain drawn badge when the achievement has none."""
    image = award.badge_class.image
    if image is not None:
        rendition = image.get_rendition("fill-400x400|format-png")
        with rendition.file.open("rb") as file:
            return file.read()
    canvas = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    draw = ImageDraw.Draw(canvas)
    draw.ellipse((10, 10, 390, 390), fill=(22, 78, 99, 255), outline=(250, 204, 21, 255), width=12)
    name = award.badge_class.text(award.learner.language_or_default).name
    initials = "".join(word[0] for word in name.split()[:3]).upper()
    draw.text((200, 200), initials, fill=(255, 255, 255, 255), anchor="mm", font_size=110)
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG")
    return buffer.getvalue()


def baked_badge(award: Award) -> bytes:
    return bake_png(badge_png(award), award.credential_json)


# The QR code's data mask, fixed. Letting segno choose applies all eight masks and scores each with the standard's
# penalty rules: 5 of the 6 ms a code took, the most of a verification page for a credential never shown before
# (bench: `verification_page_cold`). The mask is written in the code's format information, which every reader
# decodes first, so any of the eight reads; the score only avoids blotches and finder-like patterns, which a short
# URL's bytes (interleaved with their error correction) rarely make. Mask 2 flips every third column.
QR_MASK = 2


@lru_cache(maxsize=512)
def qr_svg(url: str, *, title: str) -> str:
    """An inline SVG QR code (no style attributes), sized by CSS.

    A pure function of its arguments, memoised: a credential's URL never changes.
    """
    return segno.make(url, error="m", mask=QR_MASK).svg_inline(scale=4, svgclass="qr-code", omitsize=True, title=title)


def certificate_pdf(award: Award, *, learner_name: str) -> bytes:
    """A one-page landscape certificate with the validation code and a QR code to the verification page, in the
    learner's language (the badge's name too, when the badge has that wording)."""
    language = award.learner.language_or_default
    with translation.override(language):
        return _certificate_pdf(award, learner_name=learner_name, language=language)


def _certificate_pdf(award: Award, *, learner_name: str, language: str) -> bytes:
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfgen import canvas

    badge = award.badge_class
    badge_name = badge.text(language).name
    width, height = landscape(A4)
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(width, height))
    pdf.setTitle(f"{badge_name} · {award.code}")
    pdf.setAuthor(badge.issuer.name)
    pdf.setStrokeColorRGB(0.09, 0.31, 0.39)
    pdf.setLineWidth(6)
    pdf.rect(24, 24, width - 48, height - 48)
    pdf.setFont("Helvetica", 14)
    pdf.drawCentredString(width / 2, height - 110, _("Certificate of achievement"))
    pdf.setFont("Helvetica-Bold", 30)
    pdf.drawCentredString(width / 2, height - 170, badge_name)
    pdf.setFont("Helvetica", 14)
    pdf.drawCentredString(width / 2, height - 215, _("awarded to"))
    pdf.setFont("Helvetica-Bold", 22)
    pdf.drawCentredString(width / 2, height - 250, learner_name)
    pdf.setFont("Helvetica", 13)
    issued = format_date(award.awarded_at, language=language)
    pdf.drawCentredString(
        width / 2, height - 290, _("by %(issuer)s on %(date)s") % {"issuer": badge.issuer.name, "date": issued}
    )
    if award.valid_until:
        until = format_date(award.valid_until, language=language)
        pdf.drawCentredString(width / 2, height - 310, _("Valid until %(date)s") % {"date": until})
    pdf.setFont("Helvetica", 11)
    pdf.drawString(60, 90, _("Validation code: %(code)s") % {"code": award.code})
    pdf.drawString(60, 72, _("Verify at %(url)s") % {"url": award.url})
    widget = QrCodeWidget(award.url)
    x0, y0, x1, y1 = widget.getBounds()
    size = 110
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, pdf, width - 60 - size, 50)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def png_credential(data: bytes) -> dict[str, Any] | None:
    import json

    text = unbake_png(data)
    return json.loads(text) if text else None
