"""`ponte demo`: a seeded shop and a clearly labelled simulated engine."""

import io
import logging
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from ponte.accounts.models import Instance, Member, Organization, Role
from ponte.accounts.services import do_create_instance, do_set_engine
from ponte.conversations.models import Message
from ponte.conversations.storing import do_store_inbound, do_store_inbound_many
from ponte.desk.demo import seed_desk
from ponte.engines import InboundMessage
from ponte.engines.events import Location, SharedContact
from ponte.erp.services import do_upsert_customers, do_upsert_sales
from ponte.identity import canonicalize
from ponte.leads.services import do_track_inbound
from ponte.media.storing import Incoming, do_store_bytes
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


# The shop's ERP: the four chat customers (Ana stored with her old 8-digit number, Bruno's
# phone shared with his wife's record), one who never wrote, and a few hundred others drawn
# from a fixed seed.
ERP_SEED = 12
ERP_CUSTOMERS = 300
DEMO_ERP = [
    # (external id, name, phones as the ERP wrote them, cashback, expires in days, sales)
    ("C-0001", "Ana Souza", ["31 8765-4321"], "45.90", 3, [("249.90", 20), ("89.90", 75)]),
    ("C-0002", "Bruno Lima", ["+55 (11) 99876-5432"], "0.00", None, [("129.00", 95)]),
    ("C-0003", "Marina Lima", ["11998765432"], "12.50", 30, [("59.90", 40)]),
    ("C-0004", "Carla Mendes", ["(21) 99123-4567", "21 3333-4444"], "120.00", 6,
     [("1234.56", 3), ("79.90", 33), ("199.90", 64)]),
    ("C-0005", "Diego Rocha", ["048 99999-0001"], "0.00", None, [("349.00", 10)]),
    # Never wrote on WhatsApp: her deep link opens a virtual chat with her ERP data.
    ("C-0006", "Fernanda Alves", ["(31) 99555-1234"], "80.00", 5, [("459.90", 45)]),
]
FIRST_NAMES = ("Ana", "Beatriz", "Camila", "Daniela", "Eduarda", "Fernanda", "Gabriela", "Helena",
               "Isabela", "Juliana", "Larissa", "Mariana", "Natália", "Patrícia", "Rafaela",
               "Sofia", "Thaís", "Vitória", "André", "Bruno", "Carlos", "Diego", "Eduardo",
               "Felipe", "Gustavo", "Henrique", "Igor", "João", "Lucas", "Marcelo", "Pedro",
               "Rafael", "Thiago", "Vinícius", "Conceição", "Raimundo", "Luíza", "Otávio")
SURNAMES = ("Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira",
            "Lima", "Gomes", "Costa", "Ribeiro", "Martins", "Carvalho", "Almeida", "Lopes",
            "Soares", "Fernandes", "Vieira", "Barbosa", "Rocha", "Dias", "Nascimento", "Araújo",
            "Moreira", "Cavalcanti", "Monteiro", "Mendes", "Freitas", "Teixeira")
PRODUCTS = ("Tênis azul 42", "Camiseta básica M", "Calça jeans 40", "Jaqueta corta-vento",
            "Meia (3 pares)", "Bolsa de couro", "Boné", "Vestido floral P", "Sandália 37",
            "Mochila escolar", "Relógio digital", "Óculos de sol")
STORES = ("Loja Centro", "Loja Savassi", "Loja Online")
AREA_CODES = (11, 21, 31, 41, 48, 51, 61, 71, 81, 85)


def _written(rng: random.Random, area: int, number: str) -> str:
    """One mobile (9 + 8 digits) the way some clerk typed it: 8 or 9 digits, +55 or not."""
    head, tail = number[:5], number[5:]
    return rng.choice([f"({area}) {head}-{tail}", f"+55 {area} {head}-{tail}",
                       f"{area} {head[1:]}-{tail}", f"55{area}{number}",
                       f"0{area} {number}", f"({area}){head[1:]}-{tail}"])


