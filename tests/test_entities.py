"""Tests for the entities stage (newsdesk.entities.find_entities)."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import random
import re
import time
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsdesk.entities import entity_id, find_entities, load_reference
from newsdesk.schema import ENTITY, ENTITY_MENTION

GOLDEN = Path(__file__).parent / "golden" / "entities"
SEED_BODY = (GOLDEN / "seed_000_body.txt").read_text(encoding="utf-8").rstrip("\n")
MARK = re.compile(r"\[\[([^|\]]+)\|(PERSON|ORG|LOC)(?:\|([^\]]+))?\]\]")

#: Typed span F1 on labelled.jsonl was 0.995 when this floor was set (0.946 before the rules
#: were tuned on it; the set was written by the gazetteer's author, so it is optimistic).
LABELLED_F1_FLOOR = 0.97


def run(*bodies: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    articles = pl.DataFrame(
        {"article_id": [f"a{i}" for i in range(len(bodies))], "body": list(bodies)}
    )
    return find_entities(articles)


def named_mentions(*bodies: str) -> pl.DataFrame:
    """Mentions joined with their entity: article_id, surface, start_char, end_char, name, type."""
    entities, mentions = run(*bodies)
    return mentions.join(entities, on="entity_id", how="left").sort("article_id", "start_char")


def names_of(df: pl.DataFrame, entity_type: str) -> set[str]:
    return set(df.filter(pl.col("type") == entity_type)["name"].to_list())


def assert_spans_exact(bodies: dict[str, str], mentions: pl.DataFrame) -> None:
    for row in mentions.iter_rows(named=True):
        body = bodies[row["article_id"]]
        start, end = row["start_char"], row["end_char"]
        assert 0 <= start < end <= len(body), row
        assert body[start:end] == row["surface"], row


def parse_labelled(text: str) -> tuple[str, list[tuple[int, int, str, str]]]:
    """Strip ``[[surface|TYPE|Canonical]]`` markup: the body and gold (start, end, type, name)."""
    parts: list[str] = []
    gold: list[tuple[int, int, str, str]] = []
    pos = last = 0
    for m in MARK.finditer(text):
        parts.append(text[last : m.start()])
        pos += m.start() - last
        surface = m.group(1)
        gold.append((pos, pos + len(surface), m.group(2), m.group(3) or surface))
        parts.append(surface)
        pos += len(surface)
        last = m.end()
    parts.append(text[last:])
    return "".join(parts), gold


def labelled() -> dict[str, tuple[str, list[tuple[int, int, str, str]]]]:
    out = {}
    for line in (GOLDEN / "labelled.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            out[row["article_id"]] = parse_labelled(row["text"])
    return out


# --- the real seed article ---------------------------------------------------------------


@pytest.fixture(scope="module")
def seed() -> pl.DataFrame:
    return named_mentions(SEED_BODY)


def test_seed_people_are_exactly_the_eight(seed: pl.DataFrame) -> None:
    assert names_of(seed, "PERSON") == {
        "Emmanuel Macron",
        "Vladimir Putin",
        "Donald Trump",
        "Volodymyr Zelensky",
        "Alexander Stubb",
        "Keir Starmer",
        "Friedrich Merz",
        "Steve Witkoff",
    }


def test_seed_organisations_and_places(seed: pl.DataFrame) -> None:
    assert {"European Union", "White House"} <= names_of(seed, "ORG")
    assert {"Ukraine", "Russia", "Alaska", "Paris", "Moscow", "Kyiv"} <= names_of(seed, "LOC")
    assert not {"Western", "Thursday", "Coalition", "Downing Street spokeswoman"} & set(
        seed["name"].to_list()
    )


@pytest.mark.parametrize(
    ("surface", "name"),
    [
        ("Macron", "Emmanuel Macron"),
        ("Trump", "Donald Trump"),
        ("Keir Starmer", "Keir Starmer"),
        ("EU", "European Union"),
        ("Zelensky", "Volodymyr Zelensky"),
        ("US", "United States"),
        ("UK", "United Kingdom"),
        ("Alexander Stubb", "Alexander Stubb"),
        ("Putin", "Vladimir Putin"),
    ],
)
def test_seed_surfaces_resolve(seed: pl.DataFrame, surface: str, name: str) -> None:
    assert set(seed.filter(pl.col("surface") == surface)["name"].to_list()) == {name}


def test_seed_titles_and_possessives_stay_outside_mentions(seed: pl.DataFrame) -> None:
    surfaces = set(seed["surface"].to_list())
    assert not {s for s in surfaces if re.search(r"President|Prime|Sir|Chancellor|envoy|’|'", s)}
    # "Zelensky’s top officials": the mention stops before the typographic apostrophe
    (end,) = seed.filter(pl.col("surface") == "Zelensky")["end_char"].to_list()
    assert SEED_BODY[end : end + 2] == "’s"
    # "US President Donald Trump" is a place and a person
    at = SEED_BODY.index("US President Donald Trump")
    got = seed.filter(pl.col("start_char").is_between(at, at + 25))
    assert got.select("surface", "name").rows() == [
        ("US", "United States"),
        ("Donald Trump", "Donald Trump"),
    ]


def test_seed_spans_are_exact(seed: pl.DataFrame) -> None:
    assert seed.height > 40
    assert_spans_exact({"a0": SEED_BODY}, seed)


# --- behaviour on small texts ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "surface", "name"),
    [
        ("Putin's war went on.", "Putin", "Vladimir Putin"),
        ("Zelensky’s office said no.", "Zelensky", "Volodymyr Zelensky"),
        ("Zelenskyy's aides met.", "Zelenskyy", "Volodymyr Zelensky"),
        ("It is the Kremlin’s line.", "Kremlin", "Kremlin"),
        ("Ukraine’s allies met in Paris.", "Ukraine", "Ukraine"),
        ("Jones' rival, Emmanuel Macron’s aide.", "Emmanuel Macron", "Emmanuel Macron"),
    ],
)
def test_possessives_are_not_part_of_the_surface(text: str, surface: str, name: str) -> None:
    got = named_mentions(text)
    assert (surface, name) in got.select("surface", "name").rows()
    assert_spans_exact({"a0": text}, got)


@pytest.mark.parametrize(
    ("text", "surface", "name", "etype"),
    [
        ("Talks with the EU resumed.", "EU", "European Union", "ORG"),
        ("Exports to the U.S. fell.", "U.S.", "United States", "LOC"),
        ("Britain and the USA agreed.", "Britain", "United Kingdom", "LOC"),
        ("Britain and the USA agreed.", "USA", "United States", "LOC"),
        ("Sir Keir Starmer spoke.", "Keir Starmer", "Keir Starmer", "PERSON"),
        ("Officials in Türkiye agreed.", "Türkiye", "Turkey", "LOC"),
        ("Erdogan and Erdoğan are one.", "Erdogan", "Recep Tayyip Erdoğan", "PERSON"),
        ("Erdogan and Erdoğan are one.", "Erdoğan", "Recep Tayyip Erdoğan", "PERSON"),
        ("Drones hit Kiev overnight.", "Kiev", "Kyiv", "LOC"),
        ("The Fed held rates; Nato met.", "Fed", "Federal Reserve", "ORG"),
        ("The Fed held rates; Nato met.", "Nato", "NATO", "ORG"),
        ("A Downing Street spokeswoman said.", "Downing Street", "Downing Street", "ORG"),
        ("King Felipe VI visited.", "Felipe VI", "Felipe VI", "PERSON"),
        ("King Charles met the Pope.", "Charles", "Charles III", "PERSON"),
    ],
)
def test_aliases_resolve_to_canonical_names(text: str, surface: str, name: str, etype: str) -> None:
    got = named_mentions(text)
    assert (surface, name, etype) in got.select("surface", "name", "type").rows()


def test_title_rule_finds_people_not_in_the_gazetteer() -> None:
    text = (
        "Estonian Prime Minister Kristen Michal met Latvian Prime Minister Evika Siliņa in Rīga. "
        "Michal said Siliņa agreed. Siemens chief executive Roland Busch praised Busch's team."
    )
    got = named_mentions(text)
    people = got.filter(pl.col("type") == "PERSON")
    assert names_of(got, "PERSON") == {"Kristen Michal", "Evika Siliņa", "Roland Busch"}
    # the surname alone, later in the same article, is the same person
    assert people.group_by("name").len().sort("name").rows() == [
        ("Evika Siliņa", 2),
        ("Kristen Michal", 2),
        ("Roland Busch", 2),
    ]
    assert ("Rīga", "Riga") in got.select("surface", "name").rows()
    assert_spans_exact({"a0": text}, got)


def test_suffix_rule_finds_organisations_and_places() -> None:
    text = (
        "The Ministry of Defence and the Russian Defence Ministry disagreed. Residents near "
        "Heathrow Airport complained. The Labour Party met at the Bank of England Governor's home."
    )
    got = named_mentions(text)
    orgs = {"Ministry of Defence", "Russian Defence Ministry", "Labour Party", "Bank of England"}
    assert orgs <= names_of(got, "ORG")
    assert "Heathrow Airport" in names_of(got, "LOC")
    assert "The Ministry of Defence" not in set(got["name"].to_list())


def test_no_junk_people_from_capitalised_words() -> None:
    text = (
        "Twenty-six Western allies met on Thursday. The Coalition of the Willing said so. "
        "However, In May the West agreed. Monday Briefing: Markets Rally."
    )
    got = named_mentions(text)
    assert names_of(got, "PERSON") == set()


def test_surnames_link_to_the_nearest_full_name_in_the_same_article() -> None:
    got = named_mentions(
        "Mike Johnson met Boris Johnson. Johnson said it went well.",
        "Johnson said nothing.",
        "Melania Trump spoke first. Trump said she was proud.",
        "Jeremy Hunt visited Hunt Oil and the Trump Tower.",
    )
    by_article = {
        aid: got.filter(pl.col("article_id") == aid).select("surface", "name").rows()
        for aid in ("a0", "a1", "a2", "a3")
    }
    assert by_article["a0"][-1] == ("Johnson", "Boris Johnson")
    assert by_article["a1"] == []  # an ambiguous surname with no full name: no mention
    assert by_article["a2"][-1] == ("Trump", "Melania Trump")
    # "Hunt Oil" and "Trump Tower" are names of their own, not Jeremy Hunt or Donald Trump
    assert by_article["a3"] == [
        ("Jeremy Hunt", "Jeremy Hunt"),
        ("Hunt Oil", "Hunt Oil"),
        ("Trump Tower", "Trump Tower"),
    ]


def test_articles_do_not_influence_each_other() -> None:
    gold = labelled()
    bodies = [body for body, _ in gold.values()]
    _, together = run(*bodies)
    for i, body in enumerate(bodies):
        _, alone = run(body)
        mine = together.filter(pl.col("article_id") == f"a{i}").drop("article_id")
        assert mine.rows() == alone.drop("article_id").rows()


def test_repeated_articles_give_each_the_mentions_it_has_alone() -> None:
    # a batch whose names and contexts repeat works on their distinct values and joins the
    # results back (one article alone is worked on row by row): both give the same mentions
    bodies = [body for body, _ in labelled().values()]
    n = len(bodies)
    _, together = run(*bodies, *bodies, *bodies)
    _, alone = run(*bodies)
    for k in range(3):
        mine = together.filter(pl.col("article_id").str.slice(1).cast(pl.Int64) // n == k)
        assert mine.height > 0
        assert mine.drop("article_id").rows() == alone.drop("article_id").rows()


# --- names the gazetteer does not know ------------------------------------------------------
# Invented people, companies, clubs and places: only the general rules can find them.

COMPANY = (
    "Carmaker Voltrix Motors said on Monday that chief executive Dariusz Malecki would step "
    "down. Malecki, 61, joined Voltrix in 2009. The company's plant in the town of Brevnik "
    "employs 2,000 people, mayor Ilse Vantongeren said. Shares of Voltrix fell 3 percent on "
    "the Warsaw Stock Exchange."
)
SPORT = (
    "SOCCER - KELSTON ROVERS BEAT ASHFORD\n"
    "BRAMLEY, England 2025-01-04\n"
    "Kelston Rovers beat Ashford Town 2-1 on Saturday. Striker Tom Pellow scored twice for "
    "Kelston, who are now third in the league.\n"
    "Results on Saturday:\n"
    "Barnley 2 Wexham 1\n"
    "Goldcrest 0 Harrowby 0"
)


def surfaces(df: pl.DataFrame) -> list[tuple[str, str, str]]:
    return df.select("surface", "name", "type").rows()


def test_rules_find_unknown_people_organisations_and_places() -> None:
    got = named_mentions(COMPANY)
    assert surfaces(got) == [
        ("Voltrix Motors", "Voltrix Motors", "ORG"),  # "Carmaker" opens the sentence
        ("Dariusz Malecki", "Dariusz Malecki", "PERSON"),  # a role noun before it
        ("Malecki", "Dariusz Malecki", "PERSON"),  # a surname after the full name
        ("Voltrix", "Voltrix Motors", "ORG"),  # the first word of an organisation's name
        ("Brevnik", "Brevnik", "LOC"),  # "the town of"
        ("Ilse Vantongeren", "Ilse Vantongeren", "PERSON"),
        ("Voltrix", "Voltrix Motors", "ORG"),
        ("Warsaw Stock Exchange", "Warsaw Stock Exchange", "ORG"),
    ]
    assert_spans_exact({"a0": COMPANY}, got)
    # rule names have no Wikidata id; gazetteer names keep theirs
    assert got["qid"].is_null().all()


def test_headlines_datelines_clubs_and_results_lines() -> None:
    got = named_mentions(SPORT)
    assert surfaces(got) == [
        ("KELSTON ROVERS", "Kelston Rovers", "ORG"),  # a name of the article, upper-cased
        ("ASHFORD", "Ashford Town", "ORG"),
        ("BRAMLEY", "Bramley", "LOC"),  # an unknown dateline place
        ("England", "England", "LOC"),
        ("Kelston Rovers", "Kelston Rovers", "ORG"),  # a club suffix in a sports article
        ("Ashford Town", "Ashford Town", "ORG"),
        ("Tom Pellow", "Tom Pellow", "PERSON"),
        ("Kelston", "Kelston Rovers", "ORG"),
        ("Barnley", "Barnley", "ORG"),  # teams in a results line
        ("Wexham", "Wexham", "ORG"),
        ("Goldcrest", "Goldcrest", "ORG"),
        ("Harrowby", "Harrowby", "ORG"),
    ]
    assert_spans_exact({"a0": SPORT}, got)
    assert not {"SOCCER", "BEAT", "Results", "Striker"} & set(got["surface"].to_list())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # acronyms after the full name; a place listed with a known one
        (
            "The Kestrel Space Agency (KSA) launched a probe from Brevnik and Paris. KSA said it "
            "worked.",
            [
                ("Kestrel Space Agency", "Kestrel Space Agency", "ORG"),
                ("KSA", "Kestrel Space Agency", "ORG"),
                ("Brevnik", "Brevnik", "LOC"),
                ("Paris", "Paris", "LOC"),
                ("KSA", "Kestrel Space Agency", "ORG"),
            ],
        ),
        # events, competitions and treaties hide the places in their names
        (
            "Crowds watched the Madrid Open and the Tour de France before the Paris Agreement.",
            [],
        ),
        # nationality words are not entities; "X of Y" names are one name
        (
            "German and Saudi officials met at the Central Bank of Brevnia in Ostrova.",
            [
                ("Central Bank of Brevnia", "Central Bank of Brevnia", "ORG"),
                ("Ostrova", "Ostrova", "LOC"),
            ],
        ),
        # a team or company before its person; a Korean family name
        (
            "Harlan's Tom Pellow won. President Lee Jae-myung spoke; Lee smiled.",
            [
                ("Harlan", "Harlan", "ORG"),
                ("Tom Pellow", "Tom Pellow", "PERSON"),
                ("Lee Jae-myung", "Lee Jae-myung", "PERSON"),
                ("Lee", "Lee Jae-myung", "PERSON"),
            ],
        ),
        # teams in a match report are clubs, also named after a town; tennis players are not
        (
            "Leaders Porto drew 0-0 at Valbrenta on Sunday, while Kessel won 3-1 at Orvane Vale "
            "in the league. Striker Dario Mends scored a goal and the coach praised the "
            "season.\nMira Tolland beat Anja Verhoek 6-2 6-1 in the final.",
            [
                ("Porto", "Porto", "ORG"),
                ("Valbrenta", "Valbrenta", "ORG"),
                ("Kessel", "Kessel", "ORG"),
                ("Orvane Vale", "Orvane Vale", "ORG"),
                ("Dario Mends", "Dario Mends", "PERSON"),
                ("Mira Tolland", "Mira Tolland", "PERSON"),
                ("Anja Verhoek", "Anja Verhoek", "PERSON"),
            ],
        ),
        # "<role> at X" and "a poll by X" are organisations; "the X party" keeps its adjective;
        # "Bank ..." opening a sentence is a bank; "District Judge" is a title
        (
            "Bank Teravan lost 2 percent, said Ilse Brandvold, an analyst at Norvik Kapital. "
            "A poll by Quorsa put the ruling Georgian Unity party ahead. U.S. District Judge "
            "Ann Telford agreed.",
            [
                ("Bank Teravan", "Bank Teravan", "ORG"),
                ("Ilse Brandvold", "Ilse Brandvold", "PERSON"),
                ("Norvik Kapital", "Norvik Kapital", "ORG"),
                ("Quorsa", "Quorsa", "ORG"),
                ("Georgian Unity", "Georgian Unity", "ORG"),
                ("U.S.", "United States", "LOC"),
                ("Ann Telford", "Ann Telford", "PERSON"),
            ],
        ),
    ],
)
def test_general_rules(text: str, expected: list[tuple[str, str, str]]) -> None:
    got = named_mentions(text)
    assert surfaces(got) == expected
    assert_spans_exact({"a0": text}, got)


def test_a_name_is_typed_the_same_throughout_an_article() -> None:
    # "Brevnik" is a place by "the town of"; later, alone, it is the same place
    text = "Floods hit the town of Brevnik. Brevnik was cut off, Elena Marsh said. Marsh left."
    got = named_mentions(text)
    assert surfaces(got) == [
        ("Brevnik", "Brevnik", "LOC"),
        ("Brevnik", "Brevnik", "LOC"),
        ("Elena Marsh", "Elena Marsh", "PERSON"),
        ("Marsh", "Elena Marsh", "PERSON"),
    ]


def test_qids_come_from_the_alias_table() -> None:
    entities, _ = run(SEED_BODY)
    qids = dict(zip(entities["name"].to_list(), entities["qid"].to_list(), strict=True))
    rows = {
        r["canonical"]: r["qid"]
        for r in csv.DictReader(
            ln
            for ln in (Path(__file__).parents[1] / "data/reference/entities.csv")
            .read_text(encoding="utf-8")
            .splitlines()
            if not ln.startswith("#")
        )
    }
    assert qids["Donald Trump"] == rows["Donald Trump"] == "Q22686"
    for name, qid in qids.items():
        assert qid == (rows.get(name) or None), name


# --- ids, schemas, edge cases ---------------------------------------------------------------


def test_entity_ids_are_stable() -> None:
    digest = hashlib.sha1(b"PERSON:Donald Trump", usedforsecurity=False).hexdigest()
    assert entity_id("PERSON", "Donald Trump") == "ent_" + digest[:16]
    first, _ = run(SEED_BODY)
    again, _ = run("Nothing here.", SEED_BODY)
    assert first.sort("entity_id").rows() == again.sort("entity_id").rows()
    for eid, name, etype, _qid in first.rows():
        assert eid == entity_id(etype, name)
    assert first["entity_id"].n_unique() == first.height


def test_empty_input_gives_empty_frames_with_schemas() -> None:
    for articles in (
        pl.DataFrame(schema={"article_id": pl.String, "body": pl.String}),
        pl.DataFrame({"article_id": ["a", "b", "c"], "body": [None, "", "no names here."]}),
    ):
        entities, mentions = find_entities(articles)
        assert entities.schema == pl.Schema(ENTITY)
        assert mentions.schema == pl.Schema(ENTITY_MENTION)
        assert entities.is_empty()
        assert mentions.is_empty()


def test_output_schemas_and_extra_columns_are_ignored() -> None:
    articles = pl.DataFrame({"article_id": ["x"], "body": [SEED_BODY], "title": ["t"]})
    entities, mentions = find_entities(articles)
    assert entities.schema == pl.Schema(ENTITY)
    assert mentions.schema == pl.Schema(ENTITY_MENTION)
    assert set(entities["type"].unique().to_list()) <= {"PERSON", "ORG", "LOC"}
    assert set(mentions["entity_id"].to_list()) == set(entities["entity_id"].to_list())


def test_reference_data_loads_and_is_consistent() -> None:
    ref = load_reference()
    aliases = ref.aliases
    assert aliases.height > 1000
    assert set(aliases["type"].unique().to_list()) == {"PERSON", "ORG", "LOC"}
    assert aliases.filter(pl.col("exact")).group_by("entity_id").len()["len"].max() == 1
    # every pattern is padded and its inside starts and ends with a letter or digit
    patterns = ref.patterns.explode().to_list()
    assert all(re.fullmatch(r" [A-Za-z0-9](?:[A-Za-z0-9 ]*[A-Za-z0-9])? ", p) for p in patterns)
    # ambiguous surnames are known to be ambiguous
    johnson = aliases.filter(pl.col("_pat") == " Johnson ")
    assert johnson.height == 2
    assert johnson["amb"].all()


# --- properties -------------------------------------------------------------------------------

NAMES = [
    "Emmanuel Macron",
    "Zelensky’s",
    "Putin's",
    "US President Donald Trump",
    "Finnish President Alexander Stubb",
    "Prime Minister Kristen Michal",
    "São Paulo",
    "Erdoğan",
    "U.S.",
    "€1.1bn",
    "Ministry of Defence",
    "Sir Keir Starmer",
    "EU",
    "Kyiv",
]
NOISE = st.text(
    alphabet=st.sampled_from(
        [*"abcXYZ  ,.’'\"-–—()\n\t0123é€£ßŁğёЖ中😀İ", "\u0301", "\u00a0", "\u200b"]
    ),
    max_size=40,
)
SEPARATORS = st.sampled_from([". ", ", ", " (", ") ", "\n\n", " — ", "; "])


@st.composite
def bodies_with_names(draw: st.DrawFn) -> tuple[str, list[tuple[int, str]]]:
    """Random noise with known names inserted between separators; returns (body, insertions)."""
    parts: list[str] = []
    inserted: list[tuple[int, str]] = []
    pos = 0
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        for piece in (draw(NOISE), draw(SEPARATORS)):
            parts.append(piece)
            pos += len(piece)
        name = draw(st.sampled_from(NAMES))
        inserted.append((pos, name))
        parts.append(name)
        pos += len(name)
        sep = draw(SEPARATORS)
        parts.append(sep)
        pos += len(sep)
    parts.append(draw(NOISE))
    return "".join(parts), inserted


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bodies_with_names())
def test_property_spans_are_code_point_exact(case: tuple[str, list[tuple[int, str]]]) -> None:
    body, inserted = case
    got = named_mentions(body)
    assert_spans_exact({"a0": body}, got)
    starts = got["start_char"].to_list()
    ends = got["end_char"].to_list()
    assert starts == sorted(starts)
    assert all(e <= s for e, s in zip(ends, starts[1:], strict=False))  # no overlaps
    found = set(zip(got["start_char"].to_list(), got["name"].to_list(), strict=True))
    expected = {
        "Emmanuel Macron": (0, "Emmanuel Macron"),
        "Zelensky’s": (0, "Volodymyr Zelensky"),
        "Putin's": (0, "Vladimir Putin"),
        "Kyiv": (0, "Kyiv"),
        "EU": (0, "European Union"),
        "Erdoğan": (0, "Recep Tayyip Erdoğan"),
        "U.S.": (0, "United States"),
        "Sir Keir Starmer": (4, "Keir Starmer"),
        "US President Donald Trump": (13, "Donald Trump"),
        "Finnish President Alexander Stubb": (18, "Alexander Stubb"),
        "Prime Minister Kristen Michal": (15, "Kristen Michal"),
    }
    for pos, name in inserted:
        if name in expected:
            offset, canonical = expected[name]
            assert (pos + offset, canonical) in found, (name, body)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_property_arbitrary_text_never_breaks_spans(body: str) -> None:
    got = named_mentions(body)
    assert_spans_exact({"a0": body}, got)


# --- labelled set ---------------------------------------------------------------------------


def test_labelled_set_typed_f1_stays_above_floor() -> None:
    gold = labelled()
    ids = list(gold)
    articles = pl.DataFrame({"article_id": ids, "body": [gold[i][0] for i in ids]})
    entities, mentions = find_entities(articles)
    predicted = mentions.join(entities, on="entity_id")
    assert_spans_exact({i: gold[i][0] for i in ids}, predicted)
    pred = {
        (r["article_id"], r["start_char"], r["end_char"], r["type"]): r["name"]
        for r in predicted.iter_rows(named=True)
    }
    truth = {(i, s, e, t): n for i in ids for s, e, t, n in gold[i][1]}
    tp = len(pred.keys() & truth.keys())
    precision = tp / len(pred)
    recall = tp / len(truth)
    f1 = 2 * precision * recall / (precision + recall)
    assert f1 >= LABELLED_F1_FLOOR, (precision, recall, f1)
    # where the span and type are right, so is the canonical name
    assert all(pred[k] == truth[k] for k in pred.keys() & truth.keys())


# --- throughput (opt-in: NEWSDESK_ENTITIES_BENCH=4000 uv run pytest tests/test_entities.py -k
# throughput -s; add POLARS_MAX_THREADS=1 for a per-core figure) -----------------------------


@pytest.mark.skipif(
    not os.environ.get("NEWSDESK_ENTITIES_BENCH"), reason="set NEWSDESK_ENTITIES_BENCH=<bodies>"
)
def test_throughput() -> None:
    n = int(os.environ["NEWSDESK_ENTITIES_BENCH"])
    paragraphs = [p for p in SEED_BODY.split("\n\n") if p.strip()]
    for body, _ in labelled().values():
        paragraphs += re.split(r"(?<=\.) ", body)
    rng = random.Random(0)
    bodies = [
        "\n\n".join(rng.choice(paragraphs) for _ in range(rng.randint(8, 30))) for _ in range(n)
    ]
    articles = pl.DataFrame({"article_id": [f"b{i}" for i in range(n)], "body": bodies})
    megabytes = articles["body"].str.len_bytes().sum() / 1e6
    find_entities(articles.head(20))  # load the reference data outside the timing
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        _, mentions = find_entities(articles)
        best = min(best, time.perf_counter() - started)
    print(
        f"\nentities: {n} bodies, {megabytes:.1f} MB, {mentions.height} mentions, "
        f"best of 5 {best:.2f} s -> {megabytes / best:.1f} MB/s "
        f"(POLARS_MAX_THREADS={os.environ.get('POLARS_MAX_THREADS', 'all')})"
    )
    assert megabytes / best > 1
