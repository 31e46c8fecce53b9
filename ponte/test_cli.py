"""`ponte init` and `ponte ai eval` as an operator runs them."""

import json
from pathlib import Path

import pytest
from django.test import Client

from emulators.openai_api import Emulator as OpenAI
from ponte.accounts.models import Instance, Organization
from ponte.ai.services import do_update_ai_settings
from ponte.cli import main
from tests.support import fixtures_dir

pytestmark = pytest.mark.django_db(transaction=True)
CLOUD = ["init", "--org", "Loja", "--engine", "cloudapi", "--secret", "EAAG-token",
         "--phone-number-id", "1065403522", "--json"]


def post_unsigned(webhook_url: str) -> int:
    body = (fixtures_dir() / "cloudapi" / "text.json").read_bytes()
    return Client().post(webhook_url, data=body, content_type="application/json").status_code


def test_a_cloud_api_instance_needs_its_app_secret(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(CLOUD)
    assert "--app-secret" in str(stopped.value)
    assert "--allow-unsigned-webhooks" in str(stopped.value)
    assert not Organization.objects.exists()


def test_with_the_app_secret_unsigned_posts_are_refused(capsys):
    main([*CLOUD, "--app-secret", "meta-app-secret"])
    made = json.loads(capsys.readouterr().out)
    assert Instance.objects.get().app_secret == "meta-app-secret"
    assert post_unsigned(made["webhook_url"]) == 401


def test_the_unsigned_opt_out_is_explicit_and_loud(capsys):
    main([*CLOUD, "--allow-unsigned-webhooks"])
    printed = capsys.readouterr()
    made = json.loads(printed.out)
    assert "WARNING" in printed.err and "fake messages" in printed.err
    assert Instance.objects.get().allow_unsigned_webhooks
    assert post_unsigned(made["webhook_url"]) == 200


def test_engines_that_do_not_sign_need_no_app_secret(capsys):
    main(["init", "--org", "Loja", "--engine", "wppconnect", "--json"])
    assert json.loads(capsys.readouterr().out)["instance_id"]


AI_MESSAGES = [
    {"id": "m1", "text": "qto custa o short jeans?", "sentiment": "neutral", "intent": 1,
     "topic": "price", "split": "heldout"},
    {"id": "m2", "text": "Amei!! obrigada 😍", "sentiment": "positive", "intent": 0,
     "topic": "thanks", "split": "heldout"},
    {"id": "m3", "text": "pode separar o P, vou fazer o pix", "sentiment": "positive",
     "intent": 1, "topic": "payment", "split": "train"},
    {"id": "m4", "text": "chegou com defeito, to chateada", "sentiment": "negative", "intent": 0,
     "topic": "complaint", "split": "train"},
]
AI_CONVERSATIONS = [
    {"id": "c1", "messages": [{"from": "customer", "text": "quanto fica com frete?"},
                              {"from": "shop", "text": "R$ 70 com frete"},
                              {"from": "customer", "text": "fechado, segue o comprovante"}],
     "hot": 1, "split": "heldout", "note": ""},
    {"id": "c2", "messages": [{"from": "customer", "text": "oi"},
                              {"from": "shop", "text": "oi! posso ajudar?"},
                              {"from": "customer", "text": "nada não, obrigada"}],
     "hot": 0, "split": "heldout", "note": ""},
]


def test_ai_eval_prints_the_figures_evaluate_gives(tmp_path, capsys):
    from ponte.ai.evaluate import evaluate
    from ponte.ai.labelled import read_files
    from ponte.ai.offline import trained

    files = [tmp_path / "conversas.jsonl", tmp_path / "mensagens.jsonl"]
    for path, rows in zip(files, (AI_CONVERSATIONS, AI_MESSAGES), strict=True):
        path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
    main(["ai", "eval", *map(str, files)])
    printed = capsys.readouterr().out
    expected = evaluate(trained(), *read_files(files))
    rows = {"AUC de intenção": "intent_auc", "acurácia de sentimento": "sentiment_accuracy",
            "AUC de lead quente": "hot_auc"}
    for label, key in rows.items():
        line = next(line for line in printed.splitlines() if line.startswith(label))
        shown = line.removeprefix(label).split()[:3]
        assert shown == [f"{expected[split][key]:.3f}" if expected[split][key] is not None
                         else "-" for split in ("train", "heldout", "all")]
    assert "treino" in printed and "reservado" in printed and ">= 0.92" in printed


def test_ai_eval_refuses_a_file_that_is_not_labelled_data(tmp_path):
    stray = Path(tmp_path / "contatos.jsonl")
    stray.write_text('{"nome": "Ana", "telefone": "+5511999990000"}\n')
    with pytest.raises(SystemExit) as stopped:
        main(["ai", "eval", str(stray)])
    assert "contatos.jsonl:1" in str(stopped.value)


def test_ai_eval_cross_validate_reads_only_the_train_rows(tmp_path, capsys):
    files = [tmp_path / "conversas.jsonl", tmp_path / "mensagens.jsonl"]
    for path, rows in zip(files, (AI_CONVERSATIONS, AI_MESSAGES), strict=True):
        path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
    main(["ai", "eval", "--cross-validate", "--folds", "2", "--misses", *map(str, files)])
    printed = capsys.readouterr().out
    assert printed.startswith("validação cruzada em 2 partes, só o treino (2 mensagens, "
                              "0 conversas)")
    assert "qto custa o short jeans?" not in printed and "Amei!!" not in printed


def labelled_files(tmp_path) -> list[Path]:
    files = [tmp_path / "conversas.jsonl", tmp_path / "mensagens.jsonl"]
    for path, rows in zip(files, (AI_CONVERSATIONS, AI_MESSAGES), strict=True):
        path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
    return files


def test_ai_eval_measures_an_openai_compatible_server_with_the_key_from_the_environment(
        tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PONTE_AI_API_KEY", "sk-eval")
    with OpenAI(keys=["sk-eval"]) as server:
        main(["ai", "eval", "--provider", "openai", "--base-url", server.base_url + "/v1",
              *map(str, labelled_files(tmp_path))])
        asked = [request.headers["authorization"] for request in server.requests]
    printed = capsys.readouterr().out
    assert printed.startswith("provedor: openai")
    assert asked == ["Bearer sk-eval"] * (len(AI_MESSAGES) + len(AI_CONVERSATIONS))
    assert "AUC de lead quente" in printed


def test_ai_eval_stops_with_the_providers_words_when_the_key_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("PONTE_AI_API_KEY", "sk-wrong")
    with OpenAI(keys=["sk-eval"]) as server, pytest.raises(SystemExit) as stopped:
        main(["ai", "eval", "--provider", "openai", "--base-url", server.base_url + "/v1",
              *map(str, labelled_files(tmp_path))])
    said = str(stopped.value)
    assert said.startswith("openai: ") and "recusou a chave" in said and "sk-wrong" not in said


def test_ai_eval_of_an_organization_calls_its_chosen_provider_without_the_budget(
        tmp_path, capsys):
    org = Organization.objects.create(name="Loja Avaliada")
    with OpenAI(keys=["sk-org"]) as server:
        do_update_ai_settings(org.pk, {"provider": "openai", "api_key": "sk-org",
                                       "base_url": server.base_url + "/v1", "daily_budget": 1})
        main(["ai", "eval", "--org", "Loja Avaliada", *map(str, labelled_files(tmp_path))])
        calls = len(server.requests)
    assert capsys.readouterr().out.startswith("provedor: openai")
    assert calls == len(AI_MESSAGES) + len(AI_CONVERSATIONS) > 1
    Organization.objects.create(name="Loja Offline")
    main(["ai", "eval", "--org", "Loja Offline", *map(str, labelled_files(tmp_path))])
    assert capsys.readouterr().out.startswith("provedor: offline")


def import_file(tmp_path, text: str, name: str = "clientes.csv", encoding="utf-8") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def exit_status(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    return stopped.value.code


def test_import_of_good_rows_exits_zero_and_a_second_run_reports_them_unchanged(tmp_path,
                                                                                capsys):
    from ponte.erp.models import Customer

    Organization.objects.create(name="Loja")
    path = import_file(tmp_path, "codigo;nome;telefone;cidade\r\n"
                                 "1;João;(31) 98765-4321 | 31 3222-1100;BH\r\n2;Ana;;BH\r\n",
                       encoding="cp1252")
    assert exit_status(["import", "customers", path, "--map", "codigo=external_id",
                        "--map", "nome=name", "--map", "telefone=phones"]) == 0
    first = capsys.readouterr()
    assert "2 criados" in first.out and "cidade" in first.out  # the ignored column, told
    assert "2/2" in first.err  # the progress, on stderr only
    assert Customer.objects.get(external_id="1").phones.count() == 2
    assert exit_status(["import", "customers", path, "--map", "codigo=external_id",
                        "--map", "nome=name", "--map", "telefone=phones"]) == 0
    assert "0 criados, 0 atualizados, 2 sem mudança, 0 recusados" in capsys.readouterr().out


def test_import_lists_every_refused_row_and_exits_one(tmp_path, capsys):
    Organization.objects.create(name="Loja")
    path = import_file(tmp_path, "external_id,name,birthday\n1,Ana,31/02/1990\n2,Bia,\n"
                                 "3,,01/01/1990\n")
    assert exit_status(["import", "customers", path]) == 1
    out = capsys.readouterr().out
    assert "1 criados" in out and "2 recusados" in out
    assert "linha 2, coluna birthday: data inválida" in out
    assert "linha 4, coluna name: obrigatório" in out


def test_import_of_unusable_input_exits_two_and_loads_nothing(tmp_path, capsys):
    from ponte.erp.models import Customer

    Organization.objects.create(name="Loja")
    missing = import_file(tmp_path, "codigo;nome\n1;Ana\n")
    assert exit_status(["import", "customers", missing]) == 2
    assert "external_id" in capsys.readouterr().err
    assert exit_status(["import", "customers", import_file(tmp_path, "", "vazio.csv")]) == 2
    assert "vazio" in capsys.readouterr().err
    assert exit_status(["import", "sales", str(tmp_path / "nao-existe.csv")]) == 2
    assert exit_status(["import", "customers", missing, "--map", "nome=nomes"]) == 2
    assert not Customer.objects.exists()


def test_import_needs_org_only_when_there_are_several(tmp_path, capsys):
    from ponte.erp.models import Sale

    Organization.objects.create(name="Loja Centro")
    path = import_file(tmp_path, "external_id;customer_external_id;date;total\n"
                                 "V1;C1;05/11/2026;R$ 1.299,90\n", "vendas.csv")
    assert exit_status(["import", "sales", path]) == 0
    Organization.objects.create(name="Loja Savassi")
    assert exit_status(["import", "sales", path]) == 2
    assert "--org" in capsys.readouterr().err
    assert exit_status(["import", "sales", path, "--org", "Loja Savassi"]) == 0
    assert exit_status(["import", "sales", path, "--org", "Loja Nenhuma"]) == 2
    assert sorted(Sale.objects.values_list("org__name", flat=True)) == ["Loja Centro",
                                                                       "Loja Savassi"]


def test_import_help_tells_the_exit_statuses(capsys):
    with pytest.raises(SystemExit):
        main(["import", "--help"])
    assert "1 some rows were refused" in " ".join(capsys.readouterr().out.split())


def test_import_report_cannot_drive_the_operators_terminal(tmp_path, capsys):
    Organization.objects.create(name="Loja")
    path = import_file(tmp_path, 'external_id,name,birthday,"\x1b]0;x\x07cor"\n'
                                 '1,Ana,"\x1b[2J\u202e01/13/1990\nlinha",azul\n')
    assert exit_status(["import", "customers", path]) == 1
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\u202e" not in out and "\x07" not in out
    assert "linha 2, coluna birthday: " in out and "\\x1b[2J\\u202e01/13/1990\\nlinha" in out
    assert "\\x1b]0;x\\x07cor" in out  # the ignored column's name, escaped too


def test_the_benchmarks_shop_export_loads_its_good_rows_and_lists_each_bad_one(tmp_path,
                                                                              capsys):
    """The 50,000-row acceptance file of benchmarks/erp_import.py, at 600 rows."""
    from benchmarks.erp_import import MAPPING, write_csv
    from ponte.erp.models import Customer

    Organization.objects.create(name="Loja")
    path = tmp_path / "clientes.csv"
    bad_lines = write_csv(path, 600, 100)
    argv = ["import", "customers", str(path), *[arg for pair in MAPPING
                                                for arg in ("--map", pair)]]
    assert exit_status(argv) == 1
    out = capsys.readouterr().out
    listed = sorted({int(line.split()[1].rstrip(",")) for line in out.splitlines()
                     if line.startswith("linha ")})
    assert listed == bad_lines
    assert Customer.objects.count() == 600 - len(bad_lines)
    assert exit_status(argv) == 1
    assert f"0 criados, 0 atualizados, {600 - len(bad_lines)} sem mudança" in (
        capsys.readouterr().out)


def test_import_into_a_database_never_prepared_says_what_to_run(tmp_path):
    import subprocess

    from tests.procs import PONTE, isolated_env

    csv = tmp_path / "clientes.csv"
    csv.write_text("external_id,name,phones\nC-1,Ana,(31) 98765-4321\n")
    with isolated_env(tmp_path / "data") as env:
        done = subprocess.run([*PONTE, "import", "customers", str(csv)], env=env,
                              capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "rode `ponte init`" in done.stderr and "Traceback" not in done.stderr
