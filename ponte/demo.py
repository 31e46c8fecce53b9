"""`ponte demo`: a seeded shop and a clearly labelled simulated engine."""

import logging
import random
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from ponte.accounts.models import Member, Organization, Role
from ponte.accounts.services import do_create_instance, do_set_engine
from ponte.conversations.storing import do_store_inbound, do_store_inbound_many
from ponte.engines import InboundMessage
from ponte.identity import canonicalize
from ponte.leads.services import do_track_inbound
from ponte.privacy.services import Actor, do_hide_number

if TYPE_CHECKING:
    from emulators.wppconnect import Emulator

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
# Each customer's chat so far: (minutes ago, from the shop?, text). The leads' scores,
# reasons and reply drafts come from the real offline scorer, a few seconds after start.
CHATS = [
    [(50, False, "Oi! Vocês ainda têm o tênis azul no 42?"),
     (48, True, "Oi, Ana! Temos sim, sai por R$ 249,90."),
     (45, False, "Aceita pix? Se der eu fecho hoje e vc manda amanhã?")],
    [(40, False, "Bom dia, qual o prazo de entrega para BH?"),
     (38, True, "Bom dia, Bruno! Para BH são 2 dias úteis, frete R$ 15."),
     (30, False, "Hmm achei meio caro o frete, vou pensar")],
    [(35, False, "Quero comprar duas camisetas, aceitam Pix?"),
     (33, True, "Aceitamos sim! A chave é o CNPJ da loja."),
     (20, False, "Pronto, segue o comprovante 😊 pode separar a M e a G")],
    [(15, False, "Meu pedido chegou com defeito, e agora?? 😡")],
]
# The owner's family writes to the shop's number too: hidden from the CRM at seeding, so
# the demo shows the number in Settings › Privacidade and nowhere else, even as it writes.
FAMILY = ("5531991112222", "Mãe")
FAMILY_TEXTS = ["Filho, passa aqui em casa depois do trabalho?", "Trouxe bolo pra você!"]
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
    session: str


DEMO_ENGINE_SECRET = "demo-engine-secret"


@transaction.atomic
def seed(engine_url: str = "") -> DemoCredentials:
    """Create the demo shop once; later runs reuse it, pointed at this run's engine."""
    org = Organization.objects.filter(name=DEMO_ORG).first()
    if org is None:
        org = Organization.objects.create(name=DEMO_ORG)
        do_create_instance(org, "wppconnect", name="WhatsApp (simulado)",
                           secrets_list=[DEMO_ENGINE_SECRET])
        user_model = get_user_model()
        user = user_model.objects.filter(username=DEMO_EMAIL).first() or \
            user_model.objects.create_user(DEMO_EMAIL, DEMO_EMAIL, DEMO_PASSWORD)
        Member.objects.create(org=org, user=user, role=Role.OWNER)
        instance = org.instances.get()
        now = timezone.now()
        stored = do_store_inbound_many(instance, [
            InboundMessage(engine_message_id=f"DEMO{index}-{turn}", chat=identity,
                           sender=identity, from_me=from_shop, text=text,
                           timestamp=now - timedelta(minutes=minutes_ago),
                           push_name=None if from_shop else name)
            for index, ((phone, name), chat) in enumerate(zip(CUSTOMERS, CHATS, strict=True))
            for identity in [canonicalize(f"{phone}@c.us")]
            for turn, (minutes_ago, from_shop, text) in enumerate(chat)])
        do_track_inbound(org.pk, stored)  # the worker scores them a few seconds after start
        family = canonicalize(f"{FAMILY[0]}@c.us")
        do_store_inbound(instance, InboundMessage(
            engine_message_id="DEMOFAMILY", chat=family, sender=family, timestamp=now,
            text=FAMILY_TEXTS[0], push_name=FAMILY[1]))
        do_hide_number(org.pk, family.e164, Actor.member(user),
                       note="Família: não é cliente")
    instance = org.instances.get()
    if engine_url:
        do_set_engine(instance, base_url=engine_url)  # the simulator's port changes each run
    return DemoCredentials(DEMO_EMAIL, DEMO_PASSWORD, instance.webhook_path, instance.session_name)


def start_simulated_engine() -> "Emulator":
    """Ponte's own WPPConnect emulator, standing in for a phone: sends work, acks come back."""
    from emulators.wppconnect import Emulator

    emulator = Emulator(secrets=[DEMO_ENGINE_SECRET], logged_in=True, auto_ack=True).start()
    for phone, _ in CUSTOMERS[:3]:  # the last one hides their picture
        emulator.set_picture(phone)
    return emulator


def start_simulated_customers(emulator: "Emulator", session: str,
                              every_seconds: float = 8.0) -> None:
    """A made-up customer writes now and then, so a newcomer sees messages arrive."""

    def run() -> None:
        time.sleep(3)
        while True:
            phone, name = random.choice([*CUSTOMERS, FAMILY])
            text = random.choice(FAMILY_TEXTS if phone == FAMILY[0] else SIMULATED)
            try:
                emulator.receive_text(phone, text, push_name=name, session=session)
                log.info("simulated engine (demo): a customer wrote")
            except Exception as exc:  # the demo's stand-in must never take Ponte down
                log.warning("simulated engine (demo): %s", exc)
            time.sleep(every_seconds)

    print("Simulated engine (demo only): a fake WhatsApp customer writes every "
          f"{every_seconds:.0f}s", flush=True)
    threading.Thread(target=run, name="ponte-demo-customers", daemon=True).start()


def scan_waiting_qr(emulator: "Emulator", session: str, waiting_since: float | None,
                    now: float, after: float) -> float | None:
    """One look at the simulated phone: a QR code shown for `after` seconds gets "scanned".

    Returns since when a QR code has been waiting (None: none is). A reset total logs
    the simulated engine out, and no real phone is there to read the new QR code.
    """
    if emulator.state_of(session) != "QRCODE":
        return None
    if waiting_since is None:
        return now
    if now - waiting_since < after:
        return waiting_since
    emulator.scan_qr(session)
    log.info("simulated engine (demo): the phone read the QR code")
    return None


def start_simulated_phone(emulator: "Emulator", session: str, scan_after: float = 5.0) -> None:
    """The demo's phone: it reads any new QR code (after a reset total) a few seconds later."""

    def run() -> None:
        waiting_since = None
        while True:
            time.sleep(1)
            try:
                waiting_since = scan_waiting_qr(emulator, session, waiting_since,
                                                time.monotonic(), scan_after)
            except Exception as exc:  # the demo's stand-in must never take Ponte down
                log.warning("simulated engine (demo): %s", exc)

    print(f"Simulated engine (demo only): a new QR code is read {scan_after:.0f}s after it "
          "shows (after a reset total)", flush=True)
    threading.Thread(target=run, name="ponte-demo-phone", daemon=True).start()
