"""Search and inbox benchmark: words found among 200,000 messages, and the inbox's first page
with 10,000 open chats.

    .venv/bin/python benchmarks/search.py [--messages 200000] [--chats 10000] [--json]

Issue 14's target: a word found in a 200,000-message database in under 100 ms at p95, on
SQLite and on PostgreSQL (run with DATABASE_URL set: a database of its own is made and
dropped). Messages of everyday shop Portuguese are bulk-inserted in a temporary data dir;
then 200 searches of common and rare words, as the inbox's search box runs them
(`found_messages(...)[:30]`), and the baseline: 200 lookups of one message by id, in the
same run. The inbox page (GET /, signed in, 10,000 open chats) and the API's first page
of conversations (GET /api/v1/conversations?status=open) are timed 30 times each.
"""

import argparse
import json
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.common import ms, setup_label  # noqa: E402
from tests.procs import isolated_env  # noqa: E402

GREETINGS = ["oi", "olá", "bom dia", "boa tarde", "boa noite", "opa", "e aí"]
ASKS = ["vocês têm {item} no tamanho {size}?", "qual o preço do {item}?",
        "o {item} ainda está disponível?", "quero trocar o {item}, ficou pequeno",
        "quando chega o meu pedido?", "qual o prazo de entrega para {city}?",
        "posso pagar no pix?", "aceitam cartão em três vezes?", "meu pedido ainda não chegou",
        "obrigado pelo atendimento", "vou passar na loja amanhã", "tem desconto à vista?",
        "a nota fiscal sai no meu nome?", "o frete para {city} é grátis?",
        "chegou certinho, muito obrigada", "pode separar o {item} pra mim?",
        "qual o horário de funcionamento no sábado?", "vocês entregam em {city}?"]
REPLIES = ["temos sim! o {item} está por R$ {price},90",
           "o prazo para {city} é de {days} dias úteis",
           "pode pagar no pix, a chave é o nosso CNPJ", "seu pedido saiu para entrega hoje",
           "separei o {item} no tamanho {size} para você", "a troca pode ser feita em até 30 dias",
           "parcelamos em até 6 vezes sem juros", "estamos abertos das 9h às 18h",
           "o código de rastreio é BR{days}{price}BR", "já emiti a nota fiscal"]
ITEMS = ["tênis", "vestido", "camiseta", "calça jeans", "bolsa", "sandália", "jaqueta",
         "bermuda", "mochila", "relógio", "óculos", "boné", "saia", "blusa de frio", "chinelo"]
CITIES = ["Belo Horizonte", "Contagem", "São Paulo", "Campinas", "Salvador", "Recife",
          "Curitiba", "Porto Alegre", "Goiânia", "Juiz de Fora", "Uberlândia", "Niterói"]
SIZES = ["P", "M", "G", "GG", "36", "38", "40", "42"]
RARE = ["orquídea", "guarda-chuva", "maracujá", "berimbau", "paralelepípedo", "xilogravura",
        "jabuticaba", "caleidoscópio"]
COMMON_QUERIES = ["pedido", "entrega", "obrigado", "pix", "tênis", "troca", "prazo",
                  "nota fiscal", "bom dia", "tamanho", "frete", "cartão"]


def sentence(rng: random.Random, outbound: bool) -> str:
    template = rng.choice(REPLIES if outbound else ASKS)
    text = template.format(item=rng.choice(ITEMS), city=rng.choice(CITIES),
                           size=rng.choice(SIZES), price=rng.randint(39, 499),
                           days=rng.randint(2, 12))
    if not outbound and rng.random() < 0.3:
        text = f"{rng.choice(GREETINGS)}, {text}"
    if rng.random() < 0.0003:  # a rare word in about 60 of 200,000 messages
        text += f" (e a {rng.choice(RARE)}?)"
    return text


def setup_django(env: dict) -> None:
    os.environ.update({k: v for k, v in env.items() if k in ("PONTE_DATA_DIR", "DATABASE_URL")})
    os.environ["DJANGO_SETTINGS_MODULE"] = "ponte.settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def seed(messages: int, chats: int) -> dict:
    """An organization with `chats` open chats and `messages` messages among them."""
    from ponte.accounts.services import do_provision_organization
    from ponte.conversations.models import Contact, Conversation, Message

    made = do_provision_organization("Loja Bench", "wppconnect")
    org, instance = made.org, made.instance
    rng = random.Random(14)
    contacts = Contact.objects.bulk_create(
        [Contact(org=org, e164=f"+55319{n:08d}", push_name=f"Cliente {n}") for n in range(chats)],
        batch_size=2000)
    convs = Conversation.objects.bulk_create(
        [Conversation(org=org, instance=instance, contact=c) for c in contacts], batch_size=2000)
    start = datetime.now(UTC) - timedelta(seconds=messages * 20)
    last: dict[int, Message] = {}
    batch: list[Message] = []
    for n in range(messages):
        chat = convs[rng.randrange(chats)] if n >= chats else convs[n]
        outbound = rng.random() < 0.45
        batch.append(Message(org=org, instance=instance, conversation=chat,
                             direction="out" if outbound else "in", text=sentence(rng, outbound),
                             engine_message_id=f"bench{n}", status="read",
                             engine_timestamp=start + timedelta(seconds=n * 20)))
        if len(batch) == 5000 or n == messages - 1:
            for message in Message.objects.bulk_create(batch):
                last[message.conversation_id] = message
            batch = []
    for chat in convs:
        chat.last_message = last[chat.pk]
        chat.last_message_at = last[chat.pk].engine_timestamp
    Conversation.objects.bulk_update(convs, ["last_message", "last_message_at"], batch_size=2000)
    return {"made": made, "org_id": org.pk}


