"""Encodings: BOMs, declared charsets (meta tags, HTTP headers in WARC), detection of legacy
code pages, mojibake repair, NUL and control characters — one test each."""

from __future__ import annotations

import io
import json

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newsdesk.readers import read_bytes
from newsdesk.readers.base import (
    charset_from_content_type,
    clean_text,
    decode,
    decode_declared,
    has_mojibake,
    python_codec,
    repair_mojibake,
    sniff_meta_charset,
)

LIMIT = 2_000_000

EN = "Zelensky’s “reassurance force” plan costs €1.2bn, the café owners’ group said — again."
FR = (
    "Le café de la gare a fermé ses portes après trente ans. Les habitués regrettent déjà "
    "l'ambiance chaleureuse et les croissants du matin. Ça change la vie du quartier, à "
    "côté de l'église Saint-Étienne."
)
RU = (
    "Правительство объявило о строительстве нового моста через реку. Министр транспорта "
    "заявил, что работы начнутся весной и продлятся два года. Жители района давно просили "
    "о новой переправе."
)
JA = (
    "東京都は十二日、新しい感染症対策として、都内の医療機関に対する支援を拡充すると発表した。"
    "知事は記者会見で「感染の拡大を防ぐために必要な措置だ」と述べた。"
)
ZH = (
    "国家统计局周五公布的数据显示，八月份全国规模以上工业增加值同比增长百分之五点二，"
    "增速比上月有所放缓。分析人士认为，外部需求疲软是主要原因。"
)


def html_page(text: str, head: str = "") -> str:
    paras = "".join(f"<p>{s.strip()}</p>" for s in text.split(".") if s.strip())
    return (
        f"<html><head>{head}<title>t</title></head><body><article>{paras}</article></body></html>"
    )


# --------------------------------------------------------------------------- BOMs


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16-le", "utf-16-be", "utf-32-le"])
def test_byte_order_marks(encoding: str) -> None:
    bom = {
        "utf-8-sig": b"",
        "utf-16-le": b"\xff\xfe",
        "utf-16-be": b"\xfe\xff",
        "utf-32-le": b"\xff\xfe\x00\x00",
    }[encoding]
    text, _ = decode(bom + EN.encode(encoding))
    assert text == EN


def test_bom_wins_over_a_wrong_meta_charset() -> None:
    doc = html_page(FR, '<meta charset="windows-1251">')
    text, enc = decode_declared(b"\xef\xbb\xbf" + doc.encode("utf-8"))
    assert enc == "utf-8-sig"
    assert "Le café de la gare" in text


def test_utf16_without_bom() -> None:
    text, enc = decode(EN.encode("utf-16-le"))
    assert (text, enc) == (EN, "utf-16-le")


# --------------------------------------------------------------------------- declared charsets


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ('<meta charset="windows-1251">', "cp1251"),
        ("<meta charset=koi8-r>", "koi8-r"),
        ('<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">', "cp932"),
        ("<meta http-equiv='content-type' content='text/html;charset=gb2312'>", "gb18030"),
        ('<meta charset="ISO-8859-1">', "cp1252"),
        ('<meta charset="utf-16">', "utf-8"),  # a page cannot declare UTF-16 in ASCII markup
        ('<meta charset="no-such-charset">', None),
    ],
)
def test_meta_charset_sniffing(head: str, expected: str | None) -> None:
    assert sniff_meta_charset(html_page("x", head).encode()) == expected


def test_xml_declaration_encoding() -> None:
    doc = b'<?xml version="1.0" encoding="windows-1252"?><html><body/></html>'
    assert sniff_meta_charset(doc) == "cp1252"


def test_meta_charset_decodes_the_page() -> None:
    doc = html_page(RU, '<meta charset="windows-1251">').encode("cp1251")
    text, enc = decode_declared(doc)
    assert enc == "cp1251"
    assert "Правительство объявило" in text


def test_http_charset_wins_over_meta() -> None:
    doc = html_page(RU, '<meta charset="iso-8859-1">').encode("koi8-r")
    text, enc = decode_declared(doc, charset_from_content_type("text/html; charset=KOI8-R"))
    assert enc == "koi8-r"
    assert "Правительство объявило" in text


def test_utf8_page_mislabelled_latin1_reads_as_utf8() -> None:
    doc = html_page(FR, '<meta charset="iso-8859-1">').encode("utf-8")
    text, enc = decode_declared(doc)
    assert enc == "utf-8"
    assert "Le café de la gare" in text


