"""Issue 13's acceptance: each engine's media webhook ends with a stored file that its own
organization reads through the API, and nobody else does. A real `ponte serve` (its
worker fetches the files), each engine's emulator, files in a folder or in an S3 bucket."""

import uuid

import httpx
import pytest

from emulators import cloudapi, evolution, wppconnect
from emulators.base import sample_ogg_opus, sample_pdf, sample_png
from tests.procs import Server, free_port, isolated_env, ponte_init, wait_for

pytestmark = pytest.mark.slow
SECRET = "media-e2e-secret-0001"
APP_SECRET = "media-e2e-app-secret"
PHONE_NUMBER_ID = "1065403522"
CUSTOMER = "5531987654321"


def session_of(made: dict) -> str:
    return f"ponte-{uuid.UUID(made['instance_id']).hex}"


def stored_media(api: httpx.Client, count: int) -> list[dict]:
    """The organization's messages once `count` of them have their file stored."""
    def stored():
        chats = api.get("/api/v1/conversations").json()["items"]
        messages = [m for chat in chats for m in
                    api.get(f"/api/v1/conversations/{chat['id']}/messages").json()["items"]]
        done = [m for m in messages if m["media"] and m["media"]["state"] != "pending"]
        return messages if len(done) >= count else None

    return wait_for(stored, timeout=90)


@pytest.mark.parametrize("where", ["filesystem", "s3"])
def test_each_engines_photo_voice_note_and_document_end_as_files_only_their_shop_reads(
        tmp_path, request, where):
    files = {"image": sample_png("vitrine", side=96), "voice": sample_ogg_opus(2.0),
             "document": sample_pdf("Pedido 4821")}
    with isolated_env(tmp_path) as env, \
            wppconnect.Emulator(secrets=[SECRET], logged_in=True) as wpp, \
            cloudapi.Emulator(secrets=[SECRET], phone_number_id=PHONE_NUMBER_ID,
                              app_secret=APP_SECRET) as cloud:
        env = env | {"PONTE_SUPERVISOR_PERIOD_SECONDS": "1",
                     "PONTE_MEDIA_DOWNLOAD_BACKOFF_SECONDS": "0.2"}
        if where == "s3":
            from tests.object_storage import new_bucket, s3_environment

            endpoint = request.getfixturevalue("s3_endpoint")
            bucket = new_bucket(endpoint)
            env |= s3_environment(endpoint, bucket)
        server = Server(env)
        evolution_port = free_port()
        shops = {
            "wppconnect": ponte_init(env, "wppconnect", "Loja WPP", "--engine-url",
                                     wpp.base_url, "--secret", SECRET),
            "evolution": ponte_init(env, "evolution", "Loja Evo", "--engine-url",
                                    f"http://127.0.0.1:{evolution_port}", "--secret", SECRET),
            "cloudapi": ponte_init(env, "cloudapi", "Loja Cloud", "--engine-url",
                                   cloud.base_url, "--secret", SECRET, "--phone-number-id",
                                   PHONE_NUMBER_ID, "--app-secret", APP_SECRET),
        }
        cloud.webhook_url = server.base + shops["cloudapi"]["webhook_url"]
        with evolution.Emulator(secrets=[SECRET], instance=session_of(shops["evolution"]),
                                port=evolution_port,
                                webhook_url=server.base + shops["evolution"]["webhook_url"],
                                ) as evo, server:
            apis = {engine: httpx.Client(base_url=server.base, timeout=30, headers={
                "Authorization": f"Bearer {made['api_key']}"}) for engine, made in shops.items()}
            for engine in ("wppconnect", "evolution"):
                wait_for(lambda e=engine: apis[e].get("/api/v1/instance").json()["state"]
                         == "connected")
            engines = {"wppconnect": wpp, "evolution": evo, "cloudapi": cloud}
            for emulator in engines.values():
                emulator.receive_media(CUSTOMER, files["image"], kind="image",
                                       caption="Tem esse?")
                emulator.receive_media(CUSTOMER, files["voice"], kind="voice")
                emulator.receive_media(CUSTOMER, files["document"], kind="document",
                                       filename="Pedido 4821.pdf")

            for engine, api in apis.items():
                messages = stored_media(api, 3)
                by_kind = {m["kind"]: m for m in messages}
                assert set(by_kind) == {"image", "voice", "document"}, (engine, messages)
                expected = {"image": "image/png", "voice": "audio/ogg",
                            "document": "application/pdf"}
                for kind, message in by_kind.items():
                    media = message["media"]
                    assert media["state"] == "stored", (engine, kind, media)
                    assert media["mimetype"] == expected[kind]
                    assert media["size"] == len(files[kind])
                    assert media["transcript"] is None
                    answer = api.get(media["url"])
                    assert answer.status_code == 200, (engine, kind)
                    assert answer.content == files[kind], (engine, kind)
                    assert answer.headers["content-type"] == expected[kind]
                    assert answer.headers["x-content-type-options"] == "nosniff"
                    for other, other_api in apis.items():
                        if other != engine:
                            assert other_api.get(media["url"]).status_code == 404
                assert by_kind["image"]["media"]["thumbnail_url"]
                assert api.get(by_kind["image"]["media"]["thumbnail_url"]).content[:3] \
                    == b"\xff\xd8\xff"
                assert by_kind["voice"]["media"]["duration"] == pytest.approx(2.0, abs=0.2)
                assert by_kind["document"]["media"]["filename"] == "Pedido 4821.pdf"
                assert by_kind["image"]["caption"] == "Tem esse?"
    if where == "s3":
        from tests.object_storage import bucket_keys

        assert len(bucket_keys(endpoint, bucket)) >= 4  # the files, one thumbnail
    else:
        assert list((tmp_path / "media").rglob("*.pdf"))
