"""The OpenAI emulator answers as api.openai.com's chat completions do."""

import json
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

from emulators.openai_api import Emulator

KEY = "sk-proj-emulated-0123456789"
URL_PATH = "/v1/chat/completions"
STRICT = {"type": "json_schema", "json_schema": {"name": "lead_score", "strict": True,
          "schema": {"type": "object", "properties": {"score": {"type": "integer"}},
                     "required": ["score"], "additionalProperties": False}}}


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(keys=[KEY]) as running:
        yield running


def body(text: str = "quanto custa? vou pagar no pix", **extra: Any) -> dict[str, Any]:
    data = {"conversa": [{"de": "cliente", "texto": text}]}
    return {"model": "gpt-4o-mini", "messages": [
        {"role": "system", "content": "Avalie."},
        {"role": "user", "content": json.dumps(data)}], **extra}


def post(emulator: Emulator, payload: Any = None, *, key: str | None = KEY,
         path: str = URL_PATH, timeout: float = 5.0) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.post(emulator.base_url + path, json=body() if payload is None else payload,
                      headers=headers, timeout=timeout)


def test_an_answer_has_openais_shape(emulator):
    answer = post(emulator, body(response_format=STRICT))
    assert answer.status_code == 200 and answer.headers["x-request-id"].startswith("req_")
    shown = answer.json()
    assert shown["object"] == "chat.completion" and shown["id"].startswith("chatcmpl-")
    assert shown["model"] == "gpt-4o-mini"
    choice = shown["choices"][0]
    assert (choice["index"], choice["finish_reason"]) == (0, "stop")
    assert choice["message"]["role"] == "assistant" and choice["message"]["refusal"] is None
    assert set(shown["usage"]) == {"prompt_tokens", "completion_tokens", "total_tokens"}
    assert 0 <= json.loads(choice["message"]["content"])["score"] <= 100


def test_a_wrong_key_is_a_401_quoting_only_its_ends(emulator):
    answer = post(emulator, key="sk-wrong-key-abcdefgh")
    error = answer.json()["error"]
    assert answer.status_code == 401
    assert (error["type"], error["code"]) == ("invalid_request_error", "invalid_api_key")
    assert "sk-************efgh" in error["message"]
    assert "wrong-key" not in error["message"]


def test_no_key_is_a_401_without_a_code(emulator):
    answer = post(emulator, key=None)
    assert answer.status_code == 401 and answer.json()["error"]["code"] is None


def test_a_local_server_takes_any_key():
    with Emulator(keys=None, models=None) as local:
        assert post(local, body(model="qwen2.5:7b"), key=None).status_code == 200


def test_an_unknown_model_or_path_is_a_404(emulator):
    answer = post(emulator, body(model="gpt-9"))
    assert (answer.status_code, answer.json()["error"]["code"]) == (404, "model_not_found")
    assert post(emulator, path="/v1/completions").status_code == 404


def test_a_strict_schema_must_require_everything_and_forbid_extras(emulator):
    loose = json.loads(json.dumps(STRICT))
    loose["json_schema"]["schema"]["required"] = []
    answer = post(emulator, body(response_format=loose))
    assert answer.status_code == 400
    assert answer.json()["error"]["message"].startswith(
        "Invalid schema for response_format 'lead_score'")
    del loose["json_schema"]["schema"]["additionalProperties"]
    assert post(emulator, body(response_format=loose)).status_code == 400


def test_a_rate_limit_sends_retry_after(emulator):
    emulator.fail_next(429, retry_after=2)
    answer = post(emulator)
    assert (answer.status_code, answer.headers["retry-after"]) == (429, "2")
    assert answer.json()["error"]["code"] == "rate_limit_exceeded"


def test_an_account_without_credit_says_insufficient_quota(emulator):
    emulator.fail_next(429, code="insufficient_quota")
    error = post(emulator).json()["error"]
    assert error["type"] == error["code"] == "insufficient_quota"


def test_a_server_error_has_openais_body(emulator):
    emulator.fail_next(500)
    answer = post(emulator)
    assert answer.status_code == 500 and answer.json()["error"]["type"] == "server_error"


def test_refusals_and_filters_have_no_content(emulator):
    emulator.block_next()
    emulator.block_next("content_filter")
    refused, filtered = post(emulator).json(), post(emulator).json()
    assert refused["choices"][0]["message"]["content"] is None
    assert refused["choices"][0]["message"]["refusal"]
    assert filtered["choices"][0]["finish_reason"] == "content_filter"


def test_scripted_answers_then_the_models_own(emulator):
    emulator.answer_next("primeira")
    texts = [post(emulator, body(response_format=STRICT)).json()["choices"][0]["message"]
             ["content"] for _ in range(2)]
    assert texts[0] == "primeira" and "score" in json.loads(texts[1])