def test_http_header_charset_inside_warc() -> None:
    body = html_page(JA).encode("shift_jis")  # no meta charset: only the HTTP header says
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True)
    http = StatusAndHeaders(
        "200 OK", [("Content-Type", "text/html; charset=Shift_JIS")], protocol="HTTP/1.1"
    )
    writer.write_record(
        writer.create_warc_record(
            "https://jp.example/a", "response", payload=io.BytesIO(body), http_headers=http
        )
    )
    (rec,) = read_bytes(buf.getvalue(), "jp.warc.gz", "h", LIMIT).records
    assert "東京都は十二日" in rec["body"]
    assert json.loads(rec["extra"])["encoding"] == "cp932"


def test_charset_labels() -> None:
    assert python_codec("Windows-1252") == "cp1252"
    assert python_codec("latin1") == "cp1252"
    assert python_codec("x-sjis") == "cp932"
    assert python_codec("GBK") == "gb18030"
    assert python_codec("bogus") is None
    assert charset_from_content_type("text/html") is None
    assert charset_from_content_type('text/html; charset="utf-8"') == "utf-8"


# --------------------------------------------------------------------------- detection


def test_detects_windows_1252() -> None:
    text, enc = decode(EN.encode("cp1252"))
    assert (text, enc) == (EN, "cp1252")


def test_detects_latin_1() -> None:
    text, _ = decode(FR.encode("latin-1"))
    assert text == FR


def test_detects_cp1251() -> None:
    text, enc = decode(RU.encode("cp1251"))
    assert text == RU
    assert enc == "cp1251"


def test_detects_shift_jis() -> None:
    text, enc = decode(JA.encode("shift_jis"))
    assert text == JA
    assert enc in ("shift_jis", "cp932")


def test_detects_gb18030() -> None:
    text, enc = decode(ZH.encode("gb18030"))
    assert text == ZH
    assert enc in ("gb18030", "gb2312", "gbk")


def test_detection_in_an_html_page_without_a_declared_charset() -> None:
    (rec,) = read_bytes(html_page(RU).encode("cp1251"), "ru.html", "h", LIMIT).records
    assert "Правительство объявило о строительстве нового моста через реку" in rec["body"]


# --------------------------------------------------------------------------- mojibake


def test_mojibake_is_repaired() -> None:
    good = "Zelensky’s “reassurance force plan costs €1.2bn, the café owners’ group said — again."
    broken = good.encode("utf-8").decode("cp1252")  # "Zelenskyâ€™s â€œreassurance ... cafÃ©"
    assert "cafÃ©" in broken
    assert has_mojibake(broken)
    assert repair_mojibake(broken) == good
    text, _ = decode(broken.encode("utf-8"))  # what a double-encoded export looks like
    assert text == good


def test_cyrillic_mojibake_is_repaired() -> None:
    broken = RU.encode("utf-8").decode("cp1252", errors="ignore")
    fixed = repair_mojibake(RU.encode("utf-8").decode("latin-1"))
    assert "Правительство объявило" in fixed
    assert broken != RU


def test_genuine_latin_text_is_left_alone() -> None:
    for text in (FR, "Ã‰tienne is a name? No: Ã and © side by side in a table: Ã©", "naïve"):
        if not has_mojibake(text):
            assert repair_mojibake(text) == text
    assert repair_mojibake(FR) == FR
    assert repair_mojibake("Ã la carte") == "Ã la carte"  # not a UTF-8 sequence


# --------------------------------------------------------------------------- NUL and controls


def test_nul_bytes_and_control_characters_removed() -> None:
    line = "Dredging of the inner harbour will begin in March, the harbour master said.\r\n"
    data = (line * 4 + "Harbour\x00 works\x07 begin\x1b on Monday,\x0c he said.\r\n").encode()
    text, _ = decode(data)
    assert text.endswith("Harbour works begin on Monday, he said.\n")
    assert "\r" not in text
    assert clean_text("a\u0085b\u009fc\x7fd\te") == "abcd\te"


def test_many_nul_bytes_are_binary() -> None:
    records, quarantine = (
        (r := read_bytes(b"\x00\x01\x02" * 500, "x.txt", "h", LIMIT)).records,
        r.quarantine,
    )
    assert records == []
    assert "binary" in quarantine[0]["reason"]
