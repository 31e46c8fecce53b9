"""Voice notes as WhatsApp wants them: Ogg/Opus, remuxed from a browser's WebM/Opus.

Chromium's MediaRecorder records `audio/webm;codecs=opus`; a WhatsApp voice note must be
Ogg/Opus. Both hold the same Opus packets, so the packets are moved from one container
to the other without decoding (docs/decisions.md): the WebM side reads the narrow part of
Matroska that recorders write (one Opus track, SimpleBlocks or BlockGroups without
lacing, Segments and Clusters of unknown size), the Ogg side writes RFC 7845's pages.
"""

import struct
import zlib
from dataclasses import dataclass

EBML = 0x1A45DFA3
SEGMENT = 0x18538067
CLUSTER = 0x1F43B675
TRACKS = 0x1654AE6B
TRACK_ENTRY = 0xAE
TRACK_NUMBER = 0xD7
TRACK_TYPE = 0x83
CODEC_ID = 0x86
CODEC_PRIVATE = 0x63A2
CODEC_DELAY = 0x56AA
SIMPLE_BLOCK = 0xA3
BLOCK_GROUP = 0xA0
BLOCK = 0xA1
DISCARD_PADDING = 0x75A2
AUDIO_TRACK = 2
# Elements whose children are read in place, whatever their size says (recorders leave
# the Segment's and each Cluster's size unknown while they stream).
ENTERED = {SEGMENT, CLUSTER}
MAX_PAGE_SAMPLES = 48_000  # about a second of audio per Ogg page, as opus-tools write
VENDOR = b"Ponte"


class NotOpus(ValueError):
    """Bytes that are not an Opus recording this module can rewrap."""


def is_ogg_opus(data: bytes) -> bool:
    """An Ogg stream whose first packet is an Opus identification header."""
    return data[:4] == b"OggS" and len(data) > 36 and data[28:36] == b"OpusHead"


def is_webm(data: bytes) -> bool:
    return data[:4] == EBML.to_bytes(4, "big") and b"webm" in data[:64]


def webm_to_ogg_opus(data: bytes) -> bytes:
    """The WebM recording's Opus packets in an Ogg/Opus file; raises NotOpus otherwise."""
    track = _read_webm(data)
    return _write_ogg(track)


# -- WebM (Matroska) -----------------------------------------------------------------


@dataclass
class _OpusTrack:
    number: int | None = None
    head: bytes = b""
    codec_delay_ns: int = 0
    discard_ns: int = 0  # samples to drop from the end, as the last block says
    packets: list[bytes] | None = None


def _vint(data: bytes, at: int, *, keep_marker: bool) -> tuple[int, int, bool]:
    """A variable-length integer: its value, where it ends, and whether it means 'unknown'."""
    if at >= len(data):
        raise NotOpus("the file ends inside an element")
    first = data[at]
    length = 9 - first.bit_length() if first else 9
    if length > 8 or at + length > len(data):
        raise NotOpus("a malformed element header")
    value = first if keep_marker else first & (0xFF >> length)
    for byte in data[at + 1:at + length]:
        value = value << 8 | byte
    unknown = not keep_marker and value == (1 << (7 * length)) - 1
    return value, at + length, unknown


def _elements(data: bytes, start: int, end: int):
    """(id, payload start, payload end) of each element in data[start:end], entering
    Segments and Clusters instead of skipping them."""
    at = start
    while at < end:
        element, at, _ = _vint(data, at, keep_marker=True)
        size, at, unknown = _vint(data, at, keep_marker=False)
        if element in ENTERED:
            continue  # its children follow at once, up to the next Cluster or the end
        if unknown:
            raise NotOpus("an element of unknown size where recorders write none")
        if at + size > end:
            if element in (SIMPLE_BLOCK, BLOCK_GROUP):
                return  # a recording cut short: keep what came whole
            raise NotOpus("an element runs past the end of the file")
        yield element, at, at + size
        at += size


def _uint(data: bytes) -> int:
    return int.from_bytes(data, "big") if data else 0


def _read_webm(data: bytes) -> _OpusTrack:
    if not is_webm(data):
        raise NotOpus("not a WebM file")
    track = _OpusTrack(packets=[])
    for element, start, end in _elements(data, 0, len(data)):
        if element == TRACKS and track.number is None:
            _read_tracks(data, start, end, track)
        elif element == SIMPLE_BLOCK:
            _read_block(data[start:end], track)
        elif element == BLOCK_GROUP:
            for child, child_start, child_end in _elements(data, start, end):
                if child == BLOCK:
                    _read_block(data[child_start:child_end], track)
                elif child == DISCARD_PADDING:
                    track.discard_ns = int.from_bytes(data[child_start:child_end], "big",
                                                      signed=True)
    if track.number is None:
        raise NotOpus("no Opus audio track")
    if not track.packets:
        raise NotOpus("the recording holds no audio")
    return track


