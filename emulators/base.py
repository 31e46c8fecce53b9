"""What every engine emulator needs: QR codes, profile pictures, the ninth-digit lookup."""

import random
import struct
import zlib


def qr_png(seed: str | int, label: str = "ponte emulator qr", modules: int = 25,
           scale: int = 4) -> bytes:
    """A small valid PNG that differs for every seed (a QR-like pattern, not a real QR).

    The seed is in the pixels and in a tEXt chunk, so two codes never share bytes.
    """
    rng = random.Random(str(seed))
    grid = [[rng.random() < 0.5 for _ in range(modules)] for _ in range(modules)]
    for top, left in ((0, 0), (0, modules - 7), (modules - 7, 0)):
        for row in range(7):
            for col in range(7):
                grid[top + row][left + col] = max(abs(row - 3), abs(col - 3)) != 2
    rows = bytearray()
    for cells in grid:
        line = bytes(0 if dark else 255 for dark in cells for _ in range(scale))
        for _ in range(scale):
            rows += b"\x00" + line
    return _png(modules * scale, GREY, rows, comment=f"{label} {seed}")


def portrait_png(seed: str, side: int = 64) -> bytes:
    """A made-up profile picture: a head and shoulders on a colour that differs per seed."""
    rng = random.Random(seed)
    background = bytes(rng.randrange(60, 200) for _ in range(3))
    figure = bytes(235 for _ in range(3))
    head, head_radius = (side / 2, side * 0.38), side * 0.19
    shoulders, (wide, tall) = (side / 2, side * 1.0), (side * 0.38, side * 0.32)
    rows = bytearray()
    for y in range(side):
        rows += b"\x00"
        for x in range(side):
            in_head = (x - head[0]) ** 2 + (y - head[1]) ** 2 <= head_radius ** 2
            in_body = ((x - shoulders[0]) / wide) ** 2 + ((y - shoulders[1]) / tall) ** 2 <= 1
            rows += figure if in_head or in_body else background
    return _png(side, RGB, rows)


GREY, RGB = 0, 2  # PNG colour types


def _png(side: int, colour: int, rows: bytes, comment: str = "") -> bytes:
    """A square 8-bit PNG from unfiltered rows (each starting with filter byte 0)."""
    header = struct.pack(">IIBBBBB", side, side, 8, colour, 0, 0, 0)
    text = _chunk(b"tEXt", f"Comment\x00{comment}".encode()) if comment else b""
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + text
            + _chunk(b"IDAT", zlib.compress(bytes(rows))) + _chunk(b"IEND", b""))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def ninth_digit_twins(digits: str) -> list[str]:
    """The other form of a Brazilian mobile, as WhatsApp's own lookup finds it."""
    if not digits.startswith("55"):
        return []
    if len(digits) == 13 and digits[4] == "9":
        return [digits[:4] + digits[5:]]
    if len(digits) == 12 and digits[4] in "6789":
        return [digits[:4] + "9" + digits[4:]]
    return []
