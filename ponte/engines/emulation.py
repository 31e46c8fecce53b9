"""What every engine emulator needs: QR code images and WhatsApp's ninth-digit lookup."""

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
    side = modules * scale
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"tEXt", f"Comment\x00{label} {seed}".encode())
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
