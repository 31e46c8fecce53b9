"""Lead scoring and reply suggestions: the provider contract, the offline model, its evaluation,
the remote providers (Gemini, OpenAI-compatible) and each organization's choice among them."""
