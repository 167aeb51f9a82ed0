#!/usr/bin/env python3
"""Writes a labelled test-pattern image, for machines with no camera; needs only Python's stdlib.

Usage: testpattern.py OUTPUT [WIDTHxHEIGHT]  (JPEG when OUTPUT ends in .jpg and Pillow is installed, else PNG)
"""

import re
import struct
import sys
import time
import zlib

DEFAULT_SIZE = (640, 480)
MAX_SIDE = 8192
BARS = [(235, 235, 235), (235, 235, 16), (16, 235, 235), (16, 235, 16),
        (235, 16, 235), (235, 16, 16), (16, 16, 235)]
BAND = (40, 36, 32)
INK = (255, 255, 255)
FONT = {  # 5×7 glyphs, one row of five bits each
    "A": "01110 10001 10001 11111 10001 10001 10001", "B": "11110 10001 10001 11110 10001 10001 11110",
    "C": "01110 10001 10000 10000 10000 10001 01110", "D": "11110 10001 10001 10001 10001 10001 11110",
    "E": "11111 10000 10000 11110 10000 10000 11111", "F": "11111 10000 10000 11110 10000 10000 10000",
    "H": "10001 10001 10001 11111 10001 10001 10001", "M": "10001 11011 10101 10101 10001 10001 10001",
    "N": "10001 11001 10101 10011 10001 10001 10001", "O": "01110 10001 10001 10001 10001 10001 01110",
    "P": "11110 10001 10001 11110 10000 10000 10000", "R": "11110 10001 10001 11110 10100 10010 10001",
    "S": "01111 10000 10000 01110 00001 00001 11110", "T": "11111 00100 00100 00100 00100 00100 00100",
    "U": "10001 10001 10001 10001 10001 10001 01110", "0": "01110 10001 10011 10101 11001 10001 01110",
    "1": "00100 01100 00100 00100 00100 00100 01110", "2": "01110 10001 00001 00010 00100 01000 11111",
    "3": "11111 00010 00100 00010 00001 10001 01110", "4": "00010 00110 01010 10010 11111 00010 00010",
    "5": "11111 10000 11110 00001 00001 10001 01110", "6": "00110 01000 10000 11110 10001 10001 01110",
    "7": "11111 00001 00010 00100 01000 01000 01000", "8": "01110 10001 10001 01110 10001 10001 01110",
    "9": "01110 10001 10001 01111 00001 00010 01100", "-": "00000 00000 00000 11111 00000 00000 00000",
    ":": "00000 01100 01100 00000 01100 01100 00000", " ": "00000 00000 00000 00000 00000 00000 00000",
}


def text_rows(text, scale):
    """Pixel rows (lists of booleans) of `text` drawn in the 5×7 font, `scale` times larger."""
    glyphs = [FONT.get(ch, FONT[" "]).split() for ch in text.upper()]
    rows = []
    for line in range(7):
        pixels = []
        for glyph in glyphs:
            pixels += [bit == "1" for bit in glyph[line] + "0"]
        rows += [[p for p in pixels for _ in range(scale)]] * scale
    return rows


def pattern(lines, width, height):
    scale = max(1, min(width // 160, height // 90))
    bar_width = width // len(BARS) + 1
    bar_row = b"".join(bytes(color) * bar_width for color in BARS)[:width * 3]
    rows = [bar_row] * (height * 3 // 5)
    while len(rows) < height:
        rows.append(bytes(BAND) * width)
    y = height * 3 // 5 + 3 * scale
    for text in lines:
        for pixels in text_rows(text, scale):
            if y >= height:
                return rows
            left = max(0, (width - len(pixels)) // 2)
            row = bytearray(rows[y])
            for x, on in enumerate(pixels[:width - left]):
                if on:
                    row[(left + x) * 3:(left + x) * 3 + 3] = bytes(INK)
            rows[y] = bytes(row)
            y += 1
        y += scale * 3
    return rows


def png(rows, width, height):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + row for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6))
            + chunk(b"IEND", b""))


def main(argv):
    size = _size(argv[2]) if len(argv) == 3 else DEFAULT_SIZE
    if len(argv) not in (2, 3) or size is None:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    output = argv[1]
    stamp = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    data = png(pattern(["HAMBOT TEST PATTERN", "NO CAMERA FOUND", stamp], *size), *size)
    with open(output, "wb") as out:
        out.write(data)
    if output.lower().endswith((".jpg", ".jpeg")):
        try:
            from PIL import Image
        except ImportError:
            return 0  # a PNG under a .jpg name; image viewers and hambot read it all the same
        with Image.open(output) as image:
            image.load()
            image.save(output, "JPEG", quality=85)
    return 0


def _size(text):
    match = re.fullmatch(r"([0-9]{1,5})x([0-9]{1,5})", text)
    if not match:
        return None
    width, height = int(match.group(1)), int(match.group(2))
    return (width, height) if 16 <= width <= MAX_SIDE and 16 <= height <= MAX_SIDE else None


if __name__ == "__main__":
    sys.exit(main(sys.argv))
