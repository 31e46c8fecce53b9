"""Finds an engine's adapter by its name: the one list of the engines Ponte speaks to."""

from typing import Any

from ponte.engines.adapter import EngineAdapter
from ponte.engines.cloudapi.adapter import CloudApiAdapter
from ponte.engines.events import Event, UnknownPayload
from ponte.engines.evolution.adapter import EvolutionAdapter
from ponte.engines.wppconnect.adapter import WppconnectAdapter

ADAPTERS: dict[str, EngineAdapter] = {
    adapter.name: adapter
    for adapter in (WppconnectAdapter(), EvolutionAdapter(), CloudApiAdapter())
}
ENGINES = tuple(ADAPTERS)


class UnknownEngine(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"unknown engine {name!r}; pick one of {', '.join(ENGINES)}")


def adapter_for(engine: str) -> EngineAdapter:
    try:
        return ADAPTERS[engine]
    except KeyError:
        raise UnknownEngine(engine) from None


def parse(engine: str, payload: Any) -> list[Event]:
    """Parse one webhook body; anything not understood raises UnknownPayload."""
    if engine not in ADAPTERS:
        raise UnknownPayload(f"unknown engine {engine!r}")
    return ADAPTERS[engine].parse(payload)
