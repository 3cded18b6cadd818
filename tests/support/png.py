"""A small PNG reader: enough to tell a screenshot from a blank page, with no imaging library.

Reads 8-bit greyscale, RGB and RGBA images without interlacing (what Chromium writes) and
reports how much the pixels vary.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}  # colour type -> samples per pixel


@dataclass(frozen=True)
class Image:
    width: int
    height: int
    channels: int
    rows: list[bytes]  # unfiltered, `width * channels` bytes each

    def luminance_stats(self, step: int = 4) -> tuple[float, float, int]:
        """(mean, variance, distinct colours) of every `step`-th pixel of every `step`-th row."""
        values: list[float] = []
        colours: set[bytes] = set()
        stride = self.channels * step
        for row in self.rows[::step]:
            for start in range(0, len(row), stride):
                pixel = row[start : start + self.channels]
                colours.add(pixel)
                if self.channels >= 3:
                    values.append(0.299 * pixel[0] + 0.587 * pixel[1] + 0.114 * pixel[2])
                else:
                    values.append(float(pixel[0]))
        mean = sum(values) / len(values)
        variance = sum((value - mean) ** 2 for value in values) / len(values)
        return mean, variance, len(colours)


def read_png(data: bytes) -> Image:
    if not data.startswith(SIGNATURE):
        raise ValueError("not a PNG file")
    position, compressed = len(SIGNATURE), bytearray()
    header: tuple[int, ...] = ()
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        position += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            compressed += body
        elif kind == b"IEND":
            break
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in CHANNELS or interlace:
        raise ValueError(f"unsupported PNG: depth {depth}, colour {colour}, interlace {interlace}")
    channels = CHANNELS[colour]
    raw = zlib.decompress(bytes(compressed))
    size = width * channels
    rows: list[bytes] = []
    previous = bytes(size)
    for index in range(height):
        start = index * (size + 1)
        filtered = bytearray(raw[start + 1 : start + 1 + size])
        row = _unfilter(raw[start], filtered, previous, channels)
        rows.append(row)
        previous = row
    return Image(width, height, channels, rows)


def _unfilter(kind: int, row: bytearray, previous: bytes, bpp: int) -> bytes:
    if kind == 0:
        return bytes(row)
    if kind == 2:  # up: a fast path, the commonest filter in screenshots
        return bytes((a + b) & 0xFF for a, b in zip(row, previous, strict=True))
    for i in range(len(row)):
        left = row[i - bpp] if i >= bpp else 0
        up = previous[i]
        if kind == 1:
            row[i] = (row[i] + left) & 0xFF
        elif kind == 3:
            row[i] = (row[i] + (left + up) // 2) & 0xFF
        elif kind == 4:
            corner = previous[i - bpp] if i >= bpp else 0
            estimate = left + up - corner
            distances = abs(estimate - left), abs(estimate - up), abs(estimate - corner)
            if distances[0] <= distances[1] and distances[0] <= distances[2]:
                row[i] = (row[i] + left) & 0xFF
            elif distances[1] <= distances[2]:
                row[i] = (row[i] + up) & 0xFF
            else:
                row[i] = (row[i] + corner) & 0xFF
        else:
            raise ValueError(f"unknown PNG filter {kind}")
    return bytes(row)