def test_empty_malformed_and_hung_answers(emulator):
    emulator.empty_next()
    assert post(emulator).json()["choices"] == []
    emulator.malformed_next()
    with pytest.raises(ValueError):
        post(emulator).json()
    emulator.hang_next(3)
    with pytest.raises(httpx.ReadTimeout):
        post(emulator, timeout=0.3)


def test_the_official_sdk_reads_its_answers(emulator):
    client = openai.OpenAI(api_key=KEY, base_url=emulator.base_url + "/v1", max_retries=0)
    emulator.answer_next("olá")
    completion = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "oi"}])
    assert completion.choices[0].message.content == "olá"
    emulator.fail_next(429, retry_after=1)
    with pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(model="gpt-4o-mini",
                                       messages=[{"role": "user", "content": "oi"}])
    assert caught.value.code == "rate_limit_exceeded"
    assert emulator.last.headers["authorization"] == f"Bearer {KEY}"


# -- /v1/audio/transcriptions --------------------------------------------------------------

# A tiny Ogg page header and a WAV header: what the route checks before it "hears" a file.
OGG = b"OggS" + bytes(60)
TRANSCRIPTIONS = "/v1/audio/transcriptions"


def upload(emulator: Emulator, *, data: bytes = OGG, filename: str = "audio.ogg",
           key: str | None = KEY, **fields: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    form = {"model": "whisper-1", **fields}
    return httpx.post(emulator.base_url + TRANSCRIPTIONS, data=form,
                      files={"file": (filename, data, "audio/ogg")}, headers=headers,
                      timeout=5.0)


def test_a_transcription_answers_the_configured_words_in_each_format(emulator):
    emulator.transcript = "quero comprar o tênis azul"
    shown = upload(emulator, language="pt").json()
    assert shown["text"] == "quero comprar o tênis azul"
    assert shown["usage"]["type"] == "duration"
    text = upload(emulator, response_format="text")
    assert text.headers["content-type"].startswith("text/plain")
    assert text.text == "quero comprar o tênis azul\n"
    verbose = upload(emulator, response_format="verbose_json", language="pt").json()
    assert (verbose["task"], verbose["language"]) == ("transcribe", "portuguese")
    assert verbose["segments"][0]["text"].strip() == verbose["text"]
    assert [t["language"] for t in emulator.transcriptions if "language" in t] == ["pt", "pt"]
    assert emulator.transcriptions[0]["file"] == OGG
    assert emulator.transcriptions[0]["filename"] == "audio.ogg"


def test_a_file_no_decoder_reads_or_of_an_unknown_format_is_a_400(emulator):
    corrupt = upload(emulator, data=b"not audio at all")
    assert corrupt.status_code == 400
    assert corrupt.json()["error"] == {
        "message": "Audio file might be corrupted or unsupported",
        "type": "invalid_request_error", "param": "file", "code": "invalid_value"}
    unknown = upload(emulator, filename="audio.amr")
    assert unknown.status_code == 400
    assert unknown.json()["error"]["message"].startswith("Invalid file format. Supported")
    no_file = httpx.post(emulator.base_url + TRANSCRIPTIONS, data={"model": "whisper-1"},
                         files={"x": ("x", b"x")}, headers={"Authorization": f"Bearer {KEY}"})
    assert no_file.status_code == 400 and "file" in no_file.json()["error"]["message"]


def test_a_language_must_be_iso_639_1_and_the_model_known(emulator):
    wrong = upload(emulator, language="portuguese").json()["error"]
    assert (wrong["param"], wrong["code"]) == ("language", "invalid_language_format")
    assert upload(emulator, model="gpt-4o-mini").status_code == 404


def test_a_transcription_checks_the_key_and_takes_scripted_failures(emulator):
    assert upload(emulator, key="sk-wrong-key-abcdefgh").status_code == 401
    emulator.fail_next(429, retry_after=1)
    limited = upload(emulator)
    assert (limited.status_code, limited.headers["retry-after"]) == (429, "1")
    emulator.fail_next(500)
    assert upload(emulator).status_code == 500
    emulator.answer_next("só desta vez")
    assert upload(emulator).json()["text"] == "só desta vez"


def test_an_upload_over_25_mb_is_a_413(emulator, monkeypatch):
    from emulators import openai_api

    monkeypatch.setattr(openai_api, "MAX_AUDIO_BYTES", 1000)
    assert upload(emulator, data=OGG + bytes(2000)).status_code == 413


def test_the_official_sdk_uploads_and_reads_a_transcription(emulator):
    emulator.transcript = "oi"
    client = openai.OpenAI(api_key=KEY, base_url=emulator.base_url + "/v1", max_retries=0)
    result = client.audio.transcriptions.create(model="whisper-1", language="pt",
                                                file=("audio.ogg", OGG, "audio/ogg"))
    assert result.text == "oi"
    (sent,) = emulator.transcriptions
    assert (sent["file"], sent["model"], sent["language"]) == (OGG, "whisper-1", "pt")
    with pytest.raises(openai.BadRequestError):
        client.audio.transcriptions.create(model="whisper-1", file=("a.ogg", b"??", "audio/ogg"))
