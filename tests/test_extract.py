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
from newsdesk.extract import LABELS, explain, extract, fast_regex, load_reference
from newsdesk.letters import LOWER, UPPER

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


@pytest.mark.parametrize(
    "title",
    [
        "“Daughters of the Delta” wins state prize for novel",
        "‘Daughters of the Delta’ wins state prize for novel",
        '"Daughters of the Delta" wins state prize for novel',
        "'Daughters of the Delta' wins state prize for novel",
        "«Daughters of the Delta» wins state prize for novel",
        "„Daughters of the Delta“ wins state prize for novel",
        "Novelist Ana Ruiz wins state prize for “Daughters of the Delta”",
    ],
)
def test_title_opening_or_ending_with_a_quote(title: str) -> None:
    # the breadcrumb repeats the headline: a quote-led headline is no pull quote, and the
    # "Log in | Subscribe" bar above it is no title
    header = (
        f"The Morning Courier\nLog in | Subscribe\nHome » Culture » {title}\n{title}\n"
        "By Jane Doe\nSeptember 5, 2025"
    )
    out = one(page(P1, P2, P3, header=header))
    assert out["title"] == title
    assert out["author"] == "Jane Doe"
    assert out["body"].split("\n\n") == [P1, P2, P3]


def test_quote_led_title_without_breadcrumb_beats_a_standfirst() -> None:
    title = "“Daughters of the Delta” wins state prize for novel"
    header = f"{title}\nThe jury praised a portrait of three generations\nBy Jane Doe"
    assert one(page(P1, P2, header=header))["title"] == title


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


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
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


# --------------------------------------------------------------------------- issue 4: fields


def fetched_records(text: str, fetched_at: str | None) -> pl.DataFrame:
    return schema.conform(
        pl.DataFrame(
            [
                {
                    "source_path": "d.txt",
                    "record_key": "",
                    "format": "text",
                    "raw_text": text,
                    "fetched_at": fetched_at,
                }
            ]
        ),
        schema.RAW_RECORD,
    )


@pytest.mark.parametrize(
    ("lines", "count"),
    [
        ("23 comments", 23),
        ("Comments (17)", 17),
        ("Kommentare (8)", 8),
        ("Comentarios (12)", 12),
        ("Réagissez (5)", 5),
        ("Reacties (6)", 6),
        ("14 comentários", 14),
        ("Commenti (27)", 27),
        ("1,204 comments", 1204),
        ("0 Comments", 0),
        ("31\nComments", 31),
        ("3 thoughts on “Talks to resume in Geneva next week”", 3),
    ],
)
def test_comment_counts(lines: str, count: int) -> None:
    out = one(page(P1, P2, P3, footer=f"{lines}\nLeave a Reply"))
    assert out["comment_count"] == count
    assert out["body"].split("\n\n") == [P1, P2, P3]


def test_no_comment_count_without_one() -> None:
    assert one(page(P1, P2))["comment_count"] is None


@pytest.mark.parametrize(
    ("first", "place", "source"),
    [
        ("KYIV (AP) — ", "Kyiv", "Associated Press"),
        ("KYIV, Ukraine (AP) — ", "Kyiv", "Associated Press"),
        ("SAN FRANCISCO, Oct 9 (Reuters) - ", "San Francisco", "Reuters"),
        ("NEW DELHI, Sept 5 (PTI): ", "New Delhi", "PTI"),
        ("Madrid, 14 oct (EFE).- ", "Madrid", "EFE"),
        ("Berlin (dpa) - ", "Berlin", "dpa"),
        ("RIYADH, Oct. 8 (Xinhua) -- ", "Riyadh", "Xinhua"),
        ("PUNE: ", "Pune", None),
        ("DUBAI — ", "Dubai", None),
        ("GENOVA, 14 OTT - ", "Genova", None),
    ],
)
def test_dateline_place(first: str, place: str, source: str | None) -> None:
    out = one(page(first + P1, P2, P3))
    assert out["dateline_place"] == place
    assert out["original_source"] == source
    assert out["body"].startswith("Officials said on Friday")


