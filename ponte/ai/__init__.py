"""Lead scoring and reply suggestions: the provider contract, the offline model, its evaluation,
and the remote providers (Gemini, OpenAI-compatible)."""
