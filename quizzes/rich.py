"""Question text with formatting: the sanitised HTML a question imported from Moodle keeps, and the
pictures it shows, held as assets named by the SHA-256 of their bytes.

A question's `data["stem_html"]` (optional) is what trainees see; its plain `stem` stays the text
lists, search and exports to plain formats use. Only harmless formatting is kept (paragraphs,
emphasis, lists, tables, code, links to web pages) and a picture may only point at an asset
(`<img src="asset:<sha256>">`): scripts, styles, event handlers and images from other sites never
get through. The web app turns `asset:` into the URL that serves the picture.
"""
from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass

import nh3

TAGS = {"p", "br", "strong", "b", "em", "i", "u", "sub", "sup", "ul", "ol", "li", "code", "pre", "blockquote",
        "table", "thead", "tbody", "tr", "th", "td", "a", "img", "h3", "h4", "span", "div"}
ATTRIBUTES = {"a": {"href"}, "img": {"src", "alt", "width", "height"}, "td": {"colspan", "rowspan"},
              "th": {"colspan", "rowspan"}}
ASSET_SRC = re.compile(r"^asset:([0-9a-f]{64})$")
_ASSET_REF = re.compile(r"""src="asset:([0-9a-f]{64})\"""")
_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_ALT = re.compile(r"""\balt="([^"]*)\"""")
_BLOCK_END = re.compile(r"</(p|li|tr|h3|h4|div|pre|blockquote)>|<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
MAX_ASSET_BYTES = 2 * 1024 * 1024
MAX_HTML = 20_000
# the picture formats every browser shows and none can carry a script (SVG can: it is refused)
_MAGIC = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"GIF87a", "image/gif"),
          (b"GIF89a", "image/gif"))
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}


@dataclass(frozen=True)
class Asset:
    """A picture a question shows: its bytes, what they are, and the name it came with."""

    sha256: str
    content_type: str
    data: bytes
    name: str = ""

    @property
    def file_name(self) -> str:
        """The name it is exported under: stable, so an export imported again finds the same asset."""
        return f"{self.sha256[:16]}.{EXTENSIONS[self.content_type]}"


def image_type(data: bytes) -> str | None:
    """The picture's media type read from its first bytes (never from its name), or None."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def make_asset(data: bytes, name: str) -> tuple[Asset | None, str | None]:
    """The asset for a picture's bytes, or why it cannot be one (in words for the person importing)."""
    if not data:
        return None, f"the picture {name!r} is empty"
    if len(data) > MAX_ASSET_BYTES:
        return None, f"the picture {name!r} is larger than {MAX_ASSET_BYTES // (1024 * 1024)} MiB"
    kind = image_type(data)
    if kind is None:
        what = "an SVG drawing (it can carry scripts)" if b"<svg" in data[:1024].lower() else "not a PNG, JPEG, GIF or WebP picture"
        return None, f"the picture {name!r} is {what}; export it as PNG or JPEG"
    return Asset(hashlib.sha256(data).hexdigest(), kind, data, name), None


def _keep(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        return value if ASSET_SRC.match(value) else None
    if tag == "a" and attribute == "href":
        return value if re.match(r"^(https?:|mailto:)", value, re.IGNORECASE) else None
    if attribute in ("width", "height", "colspan", "rowspan"):
        return value if value.isdigit() and 0 < int(value) <= 2000 else None
    return value


def sanitise(markup: str) -> str:
    """The markup with only harmless formatting left; a picture without an asset source goes whole."""
    cleaned = nh3.clean(markup, tags=TAGS, attributes=ATTRIBUTES, attribute_filter=_keep,
                        clean_content_tags={"script", "style"}, url_schemes={"http", "https", "mailto", "asset"},
                        link_rel="noopener noreferrer")
    return _IMG.sub(lambda m: m.group(0) if 'src="asset:' in m.group(0) else "", cleaned).strip()


def plain_text(markup: str) -> str:
    """What the formatted text says, as one line of plain text (a picture reads as its alt text)."""
    text = _IMG.sub(lambda m: f" [picture{': ' + html.unescape(a.group(1)) if (a := _ALT.search(m.group(0))) and a.group(1) else ''}] ",
                    markup)
    text = _BLOCK_END.sub(" ", text)
    return " ".join(html.unescape(_TAG.sub("", text)).split())


def asset_refs(markup: str) -> list[str]:
    """The SHA-256 of every picture the markup shows, in order, each once."""
    return list(dict.fromkeys(_ASSET_REF.findall(markup)))


def has_formatting(markup: str) -> bool:
    """Does the sanitised markup say more than its plain text (emphasis, a list, a picture…)? A text
    that is only paragraphs is kept as plain text."""
    return bool(re.search(r"<(?!/?(p|br|span|div)\b)[a-z]", markup, re.IGNORECASE))