@pytest.mark.parametrize("first", ["BREAKING: ", "UPDATE — "])
def test_capital_labels_are_not_places(first: str) -> None:
    assert one(page(first + P1, P2, P3))["dateline_place"] is None


def test_no_dateline_place_without_dateline() -> None:
    assert one(page(P1, P2))["dateline_place"] is None


@pytest.mark.parametrize(
    ("line", "published"),
    [
        ("Posted 4 hours ago", "2025-10-09T14:30:00+00:00"),
        ("Published: 35 minutes ago", "2025-10-09T17:55:00+00:00"),
        ("vor 3 Stunden", "2025-10-09T15:30:00+00:00"),
        ("Publié il y a 5 heures", "2025-10-09T13:30:00+00:00"),
        ("Hace 2 horas", "2025-10-09T16:30:00+00:00"),
        ("há 2 dias", "2025-10-07T18:30:00+00:00"),
        ("3 ore fa", "2025-10-09T15:30:00+00:00"),
        ("2 uur geleden", "2025-10-09T16:30:00+00:00"),
        ("Posted yesterday", "2025-10-08"),
        ("ieri alle 22:45", "2025-10-08T22:45:00"),
        ("gisteren, 18:45", "2025-10-08T18:45:00"),
        ("vandaag, 10:15", "2025-10-09T10:15:00"),
        ("Updated: today", "2025-10-09"),
    ],
)
def test_relative_dates_resolved_against_fetched_at(line: str, published: str) -> None:
    text = page(P1, P2, header=f"Talks to resume in Geneva next week\nBy Jane Doe\n{line}")
    row = extract(fetched_records(text, "2025-10-09T18:30:00Z")).row(0, named=True)
    assert row["published_raw"] == published
    assert line not in row["body"]


def test_relative_date_without_fetched_at_is_null() -> None:
    text = page(P1, P2, header="Talks to resume in Geneva next week\nBy Jane Doe\n2 hours ago")
    assert extract(fetched_records(text, None)).row(0, named=True)["published_raw"] is None


def test_absolute_date_wins_over_relative() -> None:
    header = "Talks to resume in Geneva next week\nBy Jane Doe\n2 hours ago\nSeptember 5, 2025"
    row = extract(fetched_records(page(P1, P2, header=header), "2025-10-09T18:30:00Z"))
    assert row.row(0, named=True)["published_raw"] == "September 5, 2025"


@pytest.mark.parametrize(
    ("line", "raw"),
    [
        ("5. September 2025", "2025-09-05"),
        ("14.10.2025, 09:15 Uhr", "14.10.2025, 09:15"),
        ("25. September 2025, 16:30 Uhr", "2025-09-25T16:30:00"),
        ("Publié le 4 septembre 2025 à 08h12", "2025-09-04T08:12:00"),
        ("Publié le 30/09/2025 à 14h05", "30/09/2025 14:05"),
        ("12 de octubre de 2025, 23:40", "2025-10-12T23:40:00"),
        ("14 oct 2025 - 10:32 CEST", "14 oct 2025 10:32 CEST"),
        ("12 ottobre 2025", "2025-10-12"),
        ("28 de setembro de 2025", "2025-09-28"),
        ("3 oktober 2025, 11:04", "2025-10-03T11:04:00"),
        ("Sep 18, 2025 / 04:12 PM PDT", "Sep 18, 2025 04:12 PM PDT"),
    ],
)
def test_dates_in_other_languages_become_readable(line: str, raw: str) -> None:
    out = one(page(P1, P2, header=f"Talks to resume in Geneva next week\nBy Jane Doe\n{line}"))
    assert out["published_raw"] == raw


