"""What a photo file really is, from its first bytes: a picture Anki shows on every device, or what
was saved under a picture's name instead (a web page, a PDF, an iPhone HEIC photo)."""

from __future__ import annotations

# A person's photo on a card needs no more; bigger ones make every phone's sync slower.
PHOTO_WARN_BYTES = 1_000_000
IMAGE_KINDS = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".gif": "gif", ".webp": "webp", ".svg": "svg"}
_KIND_NAMES = {"png": ("a PNG picture", ".png"), "jpeg": ("a JPEG picture", ".jpg"), "gif": ("a GIF picture", ".gif"),
               "webp": ("a WebP picture", ".webp"), "svg": ("an SVG picture", ".svg")}


HEIC = "a HEIC photo (the iPhone's own format), which Anki cannot show on every device"

_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff", "jpeg"), (b"GIF87a", "gif"), (b"GIF89a", "gif"),
    (b"%PDF", "a PDF document"), (b"PK\x03\x04", "a zip archive (or a Word or PowerPoint file)"),
    (b"BM", "a BMP picture, which Anki cannot show on every device"),
    (b"II*\x00", "a TIFF picture, which Anki cannot show on every device"),
    (b"MM\x00*", "a TIFF picture, which Anki cannot show on every device"),
)


def sniff(head: bytes) -> str:
    """What a file is, from its first bytes: an image kind, or a name for what it is instead.

    By hand rather than with a library: the five kinds Anki shows on every device, plus the
    handful of wrong files people save under a picture's name (a web page, a PDF, an iPhone
    HEIC photo), each named in the message; SVG and HTML are text, which magic-number
    libraries such as filetype do not recognise."""
    for signature, kind in _SIGNATURES:
        if head.startswith(signature):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp":  # ISO media: its brand says which
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1"):
            return HEIC
        if brand in (b"avif", b"avis"):
            return "an AVIF picture, which Anki cannot show on every device"
        return "a video or sound file (MP4)"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if b"<svg" in text and not text.startswith((b"<!doctype html", b"<html")):
        return "svg"
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<meta", b"<!--")) or b"<html" in text[:1000]:
        return "a web page (HTML), saved from the browser instead of the picture itself"
    return "not a picture"


def photo_problem(head: bytes, size: int, suffix: str) -> str | None:
    """Why a photo file cannot go on a card (empty, not a picture, or a name that does not
    match what it is), or None."""
    if size == 0:
        return "is an empty file (0 bytes): save the picture again"
    kind = sniff(head)
    if kind in _KIND_NAMES:
        if IMAGE_KINDS[suffix] == kind:
            return None
        name, right = _KIND_NAMES[kind]
        return f"is {name} with a {suffix} name: rename the file to end in {right}, so every device knows what it is"
    if kind == "not a picture":
        return "is not a picture (its content is not PNG, JPEG, GIF, WebP or SVG): save the picture itself again"
    fix = ("save the picture itself (in the browser: right-click it, then Save image as)" if "web page" in kind
           else "save or export it as a JPEG or PNG picture")
    return f"is not a picture Anki shows: it is {kind}; {fix}"
