"""What a customer's message is about and how it sounds, read by hand-written rules.

Every pattern runs on `normalize`d text (no accents, abbreviations spelt out, emojis as
`emojipos`/`emojineg`/`emojiirony`...). The rules give the topics the seller sees as reasons,
and the features the learned weights in `model` start from.
"""

import re
from dataclasses import dataclass


def _any(*patterns: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(patterns) + r")\b")


# Topic -> the phrases that raise it. Order matters only for the main topic, see `main_topic`.
TOPICS: dict[str, re.Pattern[str]] = {
    "proof_of_payment": _any(
        r"comprovantes?", r"paguei", r"ja (?:fiz|mandei|fiz o|mandei o|enviei o) pix",
        r"pix (?:feito|enviado|realizado|ta feito|esta feito)", r"transferi", r"depositei",
        r"pagamento (?:feito|realizado|efetuado|enviado)", r"(?:ja )?(?:esta|ta) pago",
        r"acabei de pagar", r"fiz o pagamento", r"ja pago", r"fiz a transferencia",
        r"acabei de (?:fazer o pix|fazer a transferencia|transferir|depositar)",
        r"segue (?:o )?(?:print|pix)", r"print do pix", r"paguei o (?:boleto|sinal|pix)",
        r"(?:ja )?(?:esta|ta) (?:pago|feito|transferido)", r"boleto pago", r"sinal pago",
        r"^(?:pix )?(?:enviado|feito|pago|transferido|pronto)$", r"mandei o pix",
        r"caiu ai", r"conferir o pix", r"confere (?:ai|o pix|a transferencia)"),
    "order": _any(
        r"separa\w*", r"reserva\w*", r"guarda (?:para|um|uma|o|a|esse|essa)\w*",
        r"(?:eu )?quero (?:esse|essa|este|esta|o|a|um|uma|levar|comprar|os|as|dois|duas|sim)",
        r"vou (?:levar|querer|comprar|ficar com|pegar)", r"pode (?:mandar|enviar|fechar|separar)",
        r"fechado", r"fechamos", r"(?:manda|passa|me passa) (?:a|sua) chave",
        r"(?:me )?(?:manda|passa) o pix", r"como (?:faco|fazemos) (?:para|o) (?:comprar|pedido)",
        r"quero fazer (?:o|um) pedido", r"vou fazer o pix", r"bora",
        r"fecha(?:r)? (?:o|a)? ?pedido",
        r"compro(?! (?:de novo|novamente|sempre|mais vezes|aqui sempre))",
        r"levo (?:sim|os|as|esse|essa|dois|duas)", r"me ve (?:um|uma|dois|duas)",
        r"quero(?! (?:trocar|devolver|cancelar|reembolso|estorno|o estorno|meu|minha|o dinheiro"
        r"|saber|so|falar|reclamar|resposta|uma resposta|que|ser|desconto|mais|nao))",
        r"pode (?:marcar|agendar|trazer|ser|reservar)", r"fechou", r"mando o sinal",
        r"pago (?:no|na|em|quando|hoje|agora|ja)", r"(?:me )?manda (?:o|a) link",
        r"encomend\w*", r"(?:eu )?(?:pego|levo|busco|retiro)", r"marca para mim",
        r"passo (?:ai|la) (?:para|e) (?:buscar|pegar|levar)", r"faco agora", r"pago hoje",
        r"(?:me )?manda (?:\d+|um|uma|dois|duas|tres|mais|assim mesmo|entao|logo)",
        r"qual (?:o|a) (?:pix|chave)", r"vou pagar", r"pode (?:embrulhar|agendar|entregar)",
        r"fecho", r"vou fechar", r"quero fechar", r"pode ser (?:sabado|domingo|amanha|hoje|\d)",
        r"agend\w*", r"(?:vou|quero) (?:encomendar|agendar|marcar)", r"to indo (?:buscar|pegar|ai)",
        r"atacado", r"revend\w*"),
    "price": _any(
        r"quanto (?:custa|e|esta|fica|sai|ficaria|sairia|que e|custaria)", r"quanto",
        r"precos?", r"valor(?:es)?", r"valorcitado", r"desconto", r"promocao",
        r"mais barat\w*", r"car[oa]s?", r"carissim\w*", r"caro demais", r"salgad[oa]",
        r"tabela", r"por quanto", r"custa", r"orcamento", r"precinho", r"sai por",
        r"assalto", r"metade do preco", r"a menos", r"mais em conta", r"quanto (?:ta|fica)"),
    "payment": _any(
        r"pix", r"cartao", r"boleto", r"parcel\w*", r"vezes", r"forma de pagamento",
        r"formas de pagamento", r"aceita\w*", r"debito", r"credito", r"dinheiro", r"chave",
        r"pagar", r"pagamento", r"sem juros", r"a vista", r"link de pagamento", r"maquininha",
        r"\d+ ?x", r"crediario", r"vale (?:alimentacao|refeicao)", r"vr",
        r"na entrega", r"picpay", r"mercado pago", r"transferencia", r"dividir", r"juros"),
    "delivery": _any(
        r"entreg\w*", r"frete", r"envi(?:o|am|a|ar)", r"mand(?:a|am) para", r"correios?",
        r"sedex", r"motoboy", r"uber", r"prazo", r"retir(?:ar|ada|o)", r"cep", r"buscar",
        r"chega (?:quando|em|ate|amanha|hoje)", r"quando chega", r"rastreio", r"codigo de rastreio",
        r"despach\w*", r"postad\w*", r"loja fisica", r"endereco", r"transportadora",
        r"porteiro", r"portaria", r"busca(?:m|r)?", r"leva(?:m)? (?:ai|ate|em|na|no)",
        r"montagem", r"frete gratis", r"taxa de entrega", r"chega(?:r)?", r"pac"),
    "stock": _any(
        r"(?:ainda )?tem (?:no|em) estoque", r"estoque", r"ainda tem", r"disponive(?:l|is)",
        r"acabou", r"esgot\w*", r"chegou (?:mais|de novo|o|a)", r"repo(?:e|r|sicao)",
        r"tem (?:esse|essa|este|esta|o|a|um|uma|mais|ele|ela|outro|outra)",
        r"voces tem", r"voce tem", r"tem sim", r"ainda ha", r"(?:vai|vao) chegar",
        r"rep(?:oe|oem|os|usera\w*|ondo)", r"me avisa (?:quando|se) \w+", r"pronta entrega",
        r"tem (?:\w+ )?(?:pra|para) (?:hoje|amanha|entrega|pronta)",
        r"queria (?:um|uma|o|a|saber se tem)",
        r"vende(?:m)?", r"fazem (?:\w+ )?(?:para|sob|por) encomenda",
        r"fazem (?:bolo|torta|doce|salgad)\w*",
        r"tem (?:\w+ )?(?:no|na|em) (?:tamanho|cor|numero|\d+)", r"sobrou"),
    "size": _any(
        r"tamanh\w*", r"numeracao", r"numero (?:\d+)", r"\d{2} (?:veste|serve)",
        r"(?:p|m|g|gg|pp|xg|xgg|eg)", r"veste", r"serve em mim", r"medidas?", r"busto",
        r"cintura", r"quadril", r"comprimento", r"forma (?:pequeno|grande)", r"calco \d+",
        r"uso \d+", r"plus size"),
    "colour": _any(
        r"cor(?:es)?", r"pret[oa]s?", r"branc[oa]s?", r"azul", r"azuis", r"vermelh[oa]s?",
        r"rosa", r"pink", r"verdes?", r"amarel[oa]s?", r"bege", r"nude", r"marrom", r"cinza",
        r"lilas", r"roxo", r"roxa", r"laranja", r"estampad[oa]", r"off white", r"vinho",
        r"caramelo", r"dourad[oa]", r"prateado", r"chumbo", r"grafite", r"creme", r"marinho",
        r"terracota", r"mostarda", r"musgo", r"coral", r"salmao", r"cobre", r"bronze",
        r"colorid[oa]s?", r"estampa", r"tom", r"tons", r"rose", r"lavanda", r"petroleo",
        r"(?:mais )?(?:clar|escur)[oa]", r"preto total", r"jeans claro"),
    "exchange": _any(
        r"troca\w*", r"troc(?:o|ar)", r"devolv\w*", r"devolucao", r"nao serviu",
        r"ficou (?:pequen[oa]|grande|apertad[oa]|larg[oa]|curt[oa])", r"outro tamanho",
        r"garantia", r"nao (?:coube|cabe|ficou bom)", r"arrependi"),
    "complaint": _any(
        r"nao chegou", r"ainda nao (?:chegou|recebi)", r"atrasad\w*", r"atraso",
        r"sem resposta", r"ninguem (?:responde|me responde|respondeu)", r"nao (?:me )?respond\w*",
        r"defeito", r"rasgad\w*", r"furad\w*", r"manchad\w*", r"veio errad\w*", r"errad[oa]",
        r"descosturad\w*", r"pessim\w*", r"horrivel", r"absurdo", r"vergonha", r"enganad\w*",
        r"procon", r"reclame aqui", r"reembolso", r"estorno", r"meu dinheiro de volta",
        r"cancelar", r"cancela", r"descaso", r"falta de respeito", r"palhacada", r"golpe",
        r"decepcion\w*", r"nunca mais", r"(?:\d+|tres|dois|duas|uma) (?:dias|semanas?) sem",
        r"esperando (?:ha|faz) \w+", r"ate agora nada", r"cade (?:meu|minha|o|a)",
        r"demor\w*", r"descascou", r"quebrad[oa]", r"desbotou", r"encolheu",
        r"parou de funcionar", r"nao (?:funciona|liga|carrega|esquenta|fecha|abre)\w*",
        r"vaz(?:ando|ou|a)", r"trinc\w*", r"quebr(?:ou|aram)", r"solt(?:ou|ando)",
        r"arrebent\w*", r"machuc\w*", r"veio (?:sem|faltando|com defeito|diferente|trocad\w*)",
        r"diferente da foto", r"e nada", r"nada de (?:entrega|resposta|pedido|rastreio)",
        r"nem saiu", r"estragad\w*", r"podre", r"mofad\w*", r"com bicho", r"cancel(?:em|a ai)",
        r"trat(?:ou|aram) (?:mal|com)", r"grosso", r"mal educad\w*", r"inadmissivel",
        r"ridicul\w*", r"desrespeito", r"enrol\w*", r"pela (?:segunda|terceira|quarta) vez",
        r"cobr(?:ado|aram|ou) (?:duas vezes|a mais|errado|em dobro)", r"sem (?:lacre|resposta)",
        r"bamba", r"queimad[oa]", r"amassad[oa]", r"nao (?:veio|recebi|entregaram)",
        r"alergia", r"lento", r"nunca (?:chega|responde)\w*", r"ninguem (?:atende|sabe)",
        r"passou mal", r"vencid[oa]", r"nunca pedi", r"nao autorizei"),
    "undecided": _any(
        r"vou pensar", r"vou ver", r"vou dar uma olhada",
        r"depois (?:eu )?(?:vejo|falo|volto|te falo|te chamo|decido|retorno|passo)",
        r"talvez", r"nao sei(?: ainda)?", r"quem sabe", r"mais para frente", r"vou conversar com",
        r"ver com (?:meu|minha) \w+", r"(?:estou|fiquei) na duvida", r"qualquer coisa (?:eu )?"
        r"(?:chamo|falo|volto|aviso)", r"deixa eu ver", r"vou analisar", r"preciso pensar",
        r"vou esperar(?! (?:chegar|repor|voltar))", r"mes que vem",
        r"quando (?:eu )?receber", r"vou decidir",
        r"te (?:aviso|falo|retorno) depois", r"so (?:olhando|pesquisando|vendo|curiosidade)",
        r"estou (?:so )?pesquisando", r"por curiosidade", r"so (?:pesquisando|olhando)",
        r"vou (?:ver|olhar|pesquisar|medir|juntar|esperar)(?! (?:chegar|repor|voltar))",
        r"semana que vem", r"fim do mes", r"(?:cair|receber) o salario", r"outra hora",
        r"outro dia", r"uma outra vez", r"fica para depois", r"depois (?:eu )?(?:vejo|passo)",
        r"preciso (?:falar|ver|conversar) com", r"black friday", r"por enquanto nao"),
    "thanks": _any(
        r"obrigad[oa]", r"valeu", r"agradec\w*", r"grat[oa]", r"gratidao", r"muito obrigad[oa]"),
    "greeting": _any(
        r"oi", r"ola", r"oie", r"oii?e?", r"salve", r"eae", r"fala",
        r"opa", r"bom dia", r"boa tarde", r"boa noite", r"e ai",
        r"tudo bem", r"tudo bom", r"boa", r"hey", r"alo"),
}