def test_readable_dates_parse_in_normalise() -> None:
    from newsdesk.normalise import parse_dates  # noqa: PLC0415

    raws = ["2025-09-25T16:30:00", "14 oct 2025 10:32 CEST", "30/09/2025 14:05", "2025-10-08"]
    parsed = parse_dates(pl.DataFrame({"published_raw": raws}))
    assert parsed["published_at"].null_count() == 0


# --------------------------------------------------------------------------- issue 4: bylines


@pytest.mark.parametrize(
    ("line", "author", "source"),
    [
        ("by: HANNA KOVAL, Associated Press", "Hanna Koval", "Associated Press"),
        ("By MARISOL TREJO Associated Press", "Marisol Trejo", "Associated Press"),
        ("Reporter: Claire Whitmore", "Claire Whitmore", None),
        ("Door Sanne de Vries", "Sanne de Vries", None),
        ("di Marco Rinaldi", "Marco Rinaldi", None),
        ("Por Lucía Ferrer", "Lucía Ferrer", None),
        ("Posted on September 14, 2025 by Dale Kowalchuk", "Dale Kowalchuk", None),
        ("Grace Holloway Transport correspondent", "Grace Holloway", None),
        ("Door Onze verslaggever", "Onze verslaggever", None),
    ],
)
def test_more_byline_shapes(line: str, author: str, source: str | None) -> None:
    out = one(page(P1, P2, P3, header=f"Talks to resume in Geneva next week\n{line}"))
    assert out["author"] == author
    assert out["original_source"] == source
    assert line not in out["body"]


def test_site_name_after_author_is_not_part_of_it() -> None:
    header = (
        "Metro Journal\nTalks to resume in Geneva next week\n"
        "By Ana Ruiz and Tom Hale, Metro Journal"
    )
    assert one(page(P1, P2, header=header))["author"] == "Ana Ruiz, Tom Hale"


def test_name_between_title_and_date_with_masthead_line() -> None:
    header = (
        "The Coastal Ledger\nTalks to resume in Geneva next week\n"
        "Negotiators hope to revive a deal that collapsed in the spring.\n"
        "Ellen Marsh\nThe Coastal Ledger\nPublished 6:14 a.m. ET Oct. 3, 2025"
    )
    text = page(P1, P2, header=header) + "\n© 2025 The Coastal Ledger. All rights reserved."
    out = one(text)
    assert out["title"] == "Talks to resume in Geneva next week"
    assert out["author"] == "Ellen Marsh"


# --------------------------------------------------------------------------- issue 4: credits


@pytest.mark.parametrize(
    ("credit", "source"),
    [
        ("(ANSA).", "ANSA"),
        ("Fonte: Agência Brasil", "Agência Brasil"),
        ("ANP", "ANP"),
        ("Agencia EFE", "EFE"),
        ("PA Media", "PA Media"),
        ("Fuente: Télam", "Télam"),
        ("(With inputs from PTI)", "PTI"),
    ],
)
def test_more_credit_lines(credit: str, source: str) -> None:
    out = one(page(P1, P2, P3, credit))
    assert out["original_source"] == source
    assert out["body"].endswith("if both sides agreed.")


def test_unknown_parenthesis_at_end_is_not_a_credit() -> None:
    out = one(page(P1, P2, P3.removesuffix(".") + " (in 2019)."))
    assert out["original_source"] is None
    assert out["body"].endswith("(in 2019).")


# --------------------------------------------------------------------------- issue 4: body


def test_list_introduced_by_colon_is_body() -> None:
    items = ["A1 between Cologne and Dortmund", "A3 between Oberhausen and Frankfurt"]
    intro = "The motoring club named the stretches most at risk of jams:"
    more = ["A4 around the Cologne East junction", "A61 between Mönchengladbach and Koblenz"]
    out = one(page(P1, intro, *items, *more, P2))
    assert out["body"].split("\n\n") == [P1, intro, *items, *more, P2]


