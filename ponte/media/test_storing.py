"""Storing a file: once per content, named by its hash, checked before anything is kept."""

import io
import threading

import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from ponte.media.kinds import shown_inline
from ponte.media.models import MediaFile
from ponte.media.storage import media_storage
from ponte.media.storing import Incoming, MediaRefused, check_bytes, do_store_bytes
from tests import media_samples as samples

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(make_tenant):
    return make_tenant().org


def stored_bytes(name: str) -> bytes:
    with media_storage().open(name) as handle:
        return handle.read()


def test_the_same_photo_delivered_twice_is_stored_once(org, media_storage):
    photo = samples.jpeg()
    first = do_store_bytes(org.pk, Incoming(photo, "image", "image/jpeg"))
    again = do_store_bytes(org.pk, Incoming(photo, "image", "image/jpeg"))
    assert again.pk == first.pk
    assert MediaFile.objects.count() == 1
    assert media_storage.names() == {first.name, first.thumbnail}
    assert stored_bytes(first.name) == photo


def test_the_same_bytes_in_two_organizations_are_two_files(make_tenant, media_storage):
    one, other = make_tenant().org, make_tenant(name="Outra").org
    mine = do_store_bytes(one.pk, Incoming(samples.pdf(), "document", "application/pdf"))
    theirs = do_store_bytes(other.pk, Incoming(samples.pdf(), "document", "application/pdf"))
    assert mine.pk != theirs.pk
    assert mine.name.startswith(f"{one.pk}/") and theirs.name.startswith(f"{other.pk}/")


def test_a_stored_name_comes_from_the_content_never_from_the_senders_filename(org):
    stored = do_store_bytes(org.pk, Incoming(samples.pdf(), "document", "application/pdf"))
    folder, prefix, file_name = stored.name.split("/")
    assert folder == str(org.pk) and prefix == stored.sha256[:2]
    assert file_name.startswith(stored.sha256) and file_name.endswith(".pdf")


@pytest.mark.parametrize("markup", [samples.HTML, samples.SVG], ids=["html", "svg"])
def test_a_photo_declared_jpeg_that_is_really_markup_is_refused(org, markup, media_storage):
    with pytest.raises(MediaRefused) as refused:
        do_store_bytes(org.pk, Incoming(markup, "image", "image/jpeg"))
    assert refused.value.problem == "type_mismatch"
    assert MediaFile.objects.count() == 0
    assert media_storage.names() == set()


@pytest.mark.parametrize(("kind", "data"), [
    ("voice", samples.jpeg), ("video", samples.voice_note), ("sticker", samples.jpeg),
    ("audio", samples.pdf),
])
def test_media_whose_bytes_are_not_of_its_kind_is_refused(org, kind, data):
    with pytest.raises(MediaRefused) as refused:
        check_bytes(Incoming(data(), kind, None))
    assert refused.value.problem == "type_mismatch"


