"""Counts of an erasure said in words: "12 mensagens, 1 conversa e 1 contato"."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# Kinds as `holds_personal_data` names them, most telling first.
_KINDS = {
    "messages": lambda n: ngettext("%(n)d mensagem", "%(n)d mensagens", n),
    "conversations": lambda n: ngettext("%(n)d conversa", "%(n)d conversas", n),
    "contacts": lambda n: ngettext("%(n)d contato", "%(n)d contatos", n),
    "media_files": lambda n: ngettext("%(n)d arquivo de mídia", "%(n)d arquivos de mídia", n),
    "media_downloads": lambda n: ngettext("%(n)d arquivo ainda por baixar",
                                          "%(n)d arquivos ainda por baixar", n),
    "transcriptions": lambda n: ngettext("%(n)d transcrição de áudio",
                                         "%(n)d transcrições de áudio", n),
    "notes": lambda n: ngettext("%(n)d nota interna", "%(n)d notas internas", n),
    "chat_events": lambda n: ngettext("%(n)d registro de atendimento",
                                      "%(n)d registros de atendimento", n),
    "chat_labels": lambda n: ngettext("%(n)d etiqueta em conversa", "%(n)d etiquetas em conversas",
                                      n),
    "notifications": lambda n: ngettext("%(n)d notificação", "%(n)d notificações", n),
    "away_replies": lambda n: ngettext("%(n)d mensagem de ausência",
                                       "%(n)d mensagens de ausência", n),
    "handles": lambda n: ngettext("%(n)d identificador do WhatsApp",
                                  "%(n)d identificadores do WhatsApp", n),
    "leads": lambda n: ngettext("%(n)d lead", "%(n)d leads", n),
    "lead_scores": lambda n: ngettext("%(n)d pontuação de lead", "%(n)d pontuações de lead", n),
    "reply_suggestions": lambda n: ngettext("%(n)d sugestão de resposta",
                                            "%(n)d sugestões de resposta", n),
    "erp_customers": lambda n: ngettext("%(n)d cliente do ERP", "%(n)d clientes do ERP", n),
    "erp_sales": lambda n: ngettext("%(n)d venda do ERP", "%(n)d vendas do ERP", n),
    "erp_customer_phones": lambda n: ngettext("%(n)d telefone de cliente do ERP",
                                              "%(n)d telefones de clientes do ERP", n),
    "early_updates": lambda n: ngettext("%(n)d atualização de status",
                                        "%(n)d atualizações de status", n),
    "webhook_bodies": lambda n: ngettext("%(n)d evento recebido do motor",
                                         "%(n)d eventos recebidos do motor", n),
    "engine_calls": lambda n: ngettext("%(n)d registro de diagnóstico",
                                       "%(n)d registros de diagnóstico", n),
}


def counts_in_words(counts: dict[str, int]) -> str:
    """Each kind with a count, in the page's language; "" when nothing was counted."""
    known = [_KINDS[kind](n) % {"n": n} for kind, n in
             sorted(counts.items(), key=lambda item: _order(item[0])) if n and kind in _KINDS]
    # A kind registered after this list was written still shows, by its own name.
    known += [f"{n} × {kind}" for kind, n in sorted(counts.items()) if n and kind not in _KINDS]
    if len(known) < 2:
        return "".join(known)
    return _("%(list)s e %(last)s") % {"list": ", ".join(known[:-1]), "last": known[-1]}


def _order(kind: str) -> int:
    return list(_KINDS).index(kind) if kind in _KINDS else len(_KINDS)