def erp_demo_items(today: date) -> tuple[list[dict], list[dict]]:
    """The demo ERP's customers and sales: the same every run, dated from today."""
    rng = random.Random(ERP_SEED)
    customers, sales = [], []

    def add_sale(customer_id: str, total: str, days_ago: int) -> None:
        items = ", ".join(rng.sample(PRODUCTS, rng.randint(1, 3)))
        sales.append({"external_id": f"V-{len(sales) + 1:05d}", "customer_external_id": customer_id,
                      "date": (today - timedelta(days=days_ago)).isoformat(), "total": total,
                      "items": items, "store": rng.choice(STORES), "status": "pago"})

    for external_id, name, phones, cashback, expires_in, bought in DEMO_ERP:
        customers.append({"external_id": external_id, "name": name, "phones": phones,
                          "cashback_balance": cashback,
                          "cashback_expires_on": (today + timedelta(days=expires_in)).isoformat()
                          if expires_in is not None else None})
        for total, days_ago in bought:
            add_sale(external_id, total, days_ago)
    taken = {canonicalize(f"{phone}@c.us").e164 for phone, _ in [*CUSTOMERS, FAMILY]}
    while len(customers) < len(DEMO_ERP) + ERP_CUSTOMERS:
        area = rng.choice(AREA_CODES)
        number = f"9{rng.randint(6, 9)}{rng.randint(0, 9_999_999):07d}"
        if f"+55{area}{number}" in taken:
            continue
        taken.add(f"+55{area}{number}")
        external_id = f"C-{len(customers) + 1:04d}"
        item = {"external_id": external_id, "phones": [_written(rng, area, number)],
                "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)} "
                        f"{rng.choice(SURNAMES)}",
                "marketing_opt_out": rng.random() < 0.08}
        if rng.random() < 0.45:
            item["cashback_balance"] = f"{rng.randint(500, 30000) / 100:.2f}"
            item["cashback_expires_on"] = (today + timedelta(
                days=rng.randint(0, 7) if rng.random() < 0.4 else rng.randint(8, 90))).isoformat()
        if rng.random() < 0.1:  # a birthday this week
            birthday = today + timedelta(days=rng.randint(0, 6))
            born = birthday.year - rng.randint(18, 70)
            if birthday.month == 2 and birthday.day == 29:
                born -= born % 4  # a leap year, so that the day exists
            item["birthday"] = birthday.replace(year=born).isoformat()
        elif rng.random() < 0.8:
            item["birthday"] = date(rng.randint(1950, 2006), rng.randint(1, 12),
                                    rng.randint(1, 28)).isoformat()
        customers.append(item)
        last = rng.choice([rng.randint(1, 29), rng.randint(30, 59), rng.randint(60, 89),
                           rng.randint(90, 400)])  # active, and inactive 30/60/90+ days
        for turn in range(rng.randint(0, 6)):
            add_sale(external_id, f"{rng.randint(1990, 89990) / 100:.2f}",
                     last + turn * rng.randint(10, 60))
    return customers, sales


def seed_erp(org: Organization) -> None:
    """Load the demo ERP through the same upserts the API and the CSV import use."""
    customers, sales = erp_demo_items(timezone.localdate())
    for rejected in [r for r in do_upsert_customers(org.pk, customers) +
                     do_upsert_sales(org.pk, sales) if r.outcome == "rejected"]:
        log.warning("demo ERP item %s rejected: %s", rejected.external_id, rejected.errors)


# The shop's media: a product photo, a voice note with its transcript, a Pix receipt, a
# location and a shared contact, as if the engine had delivered them and the download
# worker had stored their files (through the same `do_store_bytes`). Pictures are drawn at
# seeding (Pillow, a few milliseconds); the voice note is a small OGG/Opus file shipped in
# `demo_assets/` (made by `scripts/voice_note.py`).
ASSETS = Path(__file__).with_name("demo_assets")
VOICE_NOTE = ASSETS / "voice-note.ogg"
VOICE_SECONDS = 7  # as WhatsApp declares it: whole seconds
VOICE_TRANSCRIPT = ("Bom dia! Vocês entregam em Belo Horizonte? Qual é o prazo e quanto fica "
                    "o frete?")


@dataclass(frozen=True)
class DemoMedia:
    """One media message of a demo customer, `minutes_ago` placing it among the texts."""

    phone: str
    name: str
    minutes_ago: float
    kind: str
    caption: str = ""
    mimetype: str = ""
    filename: str = ""
    duration: float | None = None
    transcript: str = ""
    location: Location | None = None
    contacts: list[SharedContact] = field(default_factory=list)


def product_photo() -> bytes:
    """A blue sneaker on a shelf, drawn: the photo a customer sends of what they want."""
    picture = Image.new("RGB", (960, 720), "#eae4da")
    draw = ImageDraw.Draw(picture)
    draw.rectangle((0, 520, 960, 720), fill="#b9a58c")  # the shelf
    draw.rounded_rectangle((170, 300, 800, 540), radius=120, fill="#1f5fbf")  # the upper
    draw.rounded_rectangle((130, 470, 840, 560), radius=40, fill="#f7f7f7")  # the sole
    draw.polygon([(330, 300), (560, 180), (690, 210), (640, 320)], fill="#1f5fbf")  # the collar
    for x in range(380, 620, 48):  # the laces
        draw.line((x, 300, x + 40, 260), fill="#ffffff", width=10)
    draw.ellipse((690, 360, 760, 430), fill="#ffffff")
    font = ImageFont.load_default(size=44)
    draw.rounded_rectangle((40, 40, 290, 120), radius=18, fill="#ffffff")
    draw.text((62, 55), "Tam. 42", font=font, fill="#1f2a37")
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=82)
    return out.getvalue()