NEGATION = _any(r"nao", r"nem", r"nunca", r"jamais", r"nada")
# Turning a purchase down, in so many words.
REFUSAL = _any(
    r"nao (?:quero|vou querer|vou levar|vou comprar|preciso|tenho interesse|vou mais)",
    r"(?:nao|nem) quero mais", r"nem (?:quero|vou|preciso)", r"desist\w*", r"deixa para la",
    r"deixa quieto", r"esquece", r"sem interesse", r"nao (?:obrigad[oa]|precisa)",
    r"comprei em outr\w*", r"achei (?:mais barato )?em outr\w*", r"ja comprei", r"nao vai dar",
    r"fica para (?:a )?(?:proxima|outra)", r"deixa para (?:a )?proxima", r"nao rola",
    r"mudei de ideia", r"nao compensa", r"nao (?:compro|preciso) mais", r"nao da",
    r"assim nao", r"vou nao", r"nao vou nao", r"nao consigo",
    r"vou deixar(?! (?:separad|reservad))",
    r"prefiro (?:comprar )?(?:em|na|no) outr\w*", r"outra loja", r"achei (?:\w+ )?(?:em|na|no) "
    r"outr\w*", r"comprei (?:\w+ )?(?:na|no|em) (?:outr\w*|shopee|mercado livre|amazon|shein)",
    r"desisto", r"nao (?:me )?interessa", r"fora do (?:meu )?orcamento",
    r"dispenso", r"nem compensa", r"ja era",
    r"agora (?:ja|nao) (?:era|quero)", r"cancel(?:a|em|ar) (?:o|meu) pedido")