def test_list_at_the_end_of_the_article_is_body() -> None:
    intro = "Key moments of the final:"
    items = ["Pakistan lose nine wickets for 33 runs", "Six in the last over seals the title"]
    out = one(page(P1, P2, intro, *items, footer="TOPICS\nAsia Cup\nCricket"))
    assert out["body"].split("\n\n") == [P1, P2, intro, *items]


def test_related_box_inside_the_article_does_not_end_it() -> None:
    box = "Mehr zum Thema\nGletscherschwund: Forscher messen Rekordverlust"
    out = one(page(P1, P2, box, P3, P1.replace("Friday", "Monday")))
    assert out["body"].split("\n\n") == [P1, P2, P3, P1.replace("Friday", "Monday")]


def test_related_box_after_the_article_ends_it() -> None:
    teasers = "Most read\nHeadline one about other things\n" + P3 + "\nHeadline two elsewhere"
    out = one(page(P1, P2, footer=teasers))
    assert out["body"].split("\n\n") == [P1, P2]


def test_pull_quote_is_not_body() -> None:
    quote = "“Nobody in that room thinks they lose if the lights go off.”"
    para = (
        "“Nobody in that room thinks they lose if the lights go off,” said one aide, who "
        "spoke on condition of anonymity."
    )
    out = one(page(P1, quote, para, P2))
    assert out["body"].split("\n\n") == [P1, para, P2]


@pytest.mark.parametrize(
    "furniture",
    [
        "This website uses cookies to improve your experience. By clicking Accept you consent.",
        "Utilizamos cookies propias y de terceros para mejorar nuestros servicios.",
        "Wir verwenden Cookies, um Ihnen ein optimales Webseiten-Erlebnis zu bieten.",
        "Ellen Marsh covers the waterfront for the paper. Reach her at emarsh@example.com.",
        "Jane Doe is a senior reporter at the Courier, covering transport and energy.",
        "Passengers at the station on Friday. Photograph: Jonah Pike/Courier",
        "Une des plages concernées, mercredi en fin de journée. © Le Quotidien du Lac",
    ],
)
def test_sentence_like_furniture_after_the_body(furniture: str) -> None:
    out = one(page(P1, P2, P3, furniture))
    assert out["body"].split("\n\n") == [P1, P2, P3]


def test_stopwords_of_the_page_language() -> None:
    de = [
        "Die Bahn soll rund 48 Millionen Euro kosten und bis zu 2400 Personen pro Stunde "
        "befördern, sagte der Bürgermeister am Mittwoch.",
        "Naturschutzorganisationen kritisieren das Projekt scharf und kündigen Widerstand an.",
    ]
    tags = "Tirol Seilbahn Gletscher Tourismus Winter Skigebiete Umwelt Naturschutz."
    ex = explain(page(*de, tags, header="Neue Seilbahn auf den Gletscher"))
    reasons = dict(zip(ex["text"].to_list(), ex["reason"].to_list(), strict=True))
    assert "stopwords" in reasons[de[0]]
    assert ex.filter(pl.col("text") == tags)["label"].item() == "furniture"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.lists(
            st.sampled_from(
                [
                    "the",
                    "The",
                    "THE",
                    "und",
                    "Über",
                    "über",
                    "très",
                    "Très",
                    "het",
                    "de",
                    "la",
                    "il",
                    "e",
                    "que",
                    "of",
                    "cat",
                    "Haus",
                    "maison",
                    "the,",
                    "und.",
                    "  ",
                    "è",
                    "È",
                    "ſie",  # long s: the regex folds it to "s"
                    "IS",
                    "\u212aann",  # Kelvin sign: folds (and lower-cases) to "k"
                ]
            ),
            min_size=8,
            max_size=40,
        ).map(" ".join),
        min_size=1,
        max_size=6,
    )
)
def test_page_language_from_one_pass_equals_one_count_per_language(texts: list[str]) -> None:
    """The page language found with the all-languages regex (its words mapped to their lists)
    is the one that counting each language's regex separately picks (ties: first by name)."""
    from newsdesk.extract import _doc_language, _padded, _reference  # noqa: PLC0415

    ref = _reference()
    nl = pl.DataFrame(
        {"doc": list(range(len(texts))), "text": texts, "n_words": [8] * len(texts)},
        schema={"doc": pl.UInt32, "text": pl.String, "n_words": pl.Int64},
    )
    got = dict(_doc_language(nl, ref).iter_rows())
    langs = [k for k in ref.stopwords if k]
    for doc, text in enumerate(texts):
        sample = pl.Series([text[:300]]).to_frame("s")
        counts = {
            lang: sample.select(_padded(pl.col("s")).str.count_matches(ref.stopwords[lang])).item()
            for lang in langs
        }
        best = max(counts.values())
        want = next(lang for lang in langs if counts[lang] == best) if best >= 3 else ""
        assert got[doc] == want, (text, counts)


