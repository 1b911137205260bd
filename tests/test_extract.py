"""Extract: title, byline, date, views, body without furniture, and credits → original_source."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsdesk import schema
from newsdesk.extract import LABELS, explain, extract, load_reference

ROOT = Path(__file__).resolve().parents[1]
GOLDEN_DIR = ROOT / "tests" / "golden" / "extract"
SAMPLE_DIR = ROOT / "data" / "sample"
SAMPLE_GOLDEN = ROOT / "tests" / "golden" / "sample_expected.json"

P1 = (
    "Officials said on Friday that the talks between the two governments would resume "
    "next week in Geneva."
)
P2 = "The negotiations broke down in March after both sides accused each other of bad faith."
P3 = "Diplomats said a deal was still possible before the end of the year, if both sides agreed."


def text_records(*texts: str | None) -> pl.DataFrame:
    rows = [
        {"source_path": f"d{i}.txt", "record_key": "", "format": "text", "raw_text": t}
        for i, t in enumerate(texts)
    ]
    return schema.conform(pl.DataFrame(rows, infer_schema_length=None), schema.RAW_RECORD)


def one(text: str | None) -> dict[str, Any]:
    return extract(text_records(text)).row(0, named=True)


def page(
    *body: str,
    header: str = "Talks to resume in Geneva next week\nBy Jane Doe",
    footer: str = "You may also like\nStocks rally as oil prices fall",
) -> str:
    return "\n\n".join([header, *body, footer])


# --------------------------------------------------------------------------- golden dumps


def check_expected(out: dict[str, Any], exp: dict[str, Any], name: str) -> list[str]:
    """Differences between one extracted row and an expectation dict (empty when it matches).

    Understands both this folder's goldens and ``sample_expected.json`` (``desk_byline``, and
    ``published`` as a UTC date, which only the normalise stage computes: here the raw date
    must be found exactly when a date is expected, and hold the same year).
    """
    problems: list[str] = []
    body = out.get("body") or ""
    for key in (
        "title",
        "author",
        "view_count",
        "original_source",
        "is_desk_byline",
        "published_raw",
        "body",
    ):
        if key in exp and out.get(key) != exp[key]:
            problems.append(f"{name}: {key} = {out.get(key)!r}, expected {exp[key]!r}")
    if "desk_byline" in exp and out["is_desk_byline"] != bool(exp["desk_byline"]):
        problems.append(
            f"{name}: is_desk_byline = {out['is_desk_byline']!r}, expected {exp['desk_byline']!r}"
        )
    if "published" in exp:
        raw, want = out.get("published_raw"), exp["published"]
        if (raw is None) != (want is None) or (want and want[:4] not in (raw or "")):
            problems.append(f"{name}: published_raw = {raw!r}, expected a date for {want!r}")
    if "body_starts" in exp and not body.startswith(exp["body_starts"]):
        problems.append(f"{name}: body starts {body[:60]!r}, expected {exp['body_starts']!r}")
    if "body_ends" in exp and not body.endswith(exp["body_ends"]):
        problems.append(f"{name}: body ends {body[-60:]!r}, expected {exp['body_ends']!r}")
    problems += [f"{name}: body lacks {s!r}" for s in exp.get("body_contains", []) if s not in body]
    problems += [
        f"{name}: body contains {s!r}" for s in exp.get("must_not_contain", []) if s in body
    ]
    if "extract_error_starts" in exp and not (out.get("extract_error") or "").startswith(
        exp["extract_error_starts"]
    ):
        problems.append(f"{name}: extract_error = {out.get('extract_error')!r}")
    if "extract_error_starts" not in exp and out.get("extract_error") is not None:
        problems.append(f"{name}: unexpected extract_error {out.get('extract_error')!r}")
    return problems


GOLDEN = sorted(p.stem for p in GOLDEN_DIR.glob("*.txt"))


@pytest.mark.parametrize("name", GOLDEN)
def test_golden_dump(name: str) -> None:
    raw = (GOLDEN_DIR / f"{name}.txt").read_text(encoding="utf-8")
    expected = json.loads((GOLDEN_DIR / f"{name}.json").read_text(encoding="utf-8"))
    assert check_expected(one(raw), expected, name) == []


def test_seed_as_required() -> None:
    out = one((GOLDEN_DIR / "seed_000_a44e334fb6fbc269.txt").read_text(encoding="utf-8"))
    assert out["title"] == "Macron Says 26 Countries Ready to Send Troops For Ukraine Ceasefire"
    assert out["author"] == "News Desk"
    assert out["is_desk_byline"] is True
    assert out["view_count"] == 2
    assert out["original_source"] == "BBC"
    assert out["body"].startswith("Twenty-six Western allies")
    assert out["body"].endswith("Steve Witkoff on Thursday.")
    assert out["body"].count("\n\n") == 15  # 16 paragraphs
    assert out["extract_error"] is None


def test_batch_keeps_order_and_schema() -> None:
    seed = (GOLDEN_DIR / "seed_000_a44e334fb6fbc269.txt").read_text(encoding="utf-8")
    out = extract(text_records(page(P1, P2), None, seed, "   \n\n"))
    assert out.schema == pl.Schema(schema.EXTRACTED)
    assert out["source_path"].to_list() == ["d0.txt", "d1.txt", "d2.txt", "d3.txt"]
    assert out["extract_error"].to_list()[1] == "empty text"
    assert out["extract_error"].to_list()[3] == "empty text"
    assert out["author"].to_list()[2] == "News Desk"


def test_empty_frame() -> None:
    out = extract(schema.empty(schema.RAW_RECORD))
    assert out.height == 0
    assert out.schema == pl.Schema(schema.EXTRACTED)


# --------------------------------------------------------------------------- credits


@pytest.mark.parametrize(
    ("credit", "source"),
    [
        ("(BBC)", "BBC"),
        ("(Reuters)", "Reuters"),
        ("(AP)", "Associated Press"),
        ("— Reuters", "Reuters"),
        ("- AFP", "AFP"),
        ("Source: AFP", "AFP"),
        ("Source: Agence France-Presse", "AFP"),
        ("With agencies", "agencies"),
        ("(with inputs from PTI)", "PTI"),
        ("With inputs from ANI", "ANI"),
        ("(Xinhua)", "Xinhua"),
        ("— Al Jazeera", "Al Jazeera"),
        ("(dpa)", "dpa"),
        ("Yonhap", "Yonhap"),
    ],
)
def test_trailing_credit_line(credit: str, source: str) -> None:
    out = one(page(P1, P2, P3, credit))
    assert out["original_source"] == source
    assert out["body"].startswith("Officials said on Friday")
    assert out["body"].endswith("if both sides agreed.")
    assert credit not in out["body"]


@pytest.mark.parametrize(
    ("first", "source"),
    [
        ("KYIV (AP) — ", "Associated Press"),
        ("LONDON (Reuters) - ", "Reuters"),
        ("WASHINGTON, Sept 5 (Reuters) - ", "Reuters"),
        ("NEW DELHI, Sept 5 (PTI): ", "PTI"),
        ("Geneva (AFP) – ", "AFP"),
        ("BEIJING, Sept. 5 (Xinhua) -- ", "Xinhua"),
    ],
)
def test_leading_dateline_credit(first: str, source: str) -> None:
    out = one(page(first + P1, P2, P3))
    assert out["original_source"] == source
    assert out["body"].startswith("Officials said on Friday")
    assert "(" not in out["body"].split("\n\n")[0]


@pytest.mark.parametrize("tail", [" (Reuters)", " - AFP", " (AP)", " — Reuters."])
def test_credit_at_end_of_last_paragraph(tail: str) -> None:
    out = one(page(P1, P2, P3.removesuffix(".") + "." + tail))
    assert out["original_source"] in {"Reuters", "AFP", "Associated Press"}
    assert out["body"].endswith("if both sides agreed.")


def test_plain_dateline_removed_without_source() -> None:
    out = one(page("NEW DELHI: " + P1, P2, P3))
    assert out["body"].startswith("Officials said on Friday")
    assert out["original_source"] is None


@pytest.mark.parametrize(
    "caption",
    [
        "Photo: Reuters",
        "Protesters gather outside parliament on Friday. (Getty Images)",
        "The minister arrives for talks in Geneva. Photo: AFP",
        "(Photo: AP)",
        "Image credit: Reuters",
    ],
)
def test_photo_credit_is_a_caption_not_a_source(caption: str) -> None:
    out = one(page(P1, caption, P2, P3))
    assert out["original_source"] is None
    assert caption not in out["body"]
    assert out["body"].count("\n\n") == 2


def test_no_credit_means_no_source() -> None:
    assert one(page(P1, P2, P3))["original_source"] is None


# --------------------------------------------------------------------------- header fields


@pytest.mark.parametrize(
    ("line", "author", "desk"),
    [
        ("By Jane Doe", "Jane Doe", False),
        ("By Jane Doe and John Roe", "Jane Doe, John Roe", False),
        ("By Jane Doe, John Roe and Ana Lima", "Jane Doe, John Roe, Ana Lima", False),
        ("By Jane Doe & John Roe", "Jane Doe, John Roe", False),
        ("By Business & Economy Desk", "Business & Economy Desk", True),
        ("Written by Jane Doe", "Jane Doe", False),
        ("By Jane Doe | September 5, 2025", "Jane Doe", False),
        ("By Jane Doe, Reuters", "Jane Doe", False),
        ("News Desk", "News Desk", True),
        ("Web Desk", "Web Desk", True),
        ("Staff Reporter", "Staff Reporter", True),
        ("Agencies", "Agencies", True),
        ("By Online Desk", "Online Desk", True),
        ("By AFP", "AFP", True),
    ],
)
def test_bylines(line: str, author: str, desk: bool) -> None:
    out = one(page(P1, P2, P3, header=f"Home\nTalks to resume in Geneva next week\n{line}"))
    assert out["author"] == author
    assert out["is_desk_byline"] is desk
    assert out["title"] == "Talks to resume in Geneva next week"
    assert line not in out["body"]


def test_byline_with_source_sets_original_source() -> None:
    assert one(page(P1, P2, header="Talks resume\nBy Jane Doe, Reuters"))["original_source"] == (
        "Reuters"
    )
    assert one(page(P1, P2, header="Talks resume\nBy AFP"))["original_source"] == "AFP"


def test_name_next_to_date_is_a_byline() -> None:
    out = one(
        page(P1, P2, header="Talks to resume in Geneva next week\nJane Doe\nSeptember 5, 2025")
    )
    assert out["author"] == "Jane Doe"
    assert out["published_raw"] == "September 5, 2025"


@pytest.mark.parametrize(
    ("line", "views"),
    [
        ("2 views", 2),
        ("1,204 views", 1204),
        ("Views: 15", 15),
        ("12,345,678 Views", 12345678),
        ("2.3K views", 2300),
        ("1.5M views", 1500000),
        ("By Jane Doe | Sept 5, 2025 | 3,456 views", 3456),
    ],
)
def test_view_counts(line: str, views: int) -> None:
    out = one(page(P1, P2, header=f"Talks to resume in Geneva next week\n{line}"))
    assert out["view_count"] == views
    assert line not in out["body"]


@pytest.mark.parametrize(
    ("line", "raw"),
    [
        ("September 5, 2025", "September 5, 2025"),
        ("Published: 2025-09-05T14:32:00Z", "2025-09-05T14:32:00Z"),
        ("Published on 5 September 2025, 10:32 BST", "5 September 2025, 10:32 BST"),
        ("Fri 5 Sep 2025 14.32 CEST", "5 Sep 2025 14.32 CEST"),
        ("05/09/2025", "05/09/2025"),
        ("5. September 2025", "5. September 2025"),
    ],
)
def test_published_raw_keeps_the_date_part(line: str, raw: str) -> None:
    out = one(page(P1, P2, header=f"Talks to resume in Geneva next week\nBy Jane Doe\n{line}"))
    assert out["published_raw"] == raw


def test_published_preferred_over_updated() -> None:
    header = (
        "Talks to resume in Geneva next week\nUpdated: September 6, 2025\n"
        "Published: September 5, 2025"
    )
    assert one(page(P1, P2, header=header))["published_raw"] == "September 5, 2025"


def test_title_prefers_the_breadcrumb_echo() -> None:
    header = (
        "The Morning Courier\nWorld\nLatest headlines from around the region today\n"
        "News » World » Talks to resume in Geneva next week\n"
        "Talks to resume in Geneva next week\nBy Jane Doe"
    )
    assert one(page(P1, P2, header=header))["title"] == "Talks to resume in Geneva next week"


def test_title_before_standfirst() -> None:
    header = (
        "Talks to resume in Geneva next week\n"
        "Negotiators hope to revive a deal that collapsed in the spring\nBy Jane Doe"
    )
    assert one(page(P1, P2, header=header))["title"] == "Talks to resume in Geneva next week"


# --------------------------------------------------------------------------- body


def test_also_read_insert_removed_and_short_quote_kept() -> None:
    out = one(
        page(
            P1,
            "Also read: Stocks slide as oil prices jump",
            "“We are ready.”",
            P2,
            "READ MORE | Ceasefire talks stall again",
            P3,
        )
    )
    assert "Also read" not in out["body"]
    assert "READ MORE" not in out["body"]
    assert out["body"].split("\n\n") == [P1, "“We are ready.”", P2, P3]


def test_furniture_inside_body_removed() -> None:
    out = one(
        page(P1, "Advertisement", "Share on Facebook", "Story continues below", "1 / 12", P2, P3)
    )
    assert out["body"].split("\n\n") == [P1, P2, P3]


def test_everything_after_end_marker_is_furniture() -> None:
    out = one(page(P1, P2, footer="Related Articles\n" + P3 + "\nComments\n" + P3))
    assert out["body"].split("\n\n") == [P1, P2]


def test_end_marker_before_body_does_not_end_the_article() -> None:
    out = one(page(P1, P2, header="Trending\nTalks to resume in Geneva next week\nBy Jane Doe"))
    assert out["body"].split("\n\n") == [P1, P2]


def test_link_list_is_not_body() -> None:
    links = "\n".join(f"Headline number {i} about something else entirely" for i in range(6))
    out = one(page(P1, P2, links, "The Morning Courier is published by Courier Media Group Ltd."))
    assert out["body"].split("\n\n") == [P1, P2]


def test_lines_without_blank_separators() -> None:
    out = one("Talks to resume in Geneva next week\nBy Jane Doe\n" + "\n".join([P1, P2, P3]))
    assert out["body"].split("\n\n") == [P1, P2, P3]


def test_crlf_line_endings() -> None:
    out = one(page(P1, P2).replace("\n", "\r\n"))
    assert out["body"].split("\n\n") == [P1, P2]


def test_furniture_only_dump_has_actionable_error() -> None:
    out = one("Home\nNews\nShare\nFacebook\nTwitter\nAdvertisement\nSign up for our newsletter")
    assert out["body"] is None
    assert out["extract_error"] == (
        "no article body found: 0 body lines among 7 lines (all furniture)"
    )


def test_short_text_only_dump_explains_counts() -> None:
    out = one("Home\nHello there\nBy Jane Doe\nNothing here")
    assert out["extract_error"].startswith("no article body found: 0 body lines among 4 lines (")


@pytest.mark.parametrize("raw", ["", "   ", None, "\n\n\n"])
def test_empty_text(raw: str | None) -> None:
    out = one(raw)
    assert out["extract_error"] == "empty text"
    assert out["body"] is None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(max_size=120), max_size=12))
def test_never_raises(lines: list[str]) -> None:
    out = extract(text_records("\n".join(lines)))
    assert out.height == 1
    row = out.row(0, named=True)
    assert (row["body"] is None) == (row["extract_error"] is not None)


# --------------------------------------------------------------------------- JSON records


def json_records(*rows: dict[str, Any]) -> pl.DataFrame:
    full = [
        {"source_path": "a.jsonl", "record_key": str(i), "format": "json", **r}
        for i, r in enumerate(rows)
    ]
    return schema.conform(pl.DataFrame(full, infer_schema_length=None), schema.RAW_RECORD)


def test_json_passes_through_and_detects_credit() -> None:
    rows = [
        {"title": "T1", "author": "Jane Doe", "body": f"KYIV (AP) — {P1}\n\n{P2}"},
        {"title": "T2", "author": "Web Desk", "body": f"{P1}\n\n{P2}\n\n(BBC)"},
        {"title": "T3", "author": "John Roe", "body": f"{P1}\n{P2}", "published_raw": "2025-09-05"},
        {"title": "T4", "author": None, "body": f"{P1}\n\n{P2} (Reuters)"},
        {"title": "T5", "author": "Reuters", "body": P1},
        {"title": "T6", "author": "A", "body": "   "},
    ]
    out = extract(json_records(*rows)).to_dicts()
    assert [r["original_source"] for r in out] == [
        "Associated Press",
        "BBC",
        None,
        "Reuters",
        "Reuters",
        None,
    ]
    assert out[0]["body"] == f"{P1}\n\n{P2}"
    assert out[1]["body"] == f"{P1}\n\n{P2}"
    assert out[2]["body"] == f"{P1}\n{P2}"  # untouched when no credit was found
    assert out[3]["body"] == f"{P1}\n\n{P2}"
    assert [r["title"] for r in out] == ["T1", "T2", "T3", "T4", "T5", "T6"]
    assert out[2]["published_raw"] == "2025-09-05"
    assert [r["is_desk_byline"] for r in out] == [False, True, False, False, True, False]
    assert [r["extract_error"] for r in out][:5] == [None] * 5
    assert out[5]["extract_error"] == "record has no body text"


@pytest.mark.parametrize(
    ("raw", "author", "desk"),
    [
        ("By Maria Lopez", "Maria Lopez", False),
        ("Ana Ruiz and Tom Hale", "Ana Ruiz, Tom Hale", False),
        ("Jane Doe, Reuters", "Jane Doe", False),
        ("Web Desk", "Web Desk", True),
        (None, None, False),
        ("", None, False),
    ],
)
def test_json_author_cleaned_like_a_byline(raw: str | None, author: str | None, desk: bool) -> None:
    row = extract(json_records({"title": "T", "author": raw, "body": P1})).row(0, named=True)
    assert row["author"] == author
    assert row["is_desk_byline"] is desk


def test_mixed_batch() -> None:
    mixed = pl.concat(
        [
            text_records(page(P1, P2, P3, "(BBC)")),
            json_records({"title": "T", "body": f"{P1}\n\n— Reuters"}),
        ]
    )
    out = extract(mixed)
    assert out["format"].to_list() == ["text", "json"]
    assert out["original_source"].to_list() == ["BBC", "Reuters"]


# --------------------------------------------------------------------------- explain


def test_explain_labels_the_seed() -> None:
    raw = (GOLDEN_DIR / "seed_000_a44e334fb6fbc269.txt").read_text(encoding="utf-8")
    ex = explain(raw)
    assert ex.columns == ["line_no", "text", "label", "reason"]
    assert ex.height == len(raw.split("\n"))
    assert set(ex["label"].unique()) <= set(LABELS)
    labels = dict(zip(ex["line_no"].to_list(), ex["label"].to_list(), strict=True))
    assert labels[1] == "furniture"
    assert labels[2] == "blank"
    assert labels[3] == "title"
    assert labels[5] == "byline"
    assert labels[6] == "counter"
    assert labels[7] == "furniture"
    assert labels[10] == "body"
    by_text = dict(zip(ex["text"].to_list(), ex["label"].to_list(), strict=True))
    assert by_text["(BBC)"] == "credit"
    assert by_text["You may also like"] == "furniture"
    assert by_text["Adblock Detected"] == "furniture"
    assert ex.filter(pl.col("label") == "body").height == 16
    assert ex.filter(pl.col("label") != "blank")["reason"].str.len_chars().min() > 0
    reasons = dict(zip(ex["text"].to_list(), ex["reason"].to_list(), strict=True))
    assert "end-of-article marker on line 46" in reasons["Adblock Detected"]
    assert "font_control" in reasons["A+A-"]


# --------------------------------------------------------------------------- reference data


def test_reference_files_load_and_are_sane() -> None:
    ref = load_reference(ROOT / "data" / "reference")
    assert ref.source_map["associated press"] == "Associated Press"
    assert ref.source_map["agence france-presse"] == "AFP"
    assert ref.source_map["bbc news"] == "BBC"
    assert "news desk" in ref.desk_exact
    assert ("breadcrumb", "drop") in {(k, a) for k, a, _ in ref.furniture_kinds}
    kinds = {r["kind"] for r in _csv(ROOT / "data" / "reference" / "sources.csv")}
    assert kinds == {"wire", "broadcaster", "newspaper", "agency"}


def _csv(path: Path) -> list[dict[str, str]]:
    from newsdesk.extract import read_reference_csv  # noqa: PLC0415

    return read_reference_csv(path)


def test_bad_reference_regex_names_the_row(tmp_path: Path) -> None:
    ref_dir = ROOT / "data" / "reference"
    for name in ("desk_bylines.csv", "sources.csv"):
        (tmp_path / name).write_text((ref_dir / name).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "furniture.csv").write_text(
        "# comment\npattern,match,kind,action,note\nshare,exact,share,drop,\n"
        '"(unclosed",regex,share,drop,\n',
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="row 2"):
        load_reference(tmp_path)


# --------------------------------------------------------------------------- sample corpus


def _sample_texts() -> dict[str, str]:
    out: dict[str, str] = {}
    for p in sorted(SAMPLE_DIR.rglob("*")):
        if p.name.endswith(".txt"):
            out[str(p.relative_to(SAMPLE_DIR))] = p.read_text(encoding="utf-8", errors="replace")
        elif p.name.endswith(".txt.gz"):
            out[str(p.relative_to(SAMPLE_DIR))] = gzip.decompress(p.read_bytes()).decode(
                "utf-8", errors="replace"
            )
    return out


def test_sample_feed_goldens() -> None:
    """JSON feed records in data/sample/ (read by the readers) against sample_expected.json."""
    if not SAMPLE_GOLDEN.exists():
        pytest.skip(f"{SAMPLE_GOLDEN.relative_to(ROOT)} is missing: no sample expectations yet")
    readers = pytest.importorskip("newsdesk.readers")
    expected: dict[str, dict[str, Any]] = json.loads(SAMPLE_GOLDEN.read_text(encoding="utf-8"))
    records: list[dict[str, Any]] = []
    for p in sorted(SAMPLE_DIR.rglob("*")):
        if p.is_file() and any(s in p.name for s in (".json", ".jsonl", ".ndjson")):
            rel = str(p.relative_to(SAMPLE_DIR))
            records += readers.read_bytes(p.read_bytes(), rel, "sha", 2_000_000).records
    if not records:
        pytest.skip("no JSON feed records in data/sample/")
    out = extract(
        schema.conform(pl.DataFrame(records, infer_schema_length=None), schema.RAW_RECORD)
    )
    problems: list[str] = []
    checked = 0
    for row in out.iter_rows(named=True):
        exp = expected.get(f"{row['source_path']}#{row['record_key']}")
        if exp is None or exp.get("quarantine"):
            continue
        checked += 1
        exp = {k: v for k, v in exp.items() if k != "published"}  # raw feed dates: normalise's
        problems += check_expected(row, exp, f"{row['source_path']}#{row['record_key']}")
    assert checked > 0
    assert problems == []


def test_sample_goldens() -> None:
    """Every text dump in data/sample/ against tests/golden/sample_expected.json."""
    if not SAMPLE_GOLDEN.exists():
        pytest.skip(f"{SAMPLE_GOLDEN.relative_to(ROOT)} is missing: no sample expectations yet")
    expected: dict[str, dict[str, Any]] = json.loads(SAMPLE_GOLDEN.read_text(encoding="utf-8"))
    texts = _sample_texts()
    articles = {
        rel: exp for rel, exp in expected.items() if rel in texts and not exp.get("quarantine")
    }
    bad = {
        rel: exp
        for rel, exp in expected.items()
        if rel in texts and exp.get("quarantine") and "extract" in exp.get("stages", [])
    }
    assert articles, "no sample text dump has an article entry in sample_expected.json"
    names = [*articles, *bad]
    out = extract(text_records(*[texts[rel] for rel in names]))
    problems: list[str] = []
    for row, rel in zip(out.iter_rows(named=True), names, strict=True):
        if rel in articles:
            problems += check_expected(row, articles[rel], rel)
        elif row["extract_error"] is None:
            problems.append(f"{rel}: expected an extract_error, got body {row['body']!r:.80}")
    passed = len(names) - len({p.split(":")[0] for p in problems})
    assert problems == [], f"{passed}/{len(names)} sample dumps pass"