@pytest.mark.parametrize(("data", "declared", "recorded"), [
    (samples.pdf, "application/pdf", "application/pdf"),
    (lambda: samples.HTML, "application/pdf", "text/html"),
    (lambda: samples.SVG, "image/svg+xml", "image/svg+xml"),
    (samples.docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (lambda: b"nome;valor\nAna;10\n", "text/csv", "text/csv"),
    (lambda: bytes(range(256)) * 4, "image/png", "application/octet-stream"),
    (samples.jpeg, "application/octet-stream", "image/jpeg"),
    (lambda: _iso_file(b"heic", b"mif1heic"), "image/heic", "image/heic"),
    (lambda: _iso_file(b"mif1", b"mif1avifmiaf"), "image/avif", "image/avif"),
    (lambda: _iso_file(b"mif1", b"mif1"), "application/octet-stream", "image/heif"),
])
def test_a_document_is_kept_as_what_its_bytes_are(org, data, declared, recorded):
    stored = do_store_bytes(org.pk, Incoming(data(), "document", declared))
    assert stored.mimetype == recorded
    assert stored.thumbnail == ""


def _iso_file(major: bytes, compatible: bytes) -> bytes:
    """The start of an ISO media file: its `ftyp` box, then an empty `meta` box."""
    ftyp = (16 + len(compatible)).to_bytes(4, "big") + b"ftyp" + major + bytes(4) + compatible
    return ftyp + bytes([0, 0, 0, 8]) + b"meta"


def test_an_iphone_photo_sent_as_a_file_is_never_served_as_a_video(org):
    stored = do_store_bytes(org.pk, Incoming(_iso_file(b"heic", b"mif1heic"), "document",
                                             "image/heic"))
    assert stored.mimetype == "image/heic"
    assert not shown_inline(stored.mimetype)


@pytest.mark.parametrize(("kind", "setting"), [
    ("image", "PONTE_MEDIA_MAX_BYTES_IMAGE"), ("sticker", "PONTE_MEDIA_MAX_BYTES_STICKER"),
    ("voice", "PONTE_MEDIA_MAX_BYTES_AUDIO"), ("audio", "PONTE_MEDIA_MAX_BYTES_AUDIO"),
    ("video", "PONTE_MEDIA_MAX_BYTES_VIDEO"), ("document", "PONTE_MEDIA_MAX_BYTES_DOCUMENT"),
])
def test_each_kind_has_its_own_size_cap(org, settings, kind, setting):
    data = {"image": samples.jpeg, "sticker": samples.webp, "voice": samples.voice_note,
            "audio": samples.m4a, "video": samples.mp4, "document": samples.pdf}[kind]()
    setattr(settings, setting, len(data) - 1)
    with pytest.raises(MediaRefused) as refused:
        do_store_bytes(org.pk, Incoming(data, kind))
    assert refused.value.problem == "too_large"
    setattr(settings, setting, len(data))
    assert do_store_bytes(org.pk, Incoming(data, kind)).size == len(data)


def test_the_default_caps_are_near_whatsapps_own():
    from django.conf import settings

    mib = 1024 * 1024
    caps = (settings.PONTE_MEDIA_MAX_BYTES_IMAGE, settings.PONTE_MEDIA_MAX_BYTES_AUDIO,
            settings.PONTE_MEDIA_MAX_BYTES_VIDEO, settings.PONTE_MEDIA_MAX_BYTES_DOCUMENT,
            settings.PONTE_MEDIA_MAX_BYTES_STICKER)
    assert caps == (5 * mib, 16 * mib, 16 * mib, 100 * mib, 1 * mib)


def test_an_empty_file_is_refused(org):
    with pytest.raises(MediaRefused) as refused:
        do_store_bytes(org.pk, Incoming(b"", "document", "application/pdf"))
    assert refused.value.problem == "empty"


def test_a_photo_turned_by_the_camera_shows_upright(org, media_storage):
    # Taken with the phone on its side: 640x480 pixels, EXIF says turn a quarter.
    stored = do_store_bytes(org.pk, Incoming(samples.jpeg(640, 480, orientation=6), "image",
                                             "image/jpeg"))
    assert (stored.width, stored.height) == (480, 640)
    thumbnail = Image.open(io.BytesIO(stored_bytes(stored.thumbnail)))
    assert thumbnail.format == "JPEG"
    assert thumbnail.size == (240, 320)


def test_a_transparent_sticker_gets_a_thumbnail_on_white(org):
    stored = do_store_bytes(org.pk, Incoming(samples.webp(), "sticker", "image/webp"))
    assert stored.mimetype == "image/webp"
    thumbnail = Image.open(io.BytesIO(stored_bytes(stored.thumbnail)))
    assert max(thumbnail.size) == 320 and thumbnail.mode == "RGB"


@pytest.mark.parametrize("size", [(10000, 6000), (13500, 13500)], ids=["ours", "pillows"])
def test_a_picture_declaring_a_huge_canvas_is_refused_before_decoding(org, size):
    bomb = samples.huge_canvas_png(*size)
    assert len(bomb) < 1024 * 1024
    with pytest.raises(MediaRefused) as refused:
        do_store_bytes(org.pk, Incoming(bomb, "image", "image/png"))
    assert refused.value.problem == "too_large"


def test_a_picture_pillow_cannot_read_is_refused_as_unreadable(org):
    broken = samples.png()[:40]  # the signature and the header, then nothing
    with pytest.raises(MediaRefused) as refused:
        do_store_bytes(org.pk, Incoming(broken, "image", "image/png"))
    assert refused.value.problem == "unreadable"


@pytest.mark.parametrize(("kind", "data", "declared", "recorded", "seconds"), [
    ("voice", samples.voice_note, "audio/ogg; codecs=opus", "audio/ogg", 2.0),
    ("audio", samples.m4a, "audio/mp4", "audio/mp4", 1.5),
    ("audio", samples.mp3, "audio/mpeg", "audio/mpeg", 1.5),
    ("voice", samples.amr, "audio/amr", "audio/amr", 1.0),
    ("voice", samples.webm_voice, "audio/webm", "audio/webm", None),
    ("video", samples.mp4, "video/mp4", "video/mp4", 2.0),
    ("video", samples.three_gp, "video/3gpp", "video/3gpp", None),
])
def test_audio_and_video_know_their_length(org, kind, data, declared, recorded, seconds):
    stored = do_store_bytes(org.pk, Incoming(data(), kind, declared))
    assert stored.mimetype == recorded
    if seconds is None:
        return
    assert stored.duration == pytest.approx(seconds, abs=0.1)


def test_a_file_first_kept_as_a_document_gains_its_thumbnail_when_sent_as_a_photo(org):
    photo = samples.jpeg(color="purple")
    document = do_store_bytes(org.pk, Incoming(photo, "document", "image/jpeg"))
    assert document.thumbnail == ""
    again = do_store_bytes(org.pk, Incoming(photo, "image", "image/jpeg"))
    assert again.pk == document.pk and again.thumbnail
    assert (again.width, again.height) == (640, 480)


@pytest.mark.django_db(transaction=True)
def test_two_workers_storing_the_same_bytes_at_once_keep_one_copy(make_tenant, media_storage):
    org = make_tenant().org
    photo = samples.jpeg(color="olive")
    start = threading.Barrier(2)
    results, errors = [], []

    def store() -> None:
        try:
            start.wait()
            results.append(do_store_bytes(org.pk, Incoming(photo, "image", "image/jpeg")))
        except Exception as exc:  # shown by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=store) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert {stored.pk for stored in results} == {MediaFile.objects.get().pk}
    kept = MediaFile.objects.get()
    assert media_storage.names() == {kept.name, kept.thumbnail}


@pytest.mark.parametrize("kind", ["image", "sticker", "voice", "video", "document"])
@pytest.mark.parametrize("make", [samples.jpeg, samples.png, samples.webp, samples.voice_note,
                                  samples.mp4, samples.amr, samples.pdf])
def test_a_file_cut_short_is_kept_or_refused_never_a_crash(kind, make):
    whole = make()
    for end in (1, 8, 16, 40, 100, len(whole) // 2, len(whole) - 1):
        try:
            check_bytes(Incoming(whole[:end], kind, None))
        except MediaRefused as refused:
            assert refused.problem in ("type_mismatch", "unreadable", "empty", "too_large")


@settings(max_examples=200)
@given(data=st.binary(max_size=2048), kind=st.sampled_from(
    ["image", "sticker", "voice", "audio", "video", "document"]),
    declared=st.sampled_from([None, "image/jpeg", "audio/ogg", "application/pdf", "x/y;z"]))
def test_any_bytes_are_kept_or_refused_never_a_crash(data, kind, declared):
    for prefix in (b"", b"\xff\xd8\xff\xe0", b"\x89PNG\r\n\x1a\n", b"OggS", b"RIFF\0\0\0\0WEBP",
                   b"\0\0\0\x18ftypmp42", b"#!AMR\n", b"%PDF-1.4\n"):
        try:
            checked = check_bytes(Incoming(prefix + data, kind, declared))
        except MediaRefused:
            continue
        assert checked.mimetype