# Not a customer at all: chain messages, "renda extra" offers.
SPAM = _any(r"ganhe", r"clique no link", r"trabalh\w* de casa", r"chame no privado",
            r"renda extra", r"imperdivel", r"ganhar dinheiro")
# Asking about the shop, not about buying: hours, social media, jobs, leave me alone.
NOT_A_SALE = _any(
    r"horario", r"abre(?:m)?", r"fecha(?:m)? (?:que|as|a que)",
    r"funciona(?:m)? (?:no|na|ate|hoje|domingo|sabado|feriado)",
    r"instagram", r"insta", r"facebook", r"tiktok", r"site", r"curriculo", r"vagas?",
    r"contratando", r"emprego", r"precisando de (?:vendedor\w*|funcionari\w*)", r"dono",
    r"lista de transmissao", r"(?:me )?tir(?:a|ar|em) (?:dessa|da|desse|do) (?:lista|grupo)",
    r"para de (?:me )?mandar", r"numero errado", r"mensagem errada", r"desculpa(?:s)? mensagem",
    r"(?:tem|outra) (?:loja|unidade|filial) (?:em|no|na)", r"loja em outr\w*", r"compram",
    r"feriado", r"carnaval")
# Still buying after a complaint about the price: "caro, mas vou levar".
STILL_BUYS = _any(r"mas (?:eu )?(?:vou|quero|levo|compro|pode|ainda quero)", r"mesmo assim",
                  r"mas (?:e )?lindo", r"mas (?:manda|separa|faz|tudo bem|esta)",
                  r"(?:vale|valeu) a pena", r"(?:eu )?levo", r"se fizer", r"manda (?:o|a)",
                  r"separa", r"ainda quero", r"(?<!nao )pago", r"vou pagar", r"manda(?:r)?$",
                  r"manda (?:\d+|um|uma|dois|duas|mais|assim|entao|logo|sim)",
                  r"(?:e|eh) o unico", r"fazer o que", r"(?:vai|faz|fecha) no (?:pix|cartao)",
                  r"(?:eu )?fecho", r"preciso (?:urgente|para (?:hoje|amanha))", r"fazer o pix",
                  r"mas (?:ta|esta|tudo bem|ok|beleza|bora)", r"quero pagar")
