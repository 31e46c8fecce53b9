"""A shop's own CSV export loaded as ERP customers and sales: good rows in, bad rows told."""

from datetime import date
from decimal import Decimal

import pytest

from ponte.accounts.models import Organization
from ponte.erp.csv_import import CUSTOMERS, SALES, import_table, parse_mapping
from ponte.erp.csv_reading import UnreadableFile, read_table
from ponte.erp.models import Customer, Sale

pytestmark = pytest.mark.django_db

SHOP_EXPORT = (
    "codigo;nome;telefone;saldo;validade;aniversario;nao_quer;vendedor\r\n"
    "C1;João Conceição;(31) 98765-4321 | 31 3222-1100;R$ 1.234,56;10/12/2026;07/03/1985;"
    "não;Márcia\r\n"
    "C2;Ana Lúcia;31 8765-1234;45,90;;;sim;Márcia\r\n"
)
SHOP_MAP = ["codigo=external_id", "nome=name", "telefone=phones", "saldo=cashback_balance",
            "validade=cashback_expires_on", "aniversario=birthday", "nao_quer=marketing_opt_out"]


@pytest.fixture
def org() -> Organization:
    return Organization.objects.create(name="Loja")


def load(org, text: str | bytes, kind=CUSTOMERS, mapping=(), encoding="utf-8"):
    raw = text if isinstance(text, bytes) else text.encode(encoding)
    return import_table(org.pk, read_table(raw), kind, parse_mapping(list(mapping), kind))


def problems(report) -> list[str]:
    return [f"linha {r.line}, coluna {r.column}" for r in report.rejections]


def test_a_latin1_export_with_semicolons_brazilian_money_and_dates_loads(org):
    report = load(org, SHOP_EXPORT, mapping=SHOP_MAP, encoding="cp1252")
    assert (report.created, report.rejected_rows) == (2, 0)
    joao = Customer.objects.get(org=org, external_id="C1")
    assert joao.name == "João Conceição"
    assert joao.cashback_balance == Decimal("1234.56")
    assert joao.cashback_expires_on == date(2026, 12, 10)
    assert joao.birthday == date(1985, 3, 7)
    assert not joao.marketing_opt_out
    assert {p.e164 for p in joao.phones.all()} == {"+5531987654321", "+553132221100"}
    ana = Customer.objects.get(org=org, external_id="C2")
    assert ana.cashback_balance == Decimal("45.90") and ana.marketing_opt_out
    assert [p.e164 for p in ana.phones.all()] == ["+5531987651234"]


def test_columns_the_api_does_not_know_are_reported_once_and_ignored(org):
    report = load(org, SHOP_EXPORT, mapping=SHOP_MAP)
    assert report.ignored_columns == ["vendedor"]


def test_the_api_field_names_are_the_default_columns(org):
    load(org, "external_id,name,phones,email,notes\n7,Bia,11 91234-5678,bia@x.com.br,vip\n")
    bia = Customer.objects.get(org=org, external_id="7")
    assert (bia.email, bia.notes) == ("bia@x.com.br", "vip")


def test_bad_rows_are_told_by_line_and_column_while_the_good_rows_load(org):
    report = load(org, "external_id;name;birthday;cashback_balance;marketing_opt_out\n"
                       "1;Ana;01/02/1990;10,00;não\n"
                       "2;Bruno;31/02/1990;10,00;não\n"
                       "3;;01/02/1990;10,00;não\n"
                       "4;Carla;01/02/1990;dez reais;talvez\n"
                       "5;Davi;;;\n")
    assert problems(report) == ["linha 3, coluna birthday", "linha 4, coluna name",
                                "linha 5, coluna cashback_balance",
                                "linha 5, coluna marketing_opt_out"]
    assert all(rejection.detail for rejection in report.rejections)
    assert (report.created, report.rejected_rows) == (2, 3)
    assert set(Customer.objects.values_list("external_id", flat=True)) == {"1", "5"}


def test_a_second_identical_run_changes_nothing(org):
    load(org, SHOP_EXPORT, mapping=SHOP_MAP)
    before = list(Customer.objects.order_by("external_id").values_list("external_id",
                                                                        "updated_at"))
    again = load(org, SHOP_EXPORT, mapping=SHOP_MAP)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert list(Customer.objects.order_by("external_id").values_list(
        "external_id", "updated_at")) == before


