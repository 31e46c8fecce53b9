"""Media in the attendant's chat and inbox, through Django's test client: what each kind of
file looks like, stored, still downloading or kept out, with hostile names and numbers."""

import re
from html import unescape
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ponte.media.models import MediaFile
from ponte.web.templatetags.ponte_media import clock, media_view
from ponte.web.test_workspace import add_chat, add_message

pytestmark = pytest.mark.django_db
HOSTILE_NAME = "<img src=x onerror=alert(1)>Fatura \u202egnp.exe"


@pytest.fixture
def shop(make_tenant, client):
    tenant = make_tenant()
    client.login(username=tenant.owner_email, password=tenant.owner_password)
    return tenant


def stored_file(org, **fields) -> MediaFile:
    """A MediaFile row as the store leaves it (the bytes are not needed to draw the chat)."""
    defaults = {"sha256": f"{MediaFile.objects.count():064x}", "name": "media/ab/cd",
                "mimetype": "image/jpeg", "size": 1000}
    return MediaFile.objects.create(org=org, **(defaults | fields))


def history(client, chat) -> str:
    return client.get(f"/conversations/{chat.pk}/history/").content.decode()


def message_html(client, message) -> str:
    return client.get(f"/messages/{message.pk}/").content.decode()


class PreviewReader(HTMLParser):
    """The inbox row's preview: its markup inside the preview span, spans themselves dropped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if self.depth and tag == "span":
            self.depth += 1
        elif self.depth:
            self.parts.append(self.get_starttag_text())
        elif tag == "span" and ("class", "preview") in attrs:
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth and tag == "span":
            self.depth -= 1
        elif self.depth:
            self.parts.append(f"</{tag}>")

    def handle_data(self, data):
        if self.depth:
            self.parts.append(data)


def preview_of(html: str) -> str:
    reader = PreviewReader()
    reader.feed(html)
    return " ".join("".join(reader.parts).split())


def test_a_stored_picture_shows_a_lazy_thumbnail_that_links_to_the_full_image(shop, client):
    chat = add_chat(shop, "+5531987654321", "Ana")
    photo = add_message(chat, "", kind="image", caption="esse aqui no 42",
                        media={"mimetype": "image/jpeg", "state": "stored"},
                        file=stored_file(shop.org, width=1600, height=1200, thumbnail="t/ab"))

    html = message_html(client, photo)

    link = re.search(r'<a class="media-open" href="([^"]+)"[^>]*hx-boost="false"', html)
    assert link and link.group(1) == f"/media/{photo.pk}"
    thumbnail = re.search(r'<img class="thumbnail" src="([^"]+)" loading="lazy"', html)
    assert thumbnail and thumbnail.group(1) == f"/media/{photo.pk}/thumbnail"
    assert 'width="240" height="180"' in html, "room kept for the picture before it loads"
    assert 'alt="esse aqui no 42"' in html
    assert '<div class="text caption"><bdi>esse aqui no 42</bdi></div>' in html


def test_a_sticker_without_a_thumbnail_shows_its_own_small_file(shop, client):
    chat = add_chat(shop, "+5531987654321", "Ana")
    sticker = add_message(chat, "", kind="sticker", media={"state": "stored"},
                          file=stored_file(shop.org, mimetype="image/webp", width=512,
                                           height=512))

    html = message_html(client, sticker)

    assert f'<img class="thumbnail sticker" src="/media/{sticker.pk}" loading="lazy"' in html


def test_a_voice_note_shows_a_player_loading_only_its_metadata_its_duration_and_transcript(
        shop, client):
    chat = add_chat(shop, "+5531987654321", "Ana")
    voice = add_message(chat, "", kind="voice",
                        media={"mimetype": "audio/ogg; codecs=opus", "duration": 6,
                               "state": "stored"},
                        transcript="Oi, queria saber se o tênis azul ainda tem no 42.",
                        file=stored_file(shop.org, mimetype="audio/ogg", duration=7.4))

    html = message_html(client, voice)

    assert f'<audio controls preload="metadata" src="/media/{voice.pk}"' in html
    assert '<span class="duration">0:07</span>' in html, "the stored file's duration wins"
    assert "<figcaption>Transcrição</figcaption>" in html
    assert "<bdi>Oi, queria saber se o tênis azul ainda tem no 42.</bdi>" in html


def test_a_voice_note_without_a_transcript_shows_no_transcript_heading(shop, client):
    chat = add_chat(shop, "+5531987654321", "Ana")
    voice = add_message(chat, "", kind="voice", media={"duration": 3, "state": "stored"},
                        file=stored_file(shop.org, mimetype="audio/ogg"))

    html = message_html(client, voice)

    assert "Transcrição" not in html
    assert f'data-transcript-for="{voice.pk}"' in html, "the slot the transcription fills"
    assert '<span class="duration">0:03</span>' in html, "the engine's duration when unsniffed"


def test_a_video_plays_inline_loading_only_its_metadata(shop, client):
    chat = add_chat(shop, "+5531987654321", "Ana")
    video = add_message(chat, "", kind="video", media={"state": "stored"},
                        file=stored_file(shop.org, mimetype="video/mp4", duration=65,
                                         width=720, height=1280))

    html = message_html(client, video)

    assert f'<video controls preload="metadata" src="/media/{video.pk}"' in html
    assert '<span class="duration">1:05</span>' in html


def test_a_document_shows_its_name_escaped_its_size_in_portuguese_and_a_download_link(
        shop, client):
    chat = add_chat(shop, "+5531987654321", "Ana")
    receipt = add_message(chat, "", kind="document",
                          media={"filename": HOSTILE_NAME, "state": "stored"},
                          file=stored_file(shop.org, mimetype="application/pdf", size=1258291))

    html = message_html(client, receipt)

    assert f'<a class="document" href="/media/{receipt.pk}" download hx-boost="false">' in html
    assert "<img" not in html
    assert "<bdi>&lt;img src=x onerror=alert(1)&gt;Fatura gnp.exe</bdi>" in html
    assert "\u202e" not in html
    assert "1,2\xa0MB" in html  # a no-break space, as Django writes it


def test_sizes_follow_the_readers_language(shop, client):
    chat = add_chat(shop, "+5531987654321", "Ana")
    receipt = add_message(chat, "", kind="document", media={"filename": "pix.pdf"},
                          file=stored_file(shop.org, mimetype="application/pdf", size=1258291))
    client.cookies["django_language"] = "en"

    html = message_html(client, receipt)

    assert "1.2\xa0MB" in html and "Download" in html


def test_a_location_links_to_openstreetmap_without_embedding_a_map(shop, client):
    chat = add_chat(shop, "+5531987654321", "Ana")
    place = add_message(chat, "", kind="location", media={"location": {
        "latitude": -19.9320, "longitude": -43.9380, "name": "Loja Savassi",
        "address": "<b>Rua Pernambuco</b>, 1000"}})

    html = message_html(client, place)

    assert ('href="https://www.openstreetmap.org/?mlat=-19.932&amp;mlon=-43.938'
            '#map=17/-19.932/-43.938"') in html
    assert "<bdi>Loja Savassi</bdi>" in html
    assert "<bdi>&lt;b&gt;Rua Pernambuco&lt;/b&gt;, 1000</bdi>" in html
    assert "<iframe" not in html


@pytest.mark.parametrize("latitude", ["-19.9; alert(1)", float("nan"), 91, True, None])
def test_a_location_with_nonsense_coordinates_gets_no_map_link(latitude):
    message = type("M", (), {"kind": "location", "file_id": None, "file": None,
                             "media": {"location": {"latitude": latitude, "longitude": 10}}})

    assert media_view(message).map_url == ""


@pytest.mark.parametrize("contacts", [
    "Marcos", [{"name": "Marcos", "phones": "31998887766"}], [None, {"phones": [7, None]}],
])
def test_shared_contacts_written_oddly_show_what_makes_sense(contacts):
    message = type("M", (), {"kind": "contact", "file_id": None, "file": None,
                             "media": {"contacts": contacts}})

    cards = media_view(message).cards

    assert all(card.name == "Marcos" and card.phones == [] for card in cards)


def test_a_shared_contacts_numbers_open_its_chat_in_ponte(shop, client):
    chat = add_chat(shop, "+5531987654321", "Ana")
    card = add_message(chat, "", kind="contact", media={"contacts": [
        {"name": "Marcos <Entregas>", "phones": ["+55 31 99888-7766", "ramal 12"]}]})

    html = message_html(client, card)

    assert "<bdi>Marcos &lt;Entregas&gt;</bdi>" in html
    link = re.search(r'<a class="contact-phone" href="([^"]+)"[^>]*>([^<]+)</a>', html)
    assert link and unescape(link.group(1)) == "/chat/?phone=%2B5531998887766"
    assert link.group(2) == "+55 31 99888-7766"
    assert "<bdi>ramal 12</bdi>" in html, "what is not a phone is shown, not linked"
    assert client.get(unescape(link.group(1))).status_code == 200  # a virtual conversation


def test_a_file_still_downloading_says_so_and_links_nothing(shop, client):
    chat = add_chat(shop, "+5531987654321", "Ana")
    photo = add_message(chat, "", kind="image", media={"mimetype": "image/jpeg",
                                                       "state": "pending"})

    html = message_html(client, photo)

    assert "Baixando mídia…" in html
    assert "/media/" not in html and "<img" not in html


@pytest.mark.parametrize(("state", "problem", "says"), [
    ("refused", "too_large", "Arquivo maior que o limite de 16,0\xa0MB."),
    ("refused", "type_mismatch", "O arquivo não é do tipo que diz ser e foi bloqueado."),
    ("gone", "media_gone", "O WhatsApp não tem mais este arquivo; peça ao cliente que envie "
                           "de novo."),
    ("failed", "engine", "Não foi possível baixar o arquivo do WhatsApp"),
    ("failed", "", "Não foi possível baixar o arquivo do WhatsApp"),
])
def test_a_file_kept_out_says_why_in_portuguese(shop, client, state, problem, says):
    chat = add_chat(shop, "+5531987654321", "Ana")
    media = {"filename": "video.mp4", "size": 120_000_000, "state": state} | (
        {"problem": problem} if problem else {})
    kept_out = add_message(chat, "", kind="video", media=media)

    html = message_html(client, kept_out)

    assert says in html
    assert "/media/" not in html and "<video" not in html


def test_the_history_page_reads_every_stored_file_in_one_query(shop, client):
    chat = add_chat(shop, "+5531987654321", "Ana")
    for number in range(3):
        add_message(chat, "", kind="image", media={"state": "stored"},
                    file=stored_file(shop.org, thumbnail="t"), minutes_ago=10 - number)
    history(client, chat)  # sessions, permissions and the like settle on the first request

    with CaptureQueriesContext(connection) as few:
        history(client, chat)
    for _ in range(5):
        add_message(chat, "", kind="document", media={"state": "stored"},
                    file=stored_file(shop.org, mimetype="application/pdf"), minutes_ago=5)
    with CaptureQueriesContext(connection) as more:
        html = history(client, chat)

    assert html.count('class="document"') == 5
    assert len(more.captured_queries) == len(few.captured_queries)


@pytest.mark.parametrize(("kind", "media", "caption", "preview"), [
    ("image", {"state": "pending"}, "esse no 42", "📷 Imagem <bdi>esse no 42</bdi>"),
    ("voice", {"state": "pending"}, "", "🎤 Áudio"),
    ("location", {"location": {"latitude": 1, "longitude": 2, "name": "Loja Centro"}}, "",
     "📍 Localização <bdi>Loja Centro</bdi>"),
    ("contact", {"contacts": [{"name": "Marcos", "phones": []}]}, "",
     "👤 Contato <bdi>Marcos</bdi>"),
    ("document", {"filename": "pix.pdf"}, "", "📄 Documento <bdi>pix.pdf</bdi>"),
])
def test_the_inbox_preview_names_the_kind_of_media(shop, client, kind, media, caption, preview):
    chat = add_chat(shop, "+5531987654321", "Ana")
    add_message(chat, "", kind=kind, media=media, caption=caption)

    html = client.get("/").content.decode()

    assert preview_of(html) == preview


def test_the_chat_page_brings_the_viewer_script_and_styles(shop, client):
    chat = add_chat(shop, "+5531987654321", "Ana")
    add_message(chat, "oi")

    html = client.get(f"/conversations/{chat.pk}/").content.decode()

    assert "ponte/media.js" in html and "ponte/media.css" in html


@pytest.mark.parametrize(("seconds", "shown"), [
    (0, "0:00"), (7.4, "0:07"), (59.6, "1:00"), (754, "12:34"), (3723, "1:02:03"),
    (None, ""), (-1, ""), (float("inf"), ""), ("x", ""),
])
def test_durations_read_like_a_players(seconds, shown):
    assert clock(seconds) == shown
