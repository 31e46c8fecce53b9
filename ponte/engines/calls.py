"""Calling an instance's engine from synchronous code.

The client is made from the instance's settings by its engine's adapter, starts
with the session token kept from earlier calls, keeps the one the engine issues,
and every call it makes lands in the diagnostic log.
"""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
from django.conf import settings

from ponte.accounts.models import Instance
from ponte.diagnostics.services import record_engine_calls
from ponte.engines.base import CallRecord, Credentials, EngineClient
from ponte.engines.registry import adapter_for

T = TypeVar("T")
EngineCall = Callable[[EngineClient], Awaitable[T]]


def is_configured(instance: Instance) -> bool:
    """Whether Ponte knows enough to reach the instance's engine."""
    return adapter_for(instance.engine).is_configured(instance)


def engine_label(instance: Instance) -> str:
    return adapter_for(instance.engine).label


def signs_webhooks(instance: Instance) -> bool:
    """The engine signs its webhooks: the instance needs the app secret to check them."""
    return adapter_for(instance.engine).signs_webhooks


def keeps_history(instance: Instance) -> bool:
    """Whether the engine lets us read a chat's history, to find a send whose answer was lost."""
    return adapter_for(instance.engine).client_class.supports_history


def credentials_for(instance: Instance, secret: str | None = None) -> Credentials:
    return Credentials(base_url=instance.base_url, session=instance.session_name,
                       secret=instance.active_secret if secret is None else secret,
                       phone_number_id=instance.phone_number_id)


def do_keep_session_token(instance: Instance, token: str) -> None:
    """Save the token an engine issued, so the next client starts with it."""
    if token == instance.token:
        return
    instance.set_token(token)
    Instance.objects.filter(pk=instance.pk).update(token_encrypted=instance.token_encrypted)


class EngineCaller:
    """Runs engine calls on an event loop of its own, one client kept per instance.

    A long-lived caller (the sender's, the supervisor's) reuses each instance's
    client, with its connection pool; a call with an explicit secret, as a reconnect
    trying the alternates makes, gets a client of its own for that call only.
    """

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._kept: dict[Any, tuple[Credentials, EngineClient, list[CallRecord]]] = {}

    def __enter__(self) -> "EngineCaller":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        for _, client, _ in self._kept.values():
            self.loop.run_until_complete(client.aclose())
        self._kept.clear()
        self.loop.close()

    def call(self, instance: Instance, make_call: EngineCall[T], *,
             secret: str | None = None) -> T:
        """Run `make_call(client)` to completion; record its calls and keep its token."""
        if secret is None:
            client, records = self._client(instance)
        else:
            records = []
            client = self._new_client(instance, credentials_for(instance, secret), records)
        # The stored token is the truth: a reset may have forgotten it, another process renewed it.
        client.session_token = instance.token
        try:
            return self.loop.run_until_complete(make_call(client))
        finally:
            if secret is not None:
                self.loop.run_until_complete(client.aclose())
            do_keep_session_token(instance, client.session_token)
            if records:
                record_engine_calls(instance, records)
                records.clear()

    def _client(self, instance: Instance) -> tuple[EngineClient, list[CallRecord]]:
        credentials = credentials_for(instance)
        kept = self._kept.get(instance.pk)
        if kept is not None and kept[0] == credentials:
            return kept[1], kept[2]
        if kept is not None:  # the instance's settings changed since
            self.loop.run_until_complete(kept[1].aclose())
        records: list[CallRecord] = []
        client = self._new_client(instance, credentials, records)
        self._kept[instance.pk] = (credentials, client, records)
        return client, records

    @staticmethod
    def _new_client(instance: Instance, credentials: Credentials,
                    records: list[CallRecord]) -> EngineClient:
        timeout = httpx.Timeout(connect=settings.PONTE_ENGINE_CONNECT_TIMEOUT,
                                read=settings.PONTE_ENGINE_READ_TIMEOUT, write=10.0, pool=5.0)
        return adapter_for(instance.engine).client(credentials, recorder=records.append,
                                                    timeout=timeout)


def call_engine(instance: Instance, make_call: EngineCall[T]) -> T:
    """One call outside a worker (a page asking for a picture): a caller for that call only."""
    with EngineCaller() as caller:
        return caller.call(instance, make_call)
