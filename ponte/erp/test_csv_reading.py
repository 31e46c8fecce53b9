"""A shop's spreadsheet export read as rows, whatever Excel or LibreOffice saved it as."""

import pytest

from ponte.erp.csv_reading import UnreadableFile, read_table


def test_excel_on_windows_latin1_semicolons_and_crlf_are_read():
    raw = "nome;cidade\r\nJoão;São Paulo\r\nCéu;Açailândia\r\n".encode("cp1252")
    table = read_table(raw)
    assert (table.encoding, table.delimiter) == ("cp1252", ";")
    assert table.header == ["nome", "cidade"]
    assert [record.cells for record in table.records] == [["João", "São Paulo"],
                                                          ["Céu", "Açailândia"]]


def test_utf8_with_a_byte_order_mark_keeps_the_first_column_name_clean():
    table = read_table("\ufeffexternal_id,name\n1,Ana\n".encode())
    assert table.header == ["external_id", "name"]
    assert table.encoding == "utf-8"


def test_rows_are_numbered_as_the_spreadsheet_shows_them_even_with_newlines_in_quotes():
    raw = ('external_id;notes\n1;"primeira\nsegunda; com ponto e vírgula"\n\n'
           '2;"diz ""oi"""\n').encode()
    table = read_table(raw)
    assert [(record.line, record.cells) for record in table.records] == [
        (2, ["1", "primeira\nsegunda; com ponto e vírgula"]),
        (4, ["2", 'diz "oi"'])]


def test_a_quoted_newline_in_the_header_does_not_fool_the_separator_guess():
    table = read_table(b'"nome\ncompleto";telefone,fixo\nAna;1\n')
    assert table.delimiter == ";"


def test_the_separator_and_encoding_can_be_given():
    table = read_table("a\tb\n1\t2\n".encode("utf-16"), delimiter="\\t", encoding="utf-16")
    assert table.records[0].cells == ["1", "2"]


@pytest.mark.parametrize("raw", [b"", b"\xef\xbb\xbf", b"\r\n\r\n  \n"])
def test_an_empty_file_is_refused_with_words_saying_so(raw):
    with pytest.raises(UnreadableFile, match="vazio"):
        read_table(raw)


def test_a_wrong_encoding_given_is_told_not_guessed():
    with pytest.raises(UnreadableFile, match="utf-8"):
        read_table("nome\nJoão\n".encode("latin-1"), encoding="utf-8")


def test_excels_sep_line_sets_the_separator_and_is_not_a_row():
    table = read_table(b"sep=,\r\nnome;apelido,telefone\r\nAna;Aninha,31 98765-4321\r\n")
    assert table.header == ["nome;apelido", "telefone"]
    assert [(record.line, record.cells) for record in table.records] == [
        (2, ["Ana;Aninha", "31 98765-4321"])]


def test_excels_unicode_text_utf16_with_tabs_is_recognised_by_its_mark():
    table = read_table("external_id\tname\r\n1\tJoão\r\n".encode("utf-16"))
    assert (table.encoding, table.delimiter) == ("utf-16", "\t")
    assert table.records[0].cells == ["1", "João"]
