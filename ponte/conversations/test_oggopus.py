"""A browser's WebM/Opus voice note becomes the Ogg/Opus WhatsApp plays, packets untouched."""

import io
import struct

import pytest
from mutagen.ogg import OggPage
from mutagen.oggopus import OggOpus

from ponte.conversations.oggopus import (
    NotOpus,
    _read_webm,
    is_ogg_opus,
    is_webm,
    samples_of,
    webm_to_ogg_opus,
)
from tests import media_samples
from tests.support import fixtures_dir

RECORDING = fixtures_dir() / "recordings" / "chromium-voice.webm"


@pytest.fixture(scope="module")
def recording() -> bytes:
    return RECORDING.read_bytes()


def pages_of(data: bytes) -> list[OggPage]:
    stream, pages = io.BytesIO(data), []
    while stream.tell() < len(data):
        pages.append(OggPage(stream))
    return pages


def ogg_crc(page: bytes) -> int:
    """Ogg's CRC, bit by bit, as the specification writes it."""
    crc = 0
    for byte in page:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


def test_a_chromium_recording_becomes_ogg_opus_of_the_same_length(recording):
    assert is_webm(recording) and not is_ogg_opus(recording)

    converted = webm_to_ogg_opus(recording)

    assert is_ogg_opus(converted)
    info = OggOpus(io.BytesIO(converted)).info
    assert info.channels == 1
    assert info.length == pytest.approx(2.0, abs=0.1)


def test_the_opus_packets_are_moved_not_reencoded(recording):
    converted = webm_to_ogg_opus(recording)

    pages = pages_of(converted)
    packets = OggPage.to_packets(pages)

    assert packets[0][:8] == b"OpusHead" and packets[1][:8] == b"OpusTags"
    assert packets[2:] == _read_webm(recording).packets


def test_every_page_is_well_formed_for_a_strict_player(recording):
    converted = webm_to_ogg_opus(recording)
    pages = pages_of(converted)

    assert pages[0].first and len(pages[0].packets) == 1  # OpusHead alone, beginning of stream
    assert pages[1].position == 0 and pages[1].complete  # OpusTags on a page of its own
    assert pages[-1].last and not any(page.last for page in pages[:-1])
    assert [page.sequence for page in pages] == list(range(len(pages)))
    assert len({page.serial for page in pages}) == 1
    positions = [page.position for page in pages[2:]]
    assert positions == sorted(positions) and positions[0] > 0
    offset = 0
    for page in pages:
        raw = page.write()
        stored = struct.unpack_from("<I", converted, offset + 22)[0]
        assert stored == ogg_crc(raw[:22] + b"\0\0\0\0" + raw[26:])
        offset += len(raw)


def test_a_recording_cut_short_keeps_the_audio_that_came_whole(recording):
    converted = webm_to_ogg_opus(recording[: len(recording) // 2])

    assert 0.5 < OggOpus(io.BytesIO(converted)).info.length < 1.5


@pytest.mark.parametrize("data", [b"", b"not a recording", b"OggS" + bytes(60),
                                  bytes.fromhex("1a45dfa3") + b"\x9fwebm" + bytes(40)])
def test_anything_but_a_webm_opus_recording_is_refused(data):
    with pytest.raises(NotOpus):
        webm_to_ogg_opus(data)


@pytest.mark.parametrize(("toc", "samples"), [
    (bytes([0xFB, 0x03]), 2880),  # CELT 20 ms, three frames: Chromium's 60 ms packets
    (bytes([0xF8]), 960),  # CELT 20 ms, one frame
    (bytes([0x08]), 960),  # SILK 20 ms
    (bytes([0x11]), 1920 * 2),  # SILK 40 ms, two frames
    (bytes([0x80]), 120),  # CELT 2.5 ms
    (bytes([0x60]), 480),  # hybrid 10 ms
])
def test_a_packets_length_is_read_from_its_toc_byte(toc, samples):
    assert samples_of(toc) == samples


def decoded_samples(data: bytes) -> int:
    """What a player outputs: FFmpeg's decoder, through PyAV (a test dependency only)."""
    import av

    with av.open(io.BytesIO(data)) as media:
        return sum(frame.samples for frame in media.decode(audio=0))


def test_ffmpegs_webm_keeps_its_exact_length_with_pre_skip_and_end_trimming():
    """FFmpeg writes what Chromium does not: sized Clusters, BlockGroups, CodecDelay and
    DiscardPadding; one second of audio stays one second, to the sample."""
    webm = media_samples.webm_voice(1.0)

    converted = webm_to_ogg_opus(webm)

    assert OggOpus(io.BytesIO(converted)).info.length == pytest.approx(1.0, abs=1e-6)
    assert decoded_samples(converted) == decoded_samples(webm) == 48_000


def test_a_player_decodes_the_chromium_recording_to_the_same_samples(recording):
    assert decoded_samples(webm_to_ogg_opus(recording)) == decoded_samples(recording)
