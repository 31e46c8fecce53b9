"""The one object per engine that owns everything engine-specific.

Ponte asks an adapter, found by engine name in the registry, to parse a webhook
body, scrub the secrets the engine copied into it, verify a request, answer a
subscription handshake, tell whether an instance is configured, and make the
engine's REST client. Nothing outside `ponte.engines` compares engine names or
looks inside a client.
"""

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar, Protocol

import httpx

from ponte.engines.base import DEFAULT_TIMEOUT, Credentials, EngineClient, Recorder
from ponte.engines.events import Event, UnknownPayload


class InstanceConfig(Protocol):
    """What an adapter reads of an instance (the accounts app's `Instance`)."""

    base_url: str
    phone_number_id: str
    secrets_encrypted: list
    app_secret: str
    allow_unsigned_webhooks: bool

    def accepts_token(self, presented: str) -> bool: ...


class EngineAdapter(ABC):
    """An engine: its webhook schema, its request checks and its REST client."""

    name: ClassVar[str]
    label: ClassVar[str]
    client_class: ClassVar[type[EngineClient]]
    # The engine signs every post with an app secret, which the instance must hold.
    signs_webhooks: ClassVar[bool] = False

    def parse(self, payload: Any) -> list[Event]:
        """Parse one webhook body; anything not understood raises UnknownPayload."""
        if not isinstance(payload, dict):
            raise UnknownPayload(f"expected a JSON object, got {type(payload).__name__}")
        try:
            return self.read_events(payload)
        except UnknownPayload:
            raise
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            raise UnknownPayload(f"{self.name}: {type(exc).__name__}: {exc}") from exc

    @abstractmethod
    def read_events(self, payload: dict[str, Any]) -> list[Event]:
        """The engine's own parser, on a body known to be a JSON object."""

    def session_of(self, payload: dict[str, Any]) -> str | None:
        """The engine's name for the session a body is about, when its bodies carry one."""
        return None

    def scrub_secrets(self, payload: dict[str, Any]) -> bool:
        """Blank credentials the engine copies into its bodies; True if any were found."""
        return False

    def scrub_media(self, payload: dict[str, Any]) -> bool:
        """Blank the file bytes (base64) an engine put in a body; True if any were there.

        Called on a body kept for the retention window once its files are queued: the
        bytes then live only in the media storage.
        """
        return False

    def verify_request(self, instance: InstanceConfig, body: bytes,
                       headers: Mapping[str, str]) -> bool:
        """Whether a webhook body comes from the engine, beyond the token in its URL."""
        return True

    def answer_handshake(self, instance: InstanceConfig,
                         params: Mapping[str, str]) -> str | None:
        """The answer to the engine's subscription check (a GET), or None to refuse it.

        Only engines that verify a callback URL before posting to it have one.
        """
        return None

    def is_configured(self, instance: InstanceConfig) -> bool:
        """Enough to talk to the engine: a self-hosted engine's address."""
        return bool(instance.base_url)

    def client(self, credentials: Credentials, *, recorder: Recorder | None = None,
               timeout: httpx.Timeout = DEFAULT_TIMEOUT) -> EngineClient:
        return self.client_class(credentials, recorder=recorder, timeout=timeout)
