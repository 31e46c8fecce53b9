"""Remote providers: Gemini and any OpenAI-compatible endpoint, behind the Provider contract.

`remote_provider(config, on_call)` is the one way in: it returns a Provider whose `score`
and `suggest` send the masked chat (prompts.py), check the answer (answers.py), retry
what is worth retrying (calling.py) and raise `ProviderFailed` for anything else, calling
`on_call` with a `CallRecord` for every HTTP attempt. Settings, budgets and falling back
to the offline provider are the callers' business. See docs/ai.md, "Remote providers".
"""

from collections.abc import Callable
from dataclasses import replace

from ponte.ai.calling import DEFAULT_MODELS, CallRecord, RemoteConfig, RemoteProvider
from ponte.ai.failures import OUTCOMES, ProviderFailed
from ponte.ai.gemini import GeminiProvider
from ponte.ai.openai_compatible import OpenAICompatibleProvider

__all__ = ["DEFAULT_MODELS", "OUTCOMES", "PROVIDERS", "CallRecord", "ProviderFailed",
           "RemoteConfig", "RemoteProvider", "remote_provider"]

PROVIDERS: dict[str, type[RemoteProvider]] = {"gemini": GeminiProvider,
                                              "openai": OpenAICompatibleProvider}


def remote_provider(config: RemoteConfig,
                    on_call: Callable[[CallRecord], None] | None = None) -> RemoteProvider:
    """The provider for `config.kind` ("gemini" or "openai"); ValueError for another kind.

    An empty model means the kind's default (DEFAULT_MODELS).
    """
    try:
        provider = PROVIDERS[config.kind]
    except KeyError:
        raise ValueError(f"unknown remote provider {config.kind!r}; "
                         f"one of {sorted(PROVIDERS)}") from None
    if not config.model:
        config = replace(config, model=DEFAULT_MODELS[config.kind])
    return provider(config, on_call)