# A price the customer finds too high, in so many words.
PRICE_PAIN = _any(r"car[oa]", r"carinho", r"carissim\w*", r"salgad[oa]", r"roubo",
                  r"brincadeira", r"doid[oa]", r"absurd[oa]", r"mais barat[oa]",
                  r"barato nao e", r"nao pago", r"aumentou", r"juros", r"conto num",
                  r"reais num", r"reais numa", r"conto numa", r"assalto",
                  r"puxad[oa]", r"sacanagem", r"a menos", r"metade do preco", r"subiu",
                  r"tudo isso", r"exager\w*", r"fora da realidade", r"nem a metade",
                  r"nao vale", r"mais em conta", r"mais barat\w*", r"absurd\w*")
# Plain thanks and greetings are neutral: only warmth beyond them counts here.
POSITIVE = _any(
    r"lind[oa]s?", r"maravilh\w*", r"perfeit[oa]s?", r"amei", r"adorei", r"amo", r"otim[oa]s?",
    r"excelente", r"show", r"top", r"massa", r"incrive(?:l|is)", r"gostei", r"gosto",
    r"bonit[oa]s?", r"perfeicao", r"sucesso", r"feliz", r"encantad[oa]", r"apaixonad[oa]",
    r"legal", r"demais", r"emojipos", r"risos", r"emojilaugh", r"parabens", r"maravilha",
    r"atencios[oa]", r"caprich\w*", r"recomend\w*", r"fof[oa]s?", r"divin[oa]", r"chique",
    r"amando", r"amou", r"amamos", r"nota mil", r"voltarei", r"orgulho", r"saudades?",
    r"finalmente", r"oba", r"eba+", r"melhor", r"unicos", r"ansios[oa]", r"prontinho",
    r"que bom", r"alegria", r"indiquei", r"amor\w*", r"delicia", r"gentil", r"querid[oa]",
    r"muito obrigad[oa]", r"obrigad[oa] demais", r"ameii?", r"uau", r"nossa que",
    r"melhor(?:es)?", r"impecave(?:l|is)", r"adoro", r"ador(?:ando|amos|ou)", r"arras\w*",
    r"maravilhos[oa]s?", r"sensaciona(?:l|is)", r"fantastic[oa]", r"lindeza", r"fofura",
    r"capricho", r"nota (?:10|dez|mil)", r"rapidez", r"super bem",
    r"(?:doid|louc)[oa] (?:para|por)",
    r"que (?:amor|coisa mais linda|delicia|perfeicao|fofo|fofa|lindo|linda|maximo)",
    r"perfeit\w*", r"ebaa?", r"obaa?", r"show de bola", r"animad[oa]", r"cheiros\w*",
    r"deliciosa?o?", r"caprichad[oa]", r"inteirinh[oa]", r"certinh[oa]", r"amorzinho",
    r"lindissim[oa]", r"maravilhosamente", r"salvou", r"salvaram", r"apaixon\w*",
    r"obrigad[oa] de coracao", r"sempre (?:me )?atende\w*", r"volto sempre",
    r"com certeza", r"indico", r"confianca", r"(?:muito|bem|super|mega) bo[am]",
    r"bo[am] demais", r"curt(?:i|imos|iu)", r"gracinha", r"fofinh[oa]", r"lindinh[oa]",
    r"coisa linda", r"elegante", r"qualidade", r"satisfeit[oa]", r"content[ea]",
    r"ficou (?:otim[oa]|lind[oa]|perfeit[oa]|show)", r"caiu (?:super |muito )?bem",
    r"vestiu (?:super |muito )?bem", r"sao (?:demais|otim[oa]s|incriveis|os melhores)",
    r"chic")
