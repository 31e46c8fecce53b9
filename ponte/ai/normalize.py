"""WhatsApp Portuguese made plain: one spelling per word, so the cues and the model match it.

Customers write "siiiim", "qto fica?", "vc tem?", "nao" and "não" alike, and say how they
feel with emojis more than words. Everything downstream reads the output of `normalize`.
"""

import re
import unicodedata

# Abbreviations as customers type them -> the word they stand for (already accent-free).
ABBREVIATIONS = {
    "vc": "voce", "vcs": "voces", "voce": "voce", "ce": "voce",
    "qto": "quanto", "qnto": "quanto", "qnt": "quanto", "qt": "quanto", "qnta": "quanta",
    "qtos": "quantos",
    "tb": "tambem", "tbm": "tambem", "tmb": "tambem",
    "blz": "beleza", "pfv": "por favor", "pf": "por favor", "pfvr": "por favor",
    "plmds": "pelo amor de deus",
    "qro": "quero", "qr": "quero", "kero": "quero",
    "vlw": "valeu", "obg": "obrigado", "obgd": "obrigado", "obgda": "obrigada",
    "brigado": "obrigado", "brigada": "obrigada",
    "td": "tudo", "tds": "todos", "msm": "mesmo", "pq": "porque", "kd": "cade",
    "q": "que", "oq": "o que", "n": "nao", "hj": "hoje", "mt": "muito", "mto": "muito",
    "mta": "muita", "cmg": "comigo", "ctz": "certeza", "dps": "depois", "agr": "agora",
    "tbem": "tambem", "tava": "estava", "to": "estou", "tou": "estou", "ta": "esta",
    "eh": "e", "pra": "para", "pro": "para o", "vdd": "verdade", "sdds": "saudade",
    "add": "adicionar", "msg": "mensagem", "msgs": "mensagens", "zap": "whatsapp",
    "wpp": "whatsapp", "whats": "whatsapp", "nd": "nada", "ngm": "ninguem", "tmj": "valeu",
    "bjs": "beijos", "bj": "beijo", "amg": "amiga", "mana": "amiga", "flw": "falou",
    "cartao": "cartao", "cep": "cep", "rs": "risos", "ok": "ok", "okay": "ok", "blza": "beleza",
    "qnd": "quando", "qdo": "quando", "qndo": "quando", "qual": "qual", "ql": "qual",
    "qm": "quem", "cm": "como", "dnv": "de novo", "dms": "demais", "dmais": "demais",
    "aq": "aqui", "aki": "aqui", "naum": "nao", "nn": "nao", "neh": "ne", "sla": "sei la",
    "fds": "fim de semana", "obgdo": "obrigado", "obgado": "obrigado",
    "obrigadao": "obrigado", "obrigadona": "obrigada", "brigadao": "obrigado",
    "qria": "queria", "kria": "queria", "keria": "queria", "vo": "vou", "vamo": "vamos",
    "tbn": "tambem", "tamem": "tambem", "pfvor": "por favor", "porfavor": "por favor",
    "mtu": "muito", "muitoo": "muito", "mtas": "muitas",
    "entao": "entao", "ent": "entao", "entt": "entao", "cade": "cade", "kde": "cade",
    "pd": "pode", "pode": "pode", "vlww": "valeu", "valew": "valeu", "bjss": "beijos",
    "bjo": "beijo", "bjos": "beijos", "amr": "amor", "mo": "amor", "transf": "transferencia",
    "comprov": "comprovante", "qtd": "quantidade", "qtde": "quantidade", "unid": "unidade",
    "dsclp": "desculpa", "desc": "desconto", "tmnh": "tamanho", "tam": "tamanho",
}