def test_a_changed_row_is_updated_and_an_emptied_cell_empties_the_field(org):
    load(org, "external_id,name,notes\n1,Ana,vip\n2,Bia,\n")
    report = load(org, "external_id,name,notes\n1,Ana,\n2,Bia,\n")
    assert (report.updated, report.unchanged) == (1, 1)
    assert Customer.objects.get(external_id="1").notes == ""


def test_a_missing_required_column_stops_before_anything_loads(org):
    with pytest.raises(UnreadableFile) as stopped:
        load(org, "codigo;nome\n1;Ana\n")
    assert "external_id" in stopped.value.detail and "--map" in stopped.value.detail
    assert not Customer.objects.exists()


def test_a_mapping_to_a_field_that_does_not_exist_stops_the_run():
    with pytest.raises(UnreadableFile, match="telefones"):
        parse_mapping(["fone=telefones"], CUSTOMERS)


def test_quotes_and_newlines_inside_quoted_cells_stay_in_the_record(org):
    report = load(org, 'external_id;name;notes\n1;"Silva; Ana";"mora na ""casa azul""\n'
                       'segunda linha"\n2;Bia;\n3;;\n')
    assert Customer.objects.get(external_id="1").name == "Silva; Ana"
    assert Customer.objects.get(external_id="1").notes == 'mora na "casa azul"\nsegunda linha'
    assert problems(report) == ["linha 4, coluna name"]  # the spreadsheet's row, not the text's


def test_hostile_text_is_stored_as_written_and_refused_only_when_too_long(org):
    hostile = ['<script>alert(1)</script>', "=HYPERLINK(\"http://x\")", "Robert'); DROP TABLE--",
               "\u202eevil\u200b"]
    rows = "".join(f'{n},"{name.replace(chr(34), chr(34) * 2)}"\n'
                   for n, name in enumerate(hostile))
    report = load(org, f"external_id,name\n{rows}99,{'x' * 5000}\n")
    assert sorted(Customer.objects.values_list("name", flat=True)) == sorted(hostile)
    assert problems(report) == [f"linha {len(hostile) + 2}, coluna name"]


def test_a_row_with_more_cells_than_the_header_is_refused_not_shifted(org):
    report = load(org, "external_id,name,cashback_balance\n1,Ana,10,50\n2,Bia,3.00\n")
    assert problems(report) == ["linha 2, coluna —"]
    assert list(Customer.objects.values_list("external_id", flat=True)) == ["2"]


def test_the_same_external_id_twice_in_a_file_is_refused_the_second_time(org):
    report = load(org, "external_id,name\n1,Ana\n1,Ana Maria\n")
    assert problems(report) == ["linha 3, coluna external_id"]
    assert "linha 2" in report.rejections[0].detail
    assert Customer.objects.get().name == "Ana"


def test_sales_with_brazilian_dates_and_money_link_to_their_customer(org):
    load(org, "external_id,name\nC1,Ana\n")
    report = load(org, "pedido;cliente;data;valor;itens;loja;situacao\r\n"
                       "V1;C1;05/11/2026;R$ 1.299,90;2 blusas;Centro;pago\r\n"
                       "V2;C1;06/11/2026 14:30;89,00;;;\r\n"
                       "V3;C9;33/11/2026;89,00;;;\r\n",
                  kind=SALES, mapping=["pedido=external_id", "cliente=customer_external_id",
                                       "data=date", "valor=total", "itens=items", "loja=store",
                                       "situacao=status"])
    assert problems(report) == ["linha 4, coluna data"]
    first = Sale.objects.get(org=org, external_id="V1")
    assert first.total == Decimal("1299.90") and first.customer.name == "Ana"
    assert (first.items, first.store, first.status) == ("2 blusas", "Centro", "pago")
    assert Sale.objects.get(external_id="V2").date.hour in (14, 17)  # São Paulo, as UTC or not


def test_two_columns_for_one_field_stop_the_run_instead_of_one_silently_winning(org):
    with pytest.raises(UnreadableFile, match="fone"):
        load(org, "external_id;name;phones;fone\n1;Ana;31 98765-4321;31 3222-1100\n",
             mapping=["fone=phones"])
    assert not Customer.objects.exists()