NEGATIVE = _any(
    r"pessim\w*", r"horrivel", r"ruim", r"absurdo", r"vergonha", r"odiei", r"detestei",
    r"decepcion\w*", r"triste", r"chatead[oa]", r"irritad[oa]", r"raiva", r"revoltad[oa]",
    r"lament\w*", r"emojineg", r"porcaria", r"lixo", r"furad\w*", r"rasgad\w*", r"defeito",
    r"enganad\w*", r"golpe", r"palhacada", r"descaso", r"falta de respeito", r"caro",
    r"cara", r"carissim\w*", r"demor\w*", r"atrasad\w*", r"nunca mais", r"procon",
    r"reclame aqui", r"cansad[oa]", r"complicado", r"dificil", r"infelizmente", r"pena",
    r"sem resposta", r"nao (?:chegou|gostei|serviu|respond\w*|recebi|funciona)", r"errad[oa]",
    r"problema", r"reclamacao", r"estorno", r"reembolso", r"cancelar", r"descascou",
    r"quebrad[oa]", r"absurd[oa]", r"roubo", r"brincadeira", r"doid[oa](?! (?:para|por))",
    r"salgad[oa]",
    r"chat[oa]", r"gross[oa]", r"mal", r"amassad[oa]", r"empenad[oa]", r"faltando",
    r"descol\w*", r"bolor", r"vencid[oa]", r"esquenta", r"desliga sozinh[oa]",
    r"nao (?:abre|funciona\w*|atende|compensa|autorizei|pedi)", r"ninguem (?:atende|sabia)",
    r"fila", r"de novo", r"af+e?", r"saco", r"eita", r"mudei de ideia", r"deixa quieto",
    r"outro lugar", r"(?<!nao )para de", r"me tirar", r"direito do consumidor", r"quantas vezes",
    r"murch[oa]", r"puts", r"ixi", r"poxa", r"decepcao", r"juros", r"cobraram",
    r"nunca pedi", r"estranho", r"sem lacre", r"carinho", r"mais barat[oa]", r"aumentou",
    r"concorrente", r"esperando", r"espero", r"ate agora", r"nem a metade", r"descaso",
    r"raiva", r"pelo amor de deus", r"afs", r"parou de funcionar", r"vaz(?:ando|ou)",
    r"trinc\w*", r"quebr(?:ou|aram)", r"solt(?:ou|ando)", r"arrebent\w*", r"machuc\w*",
    r"inadmissivel", r"ridicul\w*", r"desrespeito", r"enrol\w*", r"sacanagem", r"piada",
    r"lento", r"desisto", r"e nada", r"nada de", r"nem saiu", r"como assim", r"a toa",
    r"nao acredito", r"grosso", r"mal educad\w*", r"assalto", r"pqp", r"decepcionante",
    r"nao dura", r"veio sem", r"diferente da foto", r"nao confio", r"vergonhos\w*",
    r"indignad\w*", r"insatisfeit\w*", r"horror\w*", r"lamentavel", r"mentira",
    r"cancelem", r"prejuizo", r"nojo", r"estragad\w*", r"podre", r"mofad\w*", r"bamba",
    r"pela (?:segunda|terceira|quarta) vez", r"queimad[oa]", r"alergia", r"puxad[oa]",
    r"vou nao", r"nao vou (?:querer|levar) nao", r"esquece", r"nao preciso mais",
    r"outra loja", r"a menos", r"desastre", r"fica dificil", r"subiu",
    r"tudo isso", r"exager\w*", r"sem (?:lacre|o cabo|retorno)", r"ja era",
    r"aff+", r"argh", r"que saco", r"poxa vida", r"nao (?:vale|consigo)", r"desanim\w*",
    r"frustr\w*", r"chatiad\w*", r"nada ainda", r"ainda nada",
    r"desde (?:as|ontem|segunda|terca|quarta|quinta|sexta|sabado|domingo|cedo)",
    r"pior(?:ou)?", r"frac[oa]", r"mal feit[oa]", r"malfeit[oa]", r"baixa qualidade",
    r"qualidade (?:ruim|baixa|pessima)", r"bosta", r"merda", r"droga", r"osso",
    r"ninguem merece", r"vacuo", r"ignorad[oa]", r"nao (?:me )?retorna\w*", r"falsificad\w*",
    r"pirata", r"nao presta", r"sumiram", r"perder?am? (?:uma )?cliente")