def analyse() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def timed(action, times: int) -> list[float]:
    found = []
    for _ in range(times):
        began = time.perf_counter()
        action()
        found.append(time.perf_counter() - began)
    return found


def searches(org_id, messages: int, runs: int) -> dict[str, list[float]]:
    from ponte.conversations.models import Message
    from ponte.conversations.search import found_messages

    rng = random.Random(7)
    ids = list(Message.objects.values_list("pk", flat=True)[:messages])
    queries = {"common": COMMON_QUERIES, "rare": RARE}
    out: dict[str, list[float]] = {"baseline: message by id": timed(
        lambda: Message.objects.filter(pk=rng.choice(ids)).first(), runs)}
    for kind, words in queries.items():
        out[f"search, {kind} words"] = timed(
            lambda words=words: list(found_messages(org_id, rng.choice(words))[:30]), runs // 2)
    out["search, all"] = out["search, common words"] + out["search, rare words"]
    return out


def inbox_page(made, runs: int) -> list[float]:
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    assert client.login(username=made.owner_email, password=made.owner_password)
    assert client.get("/").status_code == 200  # warm: templates, the session
    return timed(lambda: client.get("/"), runs)


def explain(made) -> None:
    """The plans of searches for a common, a less common and a rare word, and the queries
    the inbox page makes, slowest first."""
    from django.db import connection

    from ponte.conversations.search import found_messages

    shown = {f"search '{word}'": found_messages(made.org.pk, word)[:30]
             for word in ("pedido", "uberlandia", "orquidea")}
    analyze = "EXPLAIN ANALYZE " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    for name, rows in shown.items():
        sql, params = rows.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(analyze + sql, params)
            print(f"--- {name}")
            print("\n".join(" ".join(str(c) for c in row) for row in cursor.fetchall()))
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="localhost")
    client.login(username=made.owner_email, password=made.owner_password)
    with CaptureQueriesContext(connection) as captured:
        client.get("/")
    slowest = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:5]
    print(f"--- GET /: {len(captured)} queries; slowest:")
    for query in slowest:
        print(f"{float(query['time']) * 1000:8.1f} ms  {query['sql'][:160]}")


def api_list(made, runs: int) -> list[float]:
    from django.test import Client

    client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {made.api_key}")
    assert client.get("/api/v1/conversations").status_code == 200
    return timed(lambda: client.get("/api/v1/conversations", {"status": "open"}), runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=200, help="searches timed")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead")
    parser.add_argument("--explain", action="store_true", help="print the queries' plans")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, isolated_env(Path(tmp)) as env:
        setup_django(env)
        from django.db import connections

        began = time.perf_counter()
        seeded = seed(args.messages, args.chats)
        seeding = time.perf_counter() - began
        analyse()
        figures = searches(seeded["org_id"], args.messages, args.runs)
        figures["inbox page (GET /)"] = inbox_page(seeded["made"], 30)
        figures["API conversations, 50"] = api_list(seeded["made"], 30)
        if args.explain:
            explain(seeded["made"])
        setup = setup_label(env)
        connections.close_all()  # before the database is dropped
    rows = {name: {"runs": len(values), "p50_ms": round(ms(values, 50), 2),
                   "p95_ms": round(ms(values, 95), 2)} for name, values in figures.items()}
    if args.json:
        print(json.dumps({"setup": setup, "messages": args.messages, "chats": args.chats,
                          "seeding_s": round(seeding, 1), "rows": rows}, indent=2))
        return
    base = rows["baseline: message by id"]["p50_ms"] or 0.001
    print(f"{args.messages:,} messages in {args.chats:,} open chats, {setup} "
          f"(seeded in {seeding:.0f} s)")
    print(f"{'what':28} {'runs':>5} {'p50 ms':>8} {'p95 ms':>8} {'p50 / baseline':>15}")
    for name, row in rows.items():
        print(f"{name:28} {row['runs']:5d} {row['p50_ms']:8.2f} {row['p95_ms']:8.2f} "
              f"{row['p50_ms'] / base:15.1f}")


if __name__ == "__main__":
    main()
