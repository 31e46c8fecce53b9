"""WPPConnect Server as Ponte sees it: a self-hosted engine with a session token."""


from ponte.engines.adapter import EngineAdapter
from ponte.engines.wppconnect.client import Client
from ponte.engines.wppconnect.webhook import parse, scrub_media, session_of


class WppconnectAdapter(EngineAdapter):
    name = "wppconnect"
    label = "WPPConnect Server"
    client_class = Client
    read_events = staticmethod(parse)
    session_of = staticmethod(session_of)
    scrub_media = staticmethod(scrub_media)