IRONY = _any(r"emojiirony", r"(?:otimo|maravilha|que beleza|parabens|adorei|lindo) (?:\w+ )?"
             r"(?:atendimento|servico)", r"obrigad[oa] (?:por nada|pela demora)",
             r"(?:\d+|tres|dois|duas) (?:dias|semanas?) sem resposta", r"so que nao",
             r"parabens (?:pela|pelo) "
             r"(?:demora|atraso|descaso)", r"(?:adorei|amei) (?:esperar|a demora|o atraso)",
             r"obrigad[oa] por me ignorar", r"(?:que|muita) rapidez (?:hein|ne)",
             r"super rapido (?:ne|hein)")
QUESTION = re.compile(r"\?")


@dataclass(frozen=True)
class Cues:
    """What the rules found in one message."""

    topics: frozenset[str]
    refusal: bool
    spam: bool
    price_pain: bool
    still_buys: bool
    irony: bool
    question: bool
    positive: int
    negative: int
    negated: int  # positive words right after a negation ("nao gostei")
    laugh: bool
    not_a_sale: bool


def read_cues(raw: str, plain: str) -> Cues:
    """`raw` is the text as typed (for question marks), `plain` its `normalize`d form."""
    topics = frozenset(topic for topic, pattern in TOPICS.items() if pattern.search(plain))
    tokens = plain.split()
    negated = sum(1 for before, word in zip(tokens, tokens[1:], strict=False)
                  if NEGATION.fullmatch(before) and POSITIVE.fullmatch(word))
    refusal = bool(REFUSAL.search(plain))
    still_buys = bool(STILL_BUYS.search(plain))
    if refusal and "order" in topics and not still_buys:
        topics = topics - {"order"}
    return Cues(topics=topics, refusal=refusal, still_buys=still_buys,
                spam=bool(SPAM.search(plain)),
                price_pain="price" in topics and bool(PRICE_PAIN.search(plain)),
                irony=bool(IRONY.search(plain)), question=bool(QUESTION.search(raw)),
                positive=len(POSITIVE.findall(plain)) - negated,
                negative=len(NEGATIVE.findall(plain)) + negated, negated=negated,
                laugh="risos" in tokens, not_a_sale=bool(NOT_A_SALE.search(plain)))


# The topic a message is mainly about, when it mentions several: money moved beats an order,
# a complaint beats a question, a question beats small talk.
PRECEDENCE = ("proof_of_payment", "complaint", "exchange", "undecided", "payment", "delivery",
              "price", "stock", "size", "colour", "order", "thanks", "greeting")


def main_topic(cues: Cues) -> str:
    for topic in PRECEDENCE:
        if topic in cues.topics:
            return "other" if topic == "order" else topic
    return "other"
