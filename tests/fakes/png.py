"""Small but real PNG images (stdlib only), coloured by their prompt so tests tell them apart."""

from __future__ import annotations

import hashlib
import struct
import zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def colour_for(text: str) -> tuple[int, int, int]:
    """A stable RGB colour for a piece of text."""
    digest = hashlib.sha256(text.encode()).digest()
    return digest[0], digest[1], digest[2]


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def solid_png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A width x height 8-bit RGB PNG of one colour (compresses to a few hundred bytes)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    row = b"\x00" + bytes(rgb) * width  # filter type 0, then the pixels
    pixels = zlib.compress(row * height, 6)
    return SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", pixels) + _chunk(b"IEND", b"")


def render(prompt: str, width: int = 64, height: int = 64) -> bytes:
    """What a fake image generator draws for a prompt."""
    return solid_png(width, height, colour_for(prompt))


def read_png(data: bytes) -> tuple[int, int, tuple[int, int, int]]:
    """Width, height and top-left colour of a PNG made by `solid_png`; checks every CRC."""
    if not data.startswith(SIGNATURE):
        raise ValueError("not a PNG")
    pos, chunks = len(SIGNATURE), {}
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        if zlib.crc32(kind + body) & 0xFFFFFFFF != crc:
            raise ValueError(f"bad CRC in {kind!r}")
        chunks[kind] = chunks.get(kind, b"") + body
        pos += 12 + length
    width, height = struct.unpack(">II", chunks[b"IHDR"][:8])
    pixels = zlib.decompress(chunks[b"IDAT"])
    return width, height, (pixels[1], pixels[2], pixels[3])