def test_stopword_lists_are_data() -> None:
    from newsdesk.extract import read_stopwords  # noqa: PLC0415

    lists = read_stopwords(ROOT / "data" / "reference" / "stopwords")
    assert set(lists) == {"en", "de", "fr", "es", "it", "pt", "nl"}
    assert all(len(words) >= 50 for words in lists.values())
    assert "the" in lists["en"] and "und" in lists["de"] and "het" in lists["nl"]


# --------------------------------------------------------------------------- issue 4: per-site


def _site_pages(n: int) -> list[str]:
    furniture = (
        "Harbour Weekly\nWeather: 18°C and sunny in Port Alden today\n"
        "Our weekend picks for families"
    )
    bodies = [
        (
            f"The council voted on item {i} on Tuesday after a long debate about the budget.",
            f"Residents said item {i} would change the way the harbour works for years.",
        )
        for i in range(n)
    ]
    # a promo line the site puts between the paragraphs of every story
    promo = "Support independent local news in Port Alden"
    return [
        f"{furniture}\nStory number {i} about the harbour\nBy Jane Doe\n\n{a}\n\n{promo}\n\n"
        f"{b}\n\n© 2025 Harbour Weekly. All rights reserved."
        for i, (a, b) in enumerate(bodies)
    ]


def test_learn_site_furniture_needs_several_dumps() -> None:
    from newsdesk.extract import learn_site_furniture, site_lines  # noqa: PLC0415

    many = learn_site_furniture(site_lines(text_records(*_site_pages(5))))
    assert set(many.columns) == {"site", "line", "docs"}
    assert "our weekend picks for families" in many["line"].to_list()
    assert all(not line.startswith("the council voted") for line in many["line"].to_list())
    assert many["site"].unique().to_list() == ["harbour weekly"]
    one_page = learn_site_furniture(site_lines(text_records(*_site_pages(1))))
    assert one_page.height == 0


def test_site_furniture_helps_and_never_hurts() -> None:
    from newsdesk.extract import learn_site_furniture, site_lines  # noqa: PLC0415

    records = text_records(*_site_pages(5))
    profile = learn_site_furniture(site_lines(records))
    plain = extract(records)
    learnt = extract(records, site_furniture=profile)
    promo = "Support independent local news in Port Alden"
    assert all(promo in body for body in plain["body"].to_list())  # a short line in the body
    assert all(promo not in body for body in learnt["body"].to_list())
    assert [b.count("\n\n") for b in learnt["body"].to_list()] == [1] * 5
    assert learnt["title"].to_list() == [f"Story number {i} about the harbour" for i in range(5)]
    assert learnt["author"].to_list() == ["Jane Doe"] * 5
    # one dump with an empty profile and with another site's profile: unchanged
    single = text_records(_site_pages(1)[0])
    other = profile.with_columns(pl.lit("another site").alias("site"))
    assert extract(single, site_furniture=other).to_dicts() == extract(single).to_dicts()
    assert extract(single, site_furniture=profile.clear()).to_dicts() == extract(single).to_dicts()


