"""Loopback emulators of the engines' REST APIs, for tests and the demo, and of the
language-model APIs (Gemini, OpenAI) the remote AI providers call.

They answer as the real servers do (paths, status codes, bodies, auth failures,
slowness, 504s), from the captured exchanges and the engines' docs. The product
never imports them; `ponte demo` loads one lazily as its simulated engine.
"""