def pix_receipt(amount: str, paid_at: datetime) -> bytes:
    """A one-page Pix receipt as banks' apps share it: a PDF."""
    page = Image.new("RGB", (620, 860), "#ffffff")
    draw = ImageDraw.Draw(page)
    title, body, small = (ImageFont.load_default(size=size) for size in (34, 24, 18))
    draw.rectangle((0, 0, 620, 110), fill="#32bcad")
    draw.text((40, 34), "Comprovante de Pix", font=title, fill="#ffffff")
    lines = [("Valor", f"R$ {amount}"), ("Data", paid_at.strftime("%d/%m/%Y %H:%M")),
             ("De", "Carla Mendes"), ("Para", "Loja Exemplo LTDA"),
             ("Chave", "CNPJ 12.345.678/0001-90"), ("ID da transação", "E1234567820261207")]
    y = 150
    for label, value in lines:
        draw.text((40, y), label, font=small, fill="#6b7280")
        draw.text((40, y + 24), value, font=body, fill="#111827")
        y += 90
    draw.text((40, 790), "Demonstração: não é um comprovante real.", font=small,
              fill="#b42318")
    out = io.BytesIO()
    page.save(out, "PDF", resolution=96.0)
    return out.getvalue()


def demo_media() -> list[DemoMedia]:
    """What the demo's customers sent besides text."""
    return [
        DemoMedia("5531987654321", "Ana Souza", 49, "image", caption="É esse aqui, no 42",
                  mimetype="image/jpeg"),
        DemoMedia("5511998765432", "Bruno Lima", 41, "voice",
                  mimetype="audio/ogg; codecs=opus", duration=VOICE_SECONDS,
                  transcript=VOICE_TRANSCRIPT),
        DemoMedia("5511998765432", "Bruno Lima", 39.5, "location", location=Location(
            latitude=-19.9386, longitude=-43.9349, name="Casa do Bruno",
            address="Rua Pernambuco, 1000 - Savassi, Belo Horizonte - MG")),
        DemoMedia("5521991234567", "Carla Mendes", 20.5, "document",
                  mimetype="application/pdf", filename="comprovante-pix.pdf"),
        DemoMedia("5521991234567", "Carla Mendes", 19, "contact", contacts=[SharedContact(
            name="Patrícia Mendes (irmã)", phones=["+55 21 99876-1234"])]),
    ]


def demo_media_events(now: datetime) -> list[InboundMessage]:
    """The media messages as the engine would deliver them, files left for `attach_files`."""
    events = []
    for number, item in enumerate(demo_media()):
        identity = canonicalize(f"{item.phone}@c.us")
        events.append(InboundMessage(
            engine_message_id=f"DEMOMEDIA-{number}", chat=identity, sender=identity,
            timestamp=now - timedelta(minutes=item.minutes_ago), kind=item.kind,
            caption=item.caption, push_name=item.name, location=item.location,
            shared_contacts=item.contacts))
    return events


def demo_file(item: DemoMedia, message: Message) -> bytes:
    if item.kind == "image":
        return product_photo()
    if item.kind == "voice":
        return VOICE_NOTE.read_bytes()
    return pix_receipt("89,80", timezone.localtime(message.engine_timestamp))


def attach_files(instance: Instance) -> None:
    """Store the demo messages' files (as the download worker does) and attach them.

    Runs outside the seeding's transaction, as the store wants: a file is written before
    its row. A message still without its file after an interrupted run gets it next run.
    """
    for number, item in enumerate(demo_media()):
        if not item.mimetype:
            continue
        message = Message.objects.filter(instance=instance, engine_message_id=f"DEMOMEDIA-{number}",
                                         file__isnull=True).first()
        if message is None:
            continue
        file = do_store_bytes(instance.org_id, Incoming(demo_file(item, message), item.kind,
                                                        item.mimetype))
        facts = {"mimetype": item.mimetype, "size": file.size, "state": "stored"}
        if item.filename:
            facts["filename"] = item.filename
        if item.duration:
            facts["duration"] = item.duration
        Message.objects.filter(pk=message.pk).update(
            file=file, media=(message.media or {}) | facts, transcript=item.transcript)


@dataclass(frozen=True)
class DemoCredentials:
    email: str
    password: str
    webhook_path: str
    session: str


DEMO_ENGINE_SECRET = "demo-engine-secret"


def seed(engine_url: str = "") -> DemoCredentials:
    """Create the demo shop once; later runs reuse it, pointed at this run's engine."""
    credentials = _seed_shop(engine_url)
    attach_files(Instance.objects.get(org__name=DEMO_ORG))
    return credentials


@transaction.atomic
def _seed_shop(engine_url: str) -> DemoCredentials:
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
        stored += do_store_inbound_many(instance, demo_media_events(now))
        do_track_inbound(org.pk, stored)  # the worker scores them a few seconds after start
        family = canonicalize(f"{FAMILY[0]}@c.us")
        do_store_inbound(instance, InboundMessage(
            engine_message_id="DEMOFAMILY", chat=family, sender=family, timestamp=now,
            text=FAMILY_TEXTS[0], push_name=FAMILY[1]))
        do_hide_number(org.pk, family.e164, Actor.member(user),
                       note="Família: não é cliente")
        seed_erp(org)
        seed_desk(org, user)
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