@pytest.mark.parametrize("collide", [False, True])
def test_line_ids_number_distinct_texts_even_when_hashes_collide(
    monkeypatch: pytest.MonkeyPatch, collide: bool
) -> None:
    """Lines are numbered by their texts' hashes; were two texts to share a hash, the ids
    still tell them apart (the strings decide), and the pages come out the same."""
    from newsdesk import extract as mod  # noqa: PLC0415

    texts = pl.Series(["b", "a", "b", "c", "a", "a"])
    if collide:
        monkeypatch.setattr(
            pl.Series,
            "hash",
            lambda self, *a, **k: pl.repeat(7, len(self), dtype=pl.UInt64, eager=True),
        )
    tid, uniq = mod._text_ids(texts)
    assert uniq["text"].to_list() == ["b", "a", "c"]
    assert tid.to_list() == [0, 1, 0, 2, 1, 1]
    page = f"Talks resume\n\nBy Ann Lee\n\n{P1}\n\n{P2}\n\n{P3}\n\nShare this article"
    got = extract(text_records(page, page))
    assert got["title"].to_list() == ["Talks resume"] * 2
    assert got["body"].to_list() == ["\n\n".join([P1, P2, P3])] * 2


@pytest.mark.parametrize(
    ("pattern", "rewritten"),
    [
        (r"\b\d{4}", r"(?-u:\b)[0-9]{4}"),
        (r"^[^\d/.!?]{1,40}\s", r"^[^0-9/.!?]{1,40}\s"),
        (r"(?-u:\b)x\b", r"(?-u:\b)x(?-u:\b)"),  # an ASCII boundary stays as it is
        (r"\\d", r"\\d"),  # an escaped backslash, then "d"
        (r"[]\d]\D", r"[]0-9][^0-9]"),  # "]" first in a class is a literal
        (r"[[:alpha:]\d]\d", r"[[:alpha:]0-9][0-9]"),
        (r"[\D]", r"[\D]"),  # left alone inside a class
        # letter classes as Latin, Greek and Cyrillic ranges, in a class or out of one
        (r"\p{Lu}[\p{L}'’.-]*", f"[{UPPER}][{UPPER}{LOWER}'’.-]*"),
        (r"(?-i:\p{Ll})\\p{L}", f"(?-i:[{LOWER}])\\\\p{{L}}"),
    ],
)
def test_fast_regex_ascii_digits_boundaries_letter_ranges(pattern: str, rewritten: str) -> None:
    assert fast_regex(pattern) == rewritten


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="ab 7/.›»!é\u0663", min_size=0, max_size=12), max_size=20))
def test_ascii_digit_regex_matches_the_same_lines_on_ascii_digits(lines: list[str]) -> None:
    """The breadcrumb pattern ("Section / Subsection", no digits) gives the same answer with
    ASCII digit classes on every line without another script's digits ("\u0663" is ٣)."""
    pattern = r"^[^\d/.!?]{1,40}\s[/›»]\s[^\d/.!?]{1,60}$"
    frame = pl.DataFrame({"line": lines}, schema={"line": pl.String})
    out = frame.select(
        pl.col("line").str.contains(pattern).alias("unicode"),
        pl.col("line").str.contains(fast_regex(pattern)).alias("ascii"),
        pl.col("line").str.contains("\u0663", literal=True).alias("other_digit"),
    )
    same = out.filter(~pl.col("other_digit"))
    assert same["unicode"].to_list() == same["ascii"].to_list()
    # another script's digit ("٣", Arabic-Indic three) is a digit only to the Unicode class
    trail = pl.Series(["Home / \u0663 Politics"])
    assert not trail.str.contains(pattern).item()
    assert trail.str.contains(fast_regex(pattern)).item()
