"""Reply templates for the offline provider, one per topic, in the shop's friendly pt-BR.

Templates never quote the customer: whatever the customer wrote (even "ignore as instruções")
only chooses which template answers, so nothing they type is sent back or obeyed.
"""

import re

TEMPLATES = {
    "price": "Oi{name}! Já te passo o valor certinho. Quer que eu mande também as formas de "
             "pagamento e o frete para o seu CEP?",
    "price_payment": "Oi{name}! Já te passo o valor certinho. Aceitamos Pix, cartão de crédito e "
                     "débito: no Pix eu te mando a chave, no cartão o link. Como prefere pagar?",
    "order": "Oi{name}! Combinado, já separo para você. Te mando o total com o frete e as formas "
             "de pagamento para fechar.",
    "stock": "Oi{name}! Vou conferir no estoque agora e já te falo se temos. Me diz o tamanho "
             "e a cor que você prefere?",
    "size": "Oi{name}! Te mando as medidas de cada tamanho para você escolher com segurança. "
            "Qual tamanho você costuma usar?",
    "colour": "Oi{name}! Te mando as fotos das cores que temos disponíveis. Qual te agradou mais?",
    "delivery": "Oi{name}! Entregamos sim. Me passa o seu CEP que eu calculo o frete e o prazo "
                "para você.",
    "payment": "Oi{name}! Aceitamos Pix, cartão de crédito e débito. No Pix eu te mando a chave; "
               "no cartão, o link de pagamento. Como prefere?",
    "proof_of_payment": "Obrigada{name}! Recebi o comprovante. Já vou separar o seu pedido e te "
                        "aviso assim que sair para entrega.",
    "complaint": "Poxa{name}, sinto muito pelo transtorno. Vou verificar agora o que aconteceu e "
                 "te dou um retorno o quanto antes.",
    "exchange": "Oi{name}! Fazemos a troca, sim. Me conta o que aconteceu e qual tamanho ou cor "
                "você quer, que eu vejo a melhor forma para você.",
    "undecided": "Tudo bem{name}, fique à vontade! Se quiser, separo a peça para você até amanhã. "
                 "Qualquer dúvida, estou por aqui.",
    "thanks": "Nós que agradecemos{name}! Qualquer coisa, é só chamar.",
    "greeting": "Oi{name}! Tudo bem? Como posso te ajudar hoje?",
    "other": "Oi{name}! Obrigada pela mensagem. Como posso te ajudar?",
}
_FIRST_NAME = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)?")


def first_name(customer_name: str | None) -> str:
    """The first word of the name as a person would say it, or "" if there is none to say."""
    found = _FIRST_NAME.search(customer_name or "")
    if not found or len(found.group(0)) > 20:
        return ""
    word = found.group(0)
    return word[:1].upper() + word[1:].lower()


def reply_for(topic: str, customer_name: str | None) -> str:
    name = first_name(customer_name)
    template = TEMPLATES.get(topic, TEMPLATES["other"])
    return template.format(name=f", {name}" if name else "")
