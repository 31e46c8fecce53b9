"""The Gemini emulator answers as generativelanguage.googleapis.com does."""

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from google import genai
from google.genai import errors, types

from emulators.gemini import Emulator

KEY = "AIzaSy-emulated-0123"
PATH = "/v1beta/models/gemini-2.5-flash:generateContent"
SCHEMA = {"type": "object", "properties": {"score": {"type": "integer"}}}


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(keys=[KEY]) as running:
        yield running


def body(text: str = "quanto custa? vou pagar no pix", schema: Any = None) -> dict[str, Any]:
    data = {"conversa": [{"de": "cliente", "texto": text}]}
    request: dict[str, Any] = {"contents": [{"role": "user",
                                             "parts": [{"text": json.dumps(data)}]}]}
    if schema is not None:
        request["generationConfig"] = {"responseMimeType": "application/json",
                                       "responseJsonSchema": schema}
    return request


def post(emulator: Emulator, payload: Any = None, *, key: str | None = KEY, path: str = PATH,
         params: dict[str, str] | None = None, timeout: float = 5.0) -> httpx.Response:
    headers = {"x-goog-api-key": key} if key else {}
    return httpx.post(emulator.base_url + path, json=body() if payload is None else payload,
                      headers=headers, params=params, timeout=timeout)


def test_an_answer_has_googles_shape(emulator):
    answer = post(emulator, body(schema=SCHEMA))
    assert answer.status_code == 200
    shown = answer.json()
    candidate = shown["candidates"][0]
    assert candidate["content"]["role"] == "model" and candidate["finishReason"] == "STOP"
    assert set(shown["usageMetadata"]) == {"promptTokenCount", "candidatesTokenCount",
                                           "totalTokenCount"}
    assert shown["modelVersion"] == "gemini-2.5-flash" and shown["responseId"]
    score = json.loads(candidate["content"]["parts"][0]["text"])
    assert 0 <= score["score"] <= 100 and "pediu preço" in score["reasons"]


def test_the_key_may_come_as_a_query_parameter(emulator):
    assert post(emulator, key=None, params={"key": KEY}).status_code == 200


def test_a_wrong_key_is_a_400_saying_api_key_invalid(emulator):
    answer = post(emulator, key="AIzaSy-wrong")
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert (error["code"], error["status"]) == (400, "INVALID_ARGUMENT")
    assert error["message"] == "API key not valid. Please pass a valid API key."
    assert error["details"][0]["reason"] == "API_KEY_INVALID"


def test_no_key_at_all_is_a_403(emulator):
    answer = post(emulator, key=None)
    assert answer.status_code == 403
    assert answer.json()["error"]["status"] == "PERMISSION_DENIED"


def test_an_unknown_model_or_path_is_a_404(emulator):
    answer = post(emulator, path="/v1beta/models/gemini-9:generateContent")
    assert answer.status_code == 404
    assert answer.json()["error"]["message"].startswith("models/gemini-9 is not found")
    assert post(emulator, path="/v1beta/models").status_code == 404


def test_a_request_without_contents_is_a_400(emulator):
    answer = post(emulator, {"contents": []})
    assert answer.status_code == 400 and "contents" in answer.json()["error"]["message"]


def test_a_rate_limit_says_how_long_to_wait_in_a_retry_info(emulator):
    emulator.fail_next(429, retry_after=7)
    answer = post(emulator)
    error = answer.json()["error"]
    assert (answer.status_code, error["status"]) == (429, "RESOURCE_EXHAUSTED")
    assert {"@type": "type.googleapis.com/google.rpc.RetryInfo",
            "retryDelay": "7s"} in error["details"]
    assert post(emulator).status_code == 200  # only the next one


def test_scripted_failures_come_in_order_with_any_body(emulator):
    emulator.fail_next(503)
    emulator.fail_next(500, body={"error": {"code": 500, "message": "x", "status": "INTERNAL"}})
    first, second = post(emulator), post(emulator)
    assert (first.status_code, first.json()["error"]["status"]) == (503, "UNAVAILABLE")
    assert second.json() == {"error": {"code": 500, "message": "x", "status": "INTERNAL"}}


