"""Meta's WhatsApp Cloud API as Ponte sees it: signed posts, a verified callback URL,
and an access token with a phone-number id instead of an address."""

from collections.abc import Mapping

from ponte.engines.adapter import EngineAdapter, InstanceConfig
from ponte.engines.cloudapi.client import Client
from ponte.engines.cloudapi.webhook import parse, verify_signature


class CloudApiAdapter(EngineAdapter):
    name = "cloudapi"
    label = "WhatsApp Cloud API"
    client_class = Client
    read_events = staticmethod(parse)
    signs_webhooks = True

    def verify_request(self, instance: InstanceConfig, body: bytes,
                       headers: Mapping[str, str]) -> bool:
        """`X-Hub-Signature-256` against the App Secret; without one, anyone who learnt the
        webhook URL could post, so only an explicit opt-out lets unsigned posts in."""
        if not instance.app_secret:
            return instance.allow_unsigned_webhooks
        return verify_signature(body, headers.get("X-Hub-Signature-256"), instance.app_secret)

    def answer_handshake(self, instance: InstanceConfig,
                         params: Mapping[str, str]) -> str | None:
        """Meta's subscription check: echo `hub.challenge` when the verify token is ours."""
        if params.get("hub.mode") != "subscribe" or not instance.accepts_token(
                params.get("hub.verify_token", "")):
            return None
        return params.get("hub.challenge", "")

    def is_configured(self, instance: InstanceConfig) -> bool:
        """Meta's address is fixed: an access token and a phone-number id are enough."""
        return bool(instance.secrets_encrypted and instance.phone_number_id)