def _read_tracks(data: bytes, start: int, end: int, track: _OpusTrack) -> None:
    for element, entry_start, entry_end in _elements(data, start, end):
        if element != TRACK_ENTRY:
            continue
        fields = {child: data[s:e] for child, s, e in _elements(data, entry_start, entry_end)}
        if _uint(fields.get(TRACK_TYPE, b"")) == AUDIO_TRACK \
                and fields.get(CODEC_ID) == b"A_OPUS":
            head = fields.get(CODEC_PRIVATE, b"")
            if len(head) < 19 or head[:8] != b"OpusHead":
                raise NotOpus("the Opus track has no identification header")
            track.number = _uint(fields.get(TRACK_NUMBER, b""))
            track.head = head
            track.codec_delay_ns = _uint(fields.get(CODEC_DELAY, b""))
            return


def _read_block(block: bytes, track: _OpusTrack) -> None:
    number, at, _ = _vint(block, 0, keep_marker=False)
    if number != track.number or track.number is None:
        return
    if len(block) < at + 3:
        raise NotOpus("a block too short to hold audio")
    flags = block[at + 2]
    if flags & 0x06:
        raise NotOpus("laced blocks, which recorders do not write")
    packet = block[at + 3:]
    if packet:
        track.packets.append(packet)


# -- Ogg -----------------------------------------------------------------------------


def samples_of(packet: bytes) -> int:
    """How many 48 kHz samples an Opus packet holds, read from its TOC byte (RFC 6716 3.1)."""
    config = packet[0] >> 3
    if config < 12:  # SILK: 10, 20, 40, 60 ms
        frame = (480, 960, 1920, 2880)[config % 4]
    elif config < 16:  # hybrid: 10, 20 ms
        frame = (480, 960)[config % 2]
    else:  # CELT: 2.5, 5, 10, 20 ms
        frame = (120, 240, 480, 960)[config % 4]
    code = packet[0] & 0x03
    if code == 0:
        frames = 1
    elif code in (1, 2):
        frames = 2
    else:
        if len(packet) < 2:
            raise NotOpus("an Opus packet cut short")
        frames = packet[1] & 0x3F
    return frame * frames


def _crc(page: bytes) -> int:
    """Ogg's CRC-32 (polynomial 0x04C11DB7, unreflected, no initial or final xor), through
    zlib's reflected one: bit-reversed bytes in, the result bit-reversed back."""
    reflected = zlib.crc32(page.translate(_BIT_REVERSED), 0xFFFFFFFF) ^ 0xFFFFFFFF
    return int(f"{reflected:032b}"[::-1], 2)


_BIT_REVERSED = bytes(int(f"{b:08b}"[::-1], 2) for b in range(256))


def _page(packets: list[bytes], granule: int, serial: int, sequence: int, flags: int) -> bytes:
    lacing = bytearray()
    for packet in packets:
        lacing += b"\xff" * (len(packet) // 255) + bytes([len(packet) % 255])
    header = struct.pack("<4sBBqIIIB", b"OggS", 0, flags, granule, serial, sequence, 0,
                         len(lacing))
    page = header + bytes(lacing) + b"".join(packets)
    return page[:22] + struct.pack("<I", _crc(page)) + page[26:]


def _write_ogg(track: _OpusTrack) -> bytes:
    head = bytearray(track.head[:19])
    head[8] = 1  # version 1 of the mapping, whatever the recorder put
    pre_skip = struct.unpack_from("<H", head, 10)[0]
    if not pre_skip and track.codec_delay_ns:
        pre_skip = round(track.codec_delay_ns * 48_000 / 1_000_000_000)
        struct.pack_into("<H", head, 10, pre_skip)
    head = bytes(head) + track.head[19:]
    tags = b"OpusTags" + struct.pack("<I", len(VENDOR)) + VENDOR + struct.pack("<I", 0)
    serial = zlib.crc32(track.head + track.packets[0]) & 0x7FFFFFFF
    pages = [_page([head], 0, serial, 0, 0x02), _page([tags], 0, serial, 1, 0)]
    granule = 0  # samples of every packet so far, the pre-skip among them (RFC 7845 4)
    trim = max(track.discard_ns, 0) * 48_000 // 1_000_000_000
    run: list[bytes] = []
    run_lacing = run_samples = 0
    total = len(track.packets)
    for index, packet in enumerate(track.packets):
        granule += samples_of(packet)
        run.append(packet)
        run_lacing += len(packet) // 255 + 1
        run_samples += samples_of(packet)
        last = index == total - 1
        following = track.packets[index + 1] if not last else b""
        full = not last and (run_lacing + len(following) // 255 + 1 > 255
                             or run_samples >= MAX_PAGE_SAMPLES)
        if full or last:
            end = max(granule - trim, pre_skip) if last else granule
            pages.append(_page(run, end, serial, len(pages), 0x04 if last else 0))
            run, run_lacing, run_samples = [], 0, 0
    return b"".join(pages)