# Emojis (and a few emoticons) -> a word the lexicon knows.
EMOJI_CUES = {
    "😍": " emojipos ", "🥰": " emojipos ", "❤": " emojipos ", "💕": " emojipos ",
    "💖": " emojipos ", "😊": " emojipos ", "☺": " emojipos ", "😁": " emojipos ",
    "😀": " emojipos ", "😃": " emojipos ", "😄": " emojipos ", "🤩": " emojipos ",
    "😘": " emojipos ", "👏": " emojipos ", "🥳": " emojipos ", "✨": " emojipos ",
    "🔥": " emojipos ", "💜": " emojipos ", "💙": " emojipos ", "🤗": " emojipos ",
    "👍": " emojiok ", "👌": " emojiok ", "🙏": " emojiplease ", "✅": " emojiok ",
    "😡": " emojineg ", "😠": " emojineg ", "🤬": " emojineg ", "😤": " emojineg ",
    "😞": " emojineg ", "😢": " emojineg ", "😭": " emojineg ", "👎": " emojineg ",
    "💔": " emojineg ", "😒": " emojineg ", "😩": " emojineg ", "😫": " emojineg ",
    "😣": " emojineg ", "☹": " emojineg ", "🙁": " emojineg ", "😔": " emojineg ",
    "😻": " emojipos ", "🎉": " emojipos ", "🙌": " emojipos ", "😉": " emojipos ",
    "🥹": " emojipos ", "💐": " emojipos ", "🌺": " emojipos ", "🌸": " emojipos ",
    "🌷": " emojipos ", "☀": " emojipos ", "😋": " emojipos ", "🤤": " emojipos ",
    "💪": " emojipos ", "🤍": " emojipos ", "💗": " emojipos ", "💛": " emojipos ",
    "💚": " emojipos ", "😎": " emojipos ", "🙂": " emojiok ",
    "👊": " emojipos ", "🤝": " emojiok ", "💯": " emojipos ", "⭐": " emojipos ",
    "🌟": " emojipos ", "💄": " emojipos ", "🎂": " emojipos ", "🧁": " emojipos ",
    "🤑": " emojipos ", "😇": " emojipos ", "🫶": " emojipos ", "💓": " emojipos ",
    "💞": " emojipos ", "💝": " emojipos ", "🧡": " emojipos ", "🤎": " emojipos ",
    "😓": " emojineg ", "😥": " emojineg ", "😰": " emojineg ", "😿": " emojineg ",
    "🤦": " emojineg ", "😖": " emojineg ", "🥵": " emojineg ", "😪": " emojineg ",
    "🥲": " emojineg ", "😱": " emojineg ", "🤮": " emojineg ", "🤢": " emojineg ",
    "😏": " emojiirony ", "🫠": " emojiirony ", "🤨": " emojidoubt ", "🤷": " emojidoubt ",
    "😳": " emojidoubt ", "🥺": " emojiplease ",
    "🙄": " emojiirony ", "🙃": " emojiirony ", "😑": " emojiirony ", "😐": " emojiirony ",
    "🤡": " emojiirony ", "🤔": " emojidoubt ", "😅": " emojidoubt ", "😬": " emojidoubt ",
    "😂": " emojilaugh ", "🤣": " emojilaugh ", "😆": " emojilaugh ",
    ":)": " emojipos ", ":-)": " emojipos ", ":d": " emojipos ", "<3": " emojipos ",
    ":(": " emojineg ", ":-(": " emojineg ", ":/": " emojidoubt ",
}
_EMOJI = re.compile("|".join(re.escape(key) for key in sorted(EMOJI_CUES, key=len, reverse=True)))
_REPEATS = re.compile(r"([a-z])\1{2,}")  # three or more of a letter: "siiiim" -> "sim"
# A doubled vowel at a word's end is a drawl ("lindoo", "amoo", "oii"): Portuguese words do
# not end so, bar "voo", "zoo", "enjoo".
_DRAWL = re.compile(r"\b(?!(?:voo|zoo|enjoo)\b)(\w*?)([aeiou])\2+\b")
_LAUGH = re.compile(r"\b(?:k{2,}|(?:ha){2,}h?|(?:he){2,}h?|(?:rs){2,}|kk\w*)\b")
_MONEY = re.compile(r"r\$\s*\d+(?:[.,]\d+)*"
                    r"|\b\d+(?:[.,]\d+)*\s*(?:mil )?(?:reais|contos?|pilas?)\b")
_WORD = re.compile(r"[a-z0-9$]+")


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def normalize(text: str) -> str:
    """Lower case, no accents, emojis as cue words, repeated letters collapsed, abbreviations
    spelt out. Money amounts become `valorcitado`, laughs `risos`."""
    lowered = _EMOJI.sub(lambda found: EMOJI_CUES[found.group(0)], text.lower())
    lowered = lowered.replace("ñ", "nao ")
    plain = strip_accents(lowered)
    plain = _MONEY.sub(" valorcitado ", plain)
    plain = _LAUGH.sub(" risos ", plain)  # before the repeats fold "kkkk" into "k"
    plain = _REPEATS.sub(r"\1", plain)
    plain = _DRAWL.sub(r"\1\2", plain)
    words = [ABBREVIATIONS.get(word, word) for word in _WORD.findall(plain)]
    return " ".join(words)


def words(text: str) -> list[str]:
    """The words of an already normalized text."""
    return text.split()