def test_scripted_answers_are_exact(emulator):
    emulator.answer_next({"score": 3})
    emulator.answer_next("texto livre")
    texts = [post(emulator).json()["candidates"][0]["content"]["parts"][0]["text"]
             for _ in range(2)]
    assert texts == ['{"score": 3}', "texto livre"]


def test_a_blocked_prompt_has_no_candidates(emulator):
    emulator.block_next("prompt")
    shown = post(emulator).json()
    assert "candidates" not in shown and shown["promptFeedback"]["blockReason"] == "SAFETY"


def test_a_blocked_answer_stops_with_safety_and_no_content(emulator):
    emulator.block_next()
    candidate = post(emulator).json()["candidates"][0]
    assert candidate["finishReason"] == "SAFETY" and "content" not in candidate


def test_empty_and_malformed_answers(emulator):
    emulator.empty_next()
    emulator.malformed_next()
    assert post(emulator).json()["candidates"] == []
    broken = post(emulator)
    assert broken.status_code == 200
    with pytest.raises(ValueError):
        broken.json()


def test_a_hang_outlasts_the_client(emulator):
    emulator.hang_next(3)
    with pytest.raises(httpx.ReadTimeout):
        post(emulator, timeout=0.3)


def test_a_stopped_emulator_refuses_connections(emulator):
    emulator.stop()
    with pytest.raises(httpx.ConnectError):
        post(emulator)


def test_the_official_sdk_reads_its_answers(emulator):
    client = genai.Client(vertexai=False, api_key=KEY,
                          http_options=types.HttpOptions(base_url=emulator.base_url))
    emulator.answer_next("olá")
    response = client.models.generate_content(model="gemini-2.5-flash", contents="oi")
    assert response.text == "olá"
    assert response.usage_metadata.total_token_count > 0
    emulator.fail_next(429, retry_after=2)
    with pytest.raises(errors.ClientError) as caught:
        client.models.generate_content(model="gemini-2.5-flash", contents="oi")
    assert (caught.value.code, caught.value.status) == (429, "RESOURCE_EXHAUSTED")
    assert emulator.last.headers["x-goog-api-key"] == KEY


# -- audio input -----------------------------------------------------------------------

OGG = b"OggS" + bytes(60)


def test_an_inline_voice_note_is_answered_with_the_configured_words(emulator):
    emulator.transcript = "quero comprar o tênis azul"
    client = genai.Client(api_key=KEY, http_options=types.HttpOptions(
        base_url=emulator.base_url, api_version="v1beta"))
    part = types.Part(inline_data=types.Blob(mime_type="audio/ogg", data=OGG))
    answer = client.models.generate_content(
        model="gemini-2.5-flash", contents=[types.Content(role="user", parts=[part])],
        config=types.GenerateContentConfig(system_instruction="Transcreva."))
    assert answer.text == "quero comprar o tênis azul"
    assert emulator.audio_parts == [[("audio/ogg", OGG)]]


def test_an_audio_type_gemini_does_not_take_or_bad_base64_is_a_400(emulator):
    def audio(mime: str, data: str) -> dict[str, Any]:
        return {"contents": [{"role": "user", "parts": [
            {"inlineData": {"mimeType": mime, "data": data}}]}]}

    unsupported = post(emulator, audio("audio/amr", "T2dnUw=="))
    assert unsupported.status_code == 400
    assert unsupported.json()["error"]["message"] == "Unsupported MIME type: audio/amr"
    garbled = post(emulator, audio("audio/ogg", "not base64!"))
    assert garbled.status_code == 400
    assert "Base64 decoding failed" in garbled.json()["error"]["message"]
    emulator.fail_next(503)
    assert post(emulator, audio("audio/ogg", "T2dnUw==")).status_code == 503
