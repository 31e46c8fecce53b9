"""`ponte demo`: a seeded shop and a clearly labelled simulated engine."""

import logging
import random
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

import httpx
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from ponte.accounts.models import Member, Organization, Role
from ponte.accounts.services import do_create_instance
from ponte.conversations.services import do_store_inbound
from ponte.engines import InboundMessage
from ponte.identity import canonicalize

log = logging.getLogger("ponte.demo")
DEMO_ORG = "Loja Exemplo (demonstração)"
DEMO_EMAIL = "demo@ponte.local"
DEMO_PASSWORD = "demo-ponte"

CUSTOMERS = [
    ("5531987654321", "Ana Souza"),
    ("5511998765432", "Bruno Lima"),
    ("5521991234567", "Carla Mendes"),
    ("5548999990001", "Diego Rocha"),
]
OPENERS = [
    "Oi! Vocês ainda têm o tênis azul no 42?",
    "Bom dia, qual o prazo de entrega para BH?",
    "Quero comprar duas camisetas, aceitam Pix?",
    "Meu pedido chegou com defeito, e agora?",
]
SIMULATED = [
    "Olá, tem promoção hoje?",
    "Qual o horário de funcionamento no sábado?",
    "Consigo trocar o tamanho da calça que comprei?",
    "Obrigada, chegou certinho!",
    "Vocês parcelam no cartão?",
]


@dataclass(frozen=True)
class DemoCredentials:
    email: str
    password: str
    webhook_path: str


@transaction.atomic
def seed() -> DemoCredentials:
    """Create the demo shop once; later runs reuse it."""
    org = Organization.objects.filter(name=DEMO_ORG).first()
    if org is None:
        org = Organization.objects.create(name=DEMO_ORG)
        do_create_instance(org, "wppconnect", name="WhatsApp (simulado)")
        user_model = get_user_model()
        user = user_model.objects.filter(username=DEMO_EMAIL).first() or \
            user_model.objects.create_user(DEMO_EMAIL, DEMO_EMAIL, DEMO_PASSWORD)
        Member.objects.create(org=org, user=user, role=Role.OWNER)
        instance = org.instances.get()
        now = timezone.now()
        for index, ((phone, name), text) in enumerate(zip(CUSTOMERS, OPENERS, strict=True)):
            identity = canonicalize(f"{phone}@c.us")
            do_store_inbound(instance, InboundMessage(
                engine_message_id=f"DEMO{index:04d}", chat=identity, sender=identity,
                timestamp=now - timedelta(minutes=30 - index * 5), text=text, push_name=name))
    return DemoCredentials(DEMO_EMAIL, DEMO_PASSWORD, org.instances.get().webhook_path)


def simulated_body(session: str) -> dict:
    """A WPPConnect `onmessage` body, as the real server would post it."""
    phone, name = random.choice(CUSTOMERS)
    message_id = uuid.uuid4().hex.upper()
    now = int(time.time())
    return {
        "event": "onmessage", "session": session,
        "id": f"false_{phone}@c.us_{message_id}", "body": random.choice(SIMULATED),
        "type": "chat", "t": now, "notifyName": name, "from": f"{phone}@c.us",
        "to": "5511988880000@c.us", "fromMe": False, "isGroupMsg": False,
        "chatId": f"{phone}@c.us", "sender": {"id": f"{phone}@c.us", "pushname": name},
        "timestamp": now,
    }


def start_simulated_engine(base_url: str, webhook_path: str, every_seconds: float = 8.0) -> None:
    """Post a made-up customer message now and then, so a newcomer sees messages arrive."""

    def run() -> None:
        time.sleep(2)
        while True:
            try:
                httpx.post(base_url + webhook_path, json=simulated_body("demo"), timeout=5)
                log.info("simulated engine (demo): posted a customer message")
            except httpx.HTTPError as exc:
                log.warning("simulated engine (demo): %s", exc)
            time.sleep(every_seconds)

    print("Simulated engine (demo only): a fake WhatsApp customer writes every "
          f"{every_seconds:.0f}s", flush=True)
    threading.Thread(target=run, name="ponte-demo-engine", daemon=True).start()
