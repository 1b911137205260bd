"""Synthetic raw-dump corpus for tests and benchmarks.

``synth(n, out, seed)`` writes ``n`` records of realistic raw input under ``out``,
byte-for-byte the same for the same seed:

- about 70% single-article text dumps (``<site>/<yyyy>/<mm>/<slug>-<id>.txt``, a few
  ``.txt.gz``), each wrapped in its site's page furniture (breadcrumbs, bylines, dates in
  the site's formats, view counters, share bars, related links, footers, ad-blocker nags);
- the rest as JSON Lines feeds of ~50 records (``feeds/crawl-<k>.jsonl`` with news-please
  field names, or ``.ndjson`` with aliases such as ``link`` / ``content`` / ``pubDate``);
- ~2% exact duplicates (the same bytes under another file name, or the same JSON line
  again), ~2% syndicated copies (one wire story re-published on another site with that
  site's furniture and credit style), ~1% bad records (empty file, binary file, truncated
  JSON line).

Records, not files, count toward ``n``. Bodies are composed from the sentence banks in
``data/reference/synth/`` (12 topics, slots for people, places, organisations and
numbers) and are 150–800 words long. Sites and their furniture live in
``data/reference/synth/sites.yaml``.

``synth_warc(out, mib, seed)`` writes one CC-NEWS-like ``.warc.gz`` of about ``mib`` MiB
instead: a ``warcinfo`` record, then per article a ``request``, an HTML ``response`` (the
article in a news CMS page with JSON-LD, navigation, related links, a footer and an inline
script blob of ~24 KB, about what real pages carry, so the file's size and page count are
realistic); every 50th response is an image. It is the input of
the large-WARC memory benchmark (``tests/benchmarks/bench_warc.py``).

Run: ``uv run python -m newsdesk.synth --n 100 --out /tmp/x`` (``--warc-mib 100`` for a WARC).
"""

from __future__ import annotations

import argparse
import base64
import gzip
import html
import io
import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from newsdesk.settings import get_settings

TEXT_SHARE = 0.7  # of ordinary records, the share written as text dumps (rest: JSONL)
JSONL_BATCH = 50  # records per JSONL file
BAD_RATE = 0.01
DUPLICATE_RATE = 0.02
SYNDICATED_RATE = 0.02
GZIP_SHARE = 0.05  # of text dumps
WORDS = (150, 800)  # body length range
#: Below this many records no duplicates, syndicated copies or bad records are planned.
MIN_FOR_SPECIALS = 20
BAD_KINDS = ("empty", "binary", "broken_json")

#: Publication dates fall in this window (UTC), at 06:00–18:59.
START = datetime(2025, 1, 1, tzinfo=UTC)
DAYS = 304

TOPIC_CRUMBS = {
    "politics": ["News", "Politics"],
    "economy": ["Business", "Economy"],
    "business": ["Business", "Companies"],
    "sport": ["Sport"],
    "science": ["Science"],
    "technology": ["Tech"],
    "health": ["Health"],
    "conflict": ["World"],
    "environment": ["Environment"],
    "culture": ["Culture"],
    "crime": ["News", "Crime"],
    "disaster": ["World"],
}

#: How each wire writes its dateline separator.
DATELINE_DASH = {"Reuters": "-", "AP": "—", "AFP": "–", "PTI": "—", "BBC": "-"}

_SLOT = re.compile(r"\{(\w+)\}")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class SynthSummary:
    """What ``synth`` wrote."""

    files: int
    records: int
    text_files: int
    jsonl_files: int
    duplicates: int
    syndicated: int
    bad: int


@dataclass(frozen=True)
class _Banks:
    sites: list[dict[str, Any]]
    sentences: dict[str, dict[str, list[str]]]
    slots: dict[str, list[Any]]
    topics: list[str]


@dataclass
class _Article:
    topic: str
    site: dict[str, Any]
    title: str
    paras: list[str]
    when: datetime
    authors: list[str]
    desk: str | None
    wire: str | None
    credit: str | None
    city: str
    url: str
    words: int
    inserts: dict[int, str] = field(default_factory=dict)


@dataclass
class _Written:
    """An ordinary record already written, kept so later records can copy it."""

    article: _Article
    container: str  # "text" | "jsonl"
    data: bytes | str  # file bytes for text, the JSON line for jsonl
    path: Path | None = None


# --------------------------------------------------------------------------- banks


@lru_cache(maxsize=4)
def _banks(folder: Path) -> _Banks:
    sites = yaml.safe_load((folder / "sites.yaml").read_text("utf-8"))["sites"]
    sentences = yaml.safe_load((folder / "sentences.yaml").read_text("utf-8"))
    slots = yaml.safe_load((folder / "slots.yaml").read_text("utf-8"))
    for site in sites:
        site["_header"] = site["header"].rstrip("\n").split("\n")
        site["_footer"] = site["footer"].rstrip("\n").split("\n")
        site["_byline_kinds"] = list(site["bylines"])
        site["_byline_weights"] = list(site["bylines"].values())
    topics = [t for t in sentences if t != "general"]
    return _Banks(sites=sites, sentences=sentences, slots=slots, topics=topics)


# --------------------------------------------------------------------------- slots


def _money(rng: random.Random) -> str:
    cur = rng.choice(("$", "€", "£"))
    if rng.random() < 0.5:
        return f"{cur}{rng.randint(12, 950)} million"
    return f"{cur}{rng.randint(1, 40)}.{rng.randint(1, 9)} billion"


def _place(rng: random.Random, pool: list[str]) -> tuple[str, str]:
    city, country = rng.choice(pool).split("|")
    return city, country


def _slots(rng: random.Random, banks: _Banks, topic: str, when: datetime) -> dict[str, str]:
    s = banks.slots
    p1, p2 = rng.sample(s["person"], 2)
    leader = rng.choice(s["leader"])
    if topic == "conflict":
        city, country = _place(rng, s["conflict_place"])
    elif topic == "politics":
        city, country = leader["city"], leader["country"]
    else:
        city, country = _place(rng, s["place"])
    city2 = rng.choice(s["summit_city"])
    _, country2 = _place(rng, s["place"])
    org = rng.choice(s["org"])
    c1, c2 = rng.sample(s["company"], 2)
    t1, t2 = rng.sample(s["team"], 2)
    votes_for = rng.randint(150, 330)
    next_day = when + timedelta(days=rng.randint(2, 6))
    return {
        "person": p1,
        "person2": p2,
        "leader": leader["name"],
        "leader_t": f"{leader['title']} {leader['name']}",
        "city": city,
        "country": country,
        "city2": city2,
        "country2": country2,
        "org": org,
        "Org": org[0].upper() + org[1:],
        "company": c1,
        "company2": c2,
        "team": t1,
        "team2": t2,
        "institution": rng.choice(s["institution"]),
        "ministry": rng.choice(s["ministry"]),
        "policy": rng.choice(s["policy"]),
        "field": rng.choice(s["field"]),
        "creature": rng.choice(s["creature"]),
        "space_agency": rng.choice(s["space_agency"]),
        "space_target": rng.choice(s["space_target"]),
        "disease": rng.choice(s["disease"]),
        "artwork": rng.choice(s["artwork"]),
        "photo_agency": rng.choice(s["photo_agency"]),
        "n1": str(rng.randint(2, 40)),
        "n2": str(rng.randint(50, 950)),
        "n3": f"{rng.randint(1_000, 99_000):,}",
        "n4": f"{rng.randint(100, 4_900) * 1000:,}",
        "small": str(rng.randint(2, 9)),
        "pct": f"{rng.randint(1, 99) / 10:.1f}",
        "pct2": f"{rng.randint(1, 99) / 10:.1f}",
        "pct_int": str(rng.randint(15, 85)),
        "money": _money(rng),
        "money2": _money(rng),
        "hours": str(rng.randint(3, 18)),
        "age": str(rng.randint(24, 78)),
        "sport_age": str(rng.randint(19, 36)),
        "temp": str(rng.randint(38, 47)),
        "wind": str(rng.randint(120, 240)),
        "magnitude": f"{rng.randint(55, 78) / 10:.1f}",
        "score": f"{rng.randint(1, 4)}-{rng.randint(0, 1)}",
        "votes_for": str(votes_for),
        "votes_against": str(votes_for - rng.randint(3, 60)),
        "ordinal": rng.choice(("second", "third", "fourth", "fifth")),
        "weekday": when.strftime("%A"),
        "next_weekday": next_day.strftime("%A"),
        "month": when.strftime("%B"),
        "year": str(when.year),
        "next_year": str(when.year + rng.randint(1, 3)),
        "target_year": str(rng.randint(2028, 2040)),
    }


# --------------------------------------------------------------------------- articles


def _fill(template: str, slots: dict[str, str]) -> str:
    return template.format_map(slots)


def _body(
    rng: random.Random, banks: _Banks, topic: str, lead: str, slots: dict[str, str]
) -> list[str]:
    """Paragraphs of 1–3 sentences: the lead, shuffled topic and filler sentences with a quote
    or two, attributed claims when more words are needed, and a closing sentence."""
    bank = banks.sentences[topic]
    general = banks.sentences["general"]
    target = rng.randint(WORDS[0], WORDS[1] - 60)  # room for the last sentences and a credit
    order = rng.sample(bank["body"] + general["body"], len(bank["body"]) + len(general["body"]))
    for quote in rng.sample(bank["quote"], rng.randint(1, 2)):
        order.insert(rng.randint(1, len(order)), quote)
    sentences = [_fill(lead, slots)]
    words = sentences[0].count(" ") + 1
    claims: list[str] = []
    while words < target:
        if order:
            sentence = _fill(order.pop(), slots)
        else:  # "<attribution> <verb> that <claim>." — each claim once per pass
            if not claims:
                claims = rng.sample(bank["claim"], len(bank["claim"]))
            who = _fill(rng.choice(general["attribution"]), slots)
            verb = rng.choice(general["verb"])
            sentence = f"{who} {verb} that {_fill(claims.pop(), slots)}."
        sentences.append(sentence)
        words += sentence.count(" ") + 1
    sentences.append(_fill(rng.choice(general["close"]), slots))
    paras: list[str] = [sentences[0]]  # the lead stands alone
    i = 1
    while i < len(sentences):
        k = rng.randint(1, 3)
        paras.append(" ".join(sentences[i : i + k]))
        i += k
    return paras


def _slug(title: str) -> str:
    return _NOT_SLUG.sub("-", title.lower()).strip("-")[:60].rstrip("-")


def _article(rng: random.Random, banks: _Banks, i: int) -> _Article:
    topic = rng.choice(banks.topics)
    site = rng.choice(banks.sites)
    when = START + timedelta(
        days=rng.randrange(DAYS), hours=rng.randint(6, 18), minutes=rng.randrange(60)
    )
    slots = _slots(rng, banks, topic, when)
    story = rng.randrange(len(banks.sentences[topic]["title"]))  # title k goes with lead k
    title = _fill(banks.sentences[topic]["title"][story], slots)
    title = title[0].upper() + title[1:]
    paras = _body(rng, banks, topic, banks.sentences[topic]["lead"][story], slots)
    kind = rng.choices(site["_byline_kinds"], site["_byline_weights"])[0]
    authors: list[str] = []
    desk = None
    if kind == "person":
        authors = [rng.choice(banks.slots["person"])]
    elif kind == "two_people":
        authors = rng.sample(banks.slots["person"], 2)
    elif kind == "desk":
        desk = rng.choice(site["desks"])
    wire = credit = None
    if rng.random() < site["wire_share"]:
        wire = rng.choice(site["wires"])
        credit = rng.choice(site["credits"])
        if credit == "with_agencies":
            wire = "agencies"
    section = "-".join(TOPIC_CRUMBS[topic]).lower()
    url = f"https://{site['domain']}/{section}/{when:%Y/%m/%d}/{_slug(title)}-{i}"
    words = sum(p.count(" ") + 1 for p in paras)
    return _Article(
        topic, site, title, paras, when, authors, desk, wire, credit, slots["city"], url, words
    )


def _syndicate(rng: random.Random, banks: _Banks, src: _Article, i: int) -> _Article:
    """The same wire story on another site, with that site's furniture and credit style."""
    others = [s for s in banks.sites if s is not src.site] or banks.sites
    site = rng.choice(others)
    credit = rng.choice([c for c in site["credits"] if c != "with_agencies"] or ["paren"])
    url = f"https://{site['domain']}/wires/{src.when:%Y/%m/%d}/{_slug(src.title)}-{i}"
    return _Article(
        src.topic,
        site,
        src.title,
        list(src.paras),
        src.when,
        [],
        rng.choice(site["desks"]),
        src.wire,
        credit,
        src.city,
        url,
        src.words,
    )


# --------------------------------------------------------------------------- dates


def _uk_offset(when: datetime) -> int:
    return 1 if 4 <= when.month <= 10 else 0


def _guardian(when: datetime, rng: random.Random) -> str:
    off = _uk_offset(when)
    local = when + timedelta(hours=off)
    return f"{local:%a} {local.day} {local:%b %Y %H.%M} {'BST' if off else 'GMT'}"


def _us_short(when: datetime, rng: random.Random) -> str:
    local = when - timedelta(hours=4)
    hour = local.hour % 12 or 12
    ampm = "a.m." if local.hour < 12 else "p.m."
    month = local.strftime("%b") + ("" if local.month == 5 else ".")  # "May" has no dot
    return f"{month} {local.day}, {local.year} {hour}:{local:%M} {ampm} ET"


def _ordinal(when: datetime, rng: random.Random) -> str:
    day = when.day
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    hour = when.hour % 12 or 12
    return f"{day}{suffix} {when:%B %Y}, {hour}:{when:%M}{'am' if when.hour < 12 else 'pm'}"


def _eu(when: datetime, rng: random.Random) -> str:
    summer = 4 <= when.month <= 10
    local = when + timedelta(hours=2 if summer else 1)
    return f"{local.day} {local:%B %Y, %H:%M} {'CEST' if summer else 'CET'}"


#: Date line styles a site may use (see sites.yaml); ``relative`` has no absolute date.
DATE_STYLES: dict[str, Callable[[datetime, random.Random], str]] = {
    "guardian": _guardian,
    "iso_z": lambda when, rng: f"Published: {when:%Y-%m-%dT%H:%M:%SZ}",
    "dmy_slash": lambda when, rng: f"{when:%d/%m/%Y %H:%M}",
    "long_us": lambda when, rng: f"{when:%B} {when.day}, {when.year}",
    "us_short": _us_short,
    "relative": lambda when, rng: f"Updated {rng.randint(1, 11)} hours ago",
    "ordinal": _ordinal,
    "eu": _eu,
}


# --------------------------------------------------------------------------- rendering


#: Credit styles that put a line after the body (see sites.yaml).
CREDIT_LINES = {
    "paren": "({wire})",
    "dash": "— {wire}",
    "source": "Source: {wire}",
    "inputs": "(With inputs from {wire})",
    "with_agencies": "with agencies",
}


def _credited(a: _Article) -> tuple[list[str], str | None]:
    """Paragraphs with the credit applied, and the credit line after the body (if any)."""
    paras = list(a.paras)
    if a.wire is None or a.credit is None:
        return paras, None
    if a.credit == "dateline" and a.wire != "agencies":
        dash = DATELINE_DASH.get(a.wire, "-")
        paras[0] = f"{a.city.upper()} ({a.wire}) {dash} {paras[0]}"
        return paras, None
    if a.credit == "paren_inline":
        paras[-1] = f"{paras[-1]} ({a.wire})"
        return paras, None
    return paras, CREDIT_LINES.get(a.credit, "({wire})").format(wire=a.wire)


def _byline(a: _Article) -> str | None:
    if a.authors:
        return a.site["byline_prefix"] + " and ".join(a.authors)
    return a.desk


def _lines(template: list[str], values: dict[str, str | None]) -> list[str]:
    out = []
    for line in template:
        names = _SLOT.findall(line)
        if any(values.get(n) is None for n in names):
            continue
        out.append(_SLOT.sub(lambda m: str(values[m.group(1)]), line))
    return out


def _render_text(rng: random.Random, banks: _Banks, a: _Article, headlines: list[str]) -> str:
    site = a.site
    paras, credit_line = _credited(a)
    related = rng.sample(headlines, 3)
    n_comments = rng.randint(0, 250)
    comment_block = None
    if site["comments"]:
        picked = rng.sample(site["comments"], rng.randint(0, min(3, len(site["comments"]))))
        comment_block = (
            "\n".join(
                f"{rng.choice(banks.slots['person'])} · {rng.randint(2, 23)} hours ago\n{c}\nReply"
                for c in picked
            )
            or "Be the first to comment."
        )
    values: dict[str, str | None] = {
        "site_name": site["name"],
        "crumbs": site["crumb_sep"].join(TOPIC_CRUMBS[a.topic]),
        "title": a.title,
        "byline": _byline(a),
        "date": DATE_STYLES[rng.choice(site["date_styles"])](a.when, rng),
        "views": f"{rng.randint(1, 25_000):,} views" if site["views"] else None,
        "comments": f"{n_comments} Comments",
        "comment_block": comment_block,
        "read_min": str(a.words // 200 + 1),
        "headline1": related[0],
        "headline2": related[1],
        "headline3": related[2],
        "year": str(a.when.year),
    }
    body = list(paras)
    if site["inserts"] and len(body) > 2 and rng.random() < 0.5:
        slots = {
            "headline": rng.choice(headlines),
            "caption": _fill(
                rng.choice(banks.sentences["general"]["caption"]),
                {
                    "city": a.city,
                    "weekday": a.when.strftime("%A"),
                    "person": rng.choice(banks.slots["person"]),
                },
            ),
            "photo_agency": rng.choice(banks.slots["photo_agency"]),
        }
        body.insert(rng.randint(1, len(body) - 1), _fill(rng.choice(site["inserts"]), slots))
    if credit_line:
        body.append(credit_line)
    sep = "\n" if site["paragraph_sep"] == "single" else "\n\n"
    header = "\n".join(_lines(site["_header"], values))
    footer = "\n".join(_lines(site["_footer"], values))
    return f"{header}{sep}{sep.join(body)}{sep}{footer}\n"


def _json_record(rng: random.Random, a: _Article, style: str) -> dict[str, Any]:
    paras, credit_line = _credited(a)
    text = "\n".join([*paras, credit_line] if credit_line else paras)
    authors = a.authors or ([a.desk] if a.desk else [])
    if style == "newsplease":
        modified = a.when + timedelta(minutes=rng.randint(0, 600))
        return {
            "url": a.url,
            "title": a.title,
            "maintext": text,
            "authors": authors,
            "date_publish": f"{a.when:%Y-%m-%d %H:%M:%S}",
            "date_modify": f"{modified:%Y-%m-%d %H:%M:%S}",
            "source_domain": a.site["domain"],
            "language": "en",
            "description": a.paras[0].split(". ")[0][:160],
            "image_url": f"https://{a.site['domain']}/img/{a.when:%Y%m%d}-{rng.randrange(10**6)}.jpg",
        }
    date_key = rng.choice(("published", "pubDate", "published_at"))
    if date_key == "pubDate":
        date = f"{a.when:%a, %d %b %Y %H:%M:%S} GMT"
    elif date_key == "published_at":
        date = f"{a.when + timedelta(hours=2):%Y-%m-%dT%H:%M:%S}+02:00"
    else:
        date = f"{a.when:%Y-%m-%dT%H:%M:%SZ}"
    byline = " and ".join(authors) if authors else ""
    return {
        rng.choice(("link", "url")): a.url,
        "title": a.title,
        rng.choice(("content", "text", "body")): text,
        rng.choice(("author", "byline")): byline,
        date_key: date,
        rng.choice(("source", "site")): a.site["domain"].removeprefix("www."),
    }


# --------------------------------------------------------------------------- writing


class _Out:
    """Writes files under ``root`` and counts them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.dirs: set[Path] = set()
        self.text_files = 0
        self.jsonl_files = 0
        self.buffer: list[str] = []
        self.buffer_style = "newsplease"

    def write(self, rel: str, data: bytes) -> Path:
        path = self.root / rel
        if path.parent not in self.dirs:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.dirs.add(path.parent)
        path.write_bytes(data)
        return path

    def text(self, rel: str, data: bytes) -> Path:
        self.text_files += 1
        return self.write(rel, data)

    def style(self, rng: random.Random) -> str:
        """The current JSONL file's field style (picked when a new file starts)."""
        if not self.buffer:
            self.buffer_style = "newsplease" if rng.random() < 0.6 else "aliases"
        return self.buffer_style

    def line(self, line: str) -> None:
        self.buffer.append(line)
        if len(self.buffer) >= JSONL_BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.buffer:
            return
        ext = "jsonl" if self.buffer_style == "newsplease" else "ndjson"
        self.write(
            f"feeds/crawl-{self.jsonl_files:04d}.{ext}",
            ("\n".join(self.buffer) + "\n").encode("utf-8"),
        )
        self.jsonl_files += 1
        self.buffer = []


def _plan(n: int, rng: random.Random) -> list[str]:
    """The kind of each record: normal, duplicate, syndicated or one of BAD_KINDS."""
    kinds = ["normal"] * n
    if n < MIN_FOR_SPECIALS:
        return kinds
    n_bad = max(len(BAD_KINDS), round(n * BAD_RATE))
    n_dup = max(1, round(n * DUPLICATE_RATE))
    n_syn = max(1, round(n * SYNDICATED_RATE))
    start = max(1, n // 10)  # copies need something earlier to copy
    positions = rng.sample(range(start, n), min(n - start, n_bad + n_dup + n_syn))
    for j, pos in enumerate(positions):
        if j < n_bad:
            kinds[pos] = BAD_KINDS[j % len(BAD_KINDS)]
        elif j < n_bad + n_dup:
            kinds[pos] = "duplicate"
        else:
            kinds[pos] = "syndicated"
    return kinds


class _Run:
    """State of one ``synth`` call: what was written so far, for copies and counts."""

    def __init__(self, banks: _Banks, rng: random.Random, out: Path) -> None:
        self.banks = banks
        self.rng = rng
        self.out = out
        self.writer = _Out(out)
        self.written: list[_Written] = []
        self.wire_idx: list[int] = []  # indexes into written of wire stories
        self.duplicates = self.syndicated = self.bad = 0
        self.headlines = [self._headline() for _ in range(200)]  # for related-links furniture

    def _headline(self) -> str:
        topic = self.rng.choice(self.banks.topics)
        when = START + timedelta(days=self.rng.randrange(DAYS))
        h = _fill(
            self.rng.choice(self.banks.sentences[topic]["title"]),
            _slots(self.rng, self.banks, topic, when),
        )
        return h[0].upper() + h[1:]

    def bad_record(self, kind: str, i: int) -> None:
        rng = self.rng
        self.bad += 1
        rel = f"{rng.choice(self.banks.sites)['key']}/{START.year}/bad-{i:06d}.txt"
        if kind == "empty":
            self.writer.text(rel, b"")
        elif kind == "binary":
            noise = rng.randbytes(rng.randint(200, 2000))
            self.writer.text(rel, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + noise)
        else:  # a JSON line cut off mid-way, as by an interrupted crawl
            a = _article(rng, self.banks, i)
            line = json.dumps(_json_record(rng, a, "newsplease"), ensure_ascii=False)
            self.writer.line(line[: rng.randint(len(line) // 3, 2 * len(line) // 3)])

    def duplicate(self, i: int) -> None:
        """The same bytes under another file name, or the same JSON line again."""
        self.duplicates += 1
        src = self.rng.choice(self.written)
        if isinstance(src.data, bytes) and src.path is not None:
            stem, dot, suffix = src.path.name.partition(".")
            rel = src.path.parent.relative_to(self.out) / f"{stem}-dup{i}{dot}{suffix}"
            self.writer.text(str(rel), src.data)
        else:
            self.writer.line(str(src.data))

    def article(self, i: int, syndicate: bool) -> None:
        rng = self.rng
        if syndicate and self.wire_idx:
            self.syndicated += 1
            src = self.written[rng.choice(self.wire_idx)].article
            article = _syndicate(rng, self.banks, src, i)
        else:
            article = _article(rng, self.banks, i)
        if rng.random() < TEXT_SHARE:
            data = _render_text(rng, self.banks, article, self.headlines).encode("utf-8")
            rel = f"{article.site['key']}/{article.when:%Y/%m}/{_slug(article.title)}-{i:06d}.txt"
            if rng.random() < GZIP_SHARE:
                rel += ".gz"
                data = gzip.compress(data, mtime=0)
            path = self.writer.text(rel, data)
            self.written.append(_Written(article, "text", data, path))
        else:
            record = _json_record(rng, article, self.writer.style(rng))
            line = json.dumps(record, ensure_ascii=False)
            self.writer.line(line)
            self.written.append(_Written(article, "jsonl", line))
        if article.wire and article.wire != "agencies":
            self.wire_idx.append(len(self.written) - 1)


def synth(n: int, out: Path, seed: int = 0) -> SynthSummary:
    """Write ``n`` synthetic raw records under ``out``; the same seed gives the same bytes."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    run = _Run(_banks(get_settings().reference_dir / "synth"), rng, out)
    for i, kind in enumerate(_plan(n, rng)):
        if kind in BAD_KINDS:
            run.bad_record(kind, i)
        elif kind == "duplicate" and run.written:
            run.duplicate(i)
        else:
            run.article(i, syndicate=kind == "syndicated")
    run.writer.flush()
    w = run.writer
    return SynthSummary(
        files=w.text_files + w.jsonl_files,
        records=n,
        text_files=w.text_files,
        jsonl_files=w.jsonl_files,
        duplicates=run.duplicates,
        syndicated=run.syndicated,
        bad=run.bad,
    )


#: Bytes of random base64 per page's inline script (CC-NEWS pages carry tens of KB of it).
WARC_SCRIPT_BYTES = 24_000
#: Every this many articles, an image response (skipped by the reader, counted).
WARC_IMAGE_EVERY = 50
WARC_NAME = "cc-news-synth.warc.gz"


def _render_html(rng: random.Random, a: _Article, headlines: list[str]) -> str:
    """The article as a news CMS page: JSON-LD, navigation, byline, paragraphs, related
    links, footer and an inline script blob."""
    esc = html.escape
    paras, credit_line = _credited(a)
    if credit_line:
        paras.append(credit_line)
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": a.title,
        "datePublished": f"{a.when:%Y-%m-%dT%H:%M:%SZ}",
        "author": [{"@type": "Person", "name": n} for n in a.authors]
        or ([{"@type": "Organization", "name": a.desk}] if a.desk else []),
        "publisher": {"@type": "Organization", "name": a.site["name"]},
    }
    blob = base64.b64encode(rng.randbytes(WARC_SCRIPT_BYTES * 3 // 4)).decode("ascii")
    crumbs = "".join(f'<li><a href="/">{esc(c)}</a></li>' for c in TOPIC_CRUMBS[a.topic])
    related = "".join(f'<li><a href="/r/{k}">{esc(h)}</a></li>' for k, h in enumerate(headlines))
    byline = _byline(a)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{esc(a.title)} | {esc(a.site['name'])}</title>"
        f'<meta property="og:title" content="{esc(a.title)}">'
        f'<meta property="og:site_name" content="{esc(a.site["name"])}">'
        f'<link rel="canonical" href="{esc(a.url)}">'
        f'<script type="application/ld+json">{json.dumps(ld)}</script>'
        f'<script>window.__STATE__="{blob}";</script></head><body>'
        f'<header><a href="/">{esc(a.site["name"])}</a><nav><ul>{crumbs}'
        '<li><a href="/sport">Sport</a></li><li><a href="/opinion">Opinion</a></li></ul></nav>'
        f"</header><main><article><h1>{esc(a.title)}</h1>"
        + (f'<p class="byline">{esc(byline)}</p>' if byline else "")
        + f'<time datetime="{a.when:%Y-%m-%dT%H:%M:%SZ}">{a.when:%d %B %Y}</time>'
        + "".join(f"<p>{esc(p)}</p>" for p in paras)
        + "</article><aside><h2>Most read</h2><ul>"
        + related
        + "</ul></aside></main><footer><p>Contact us</p><p>Privacy policy</p>"
        f"<p>© {a.when.year} {esc(a.site['name'])}</p></footer></body></html>"
    )


def synth_warc(out: Path, mib: int, seed: int = 0) -> SynthSummary:
    """Write one CC-NEWS-like WARC.gz of about ``mib`` MiB (gzipped) into ``out``."""
    from warcio.statusandheaders import StatusAndHeaders  # noqa: PLC0415
    from warcio.warcwriter import WARCWriter  # noqa: PLC0415

    rng = random.Random(seed)
    banks = _banks(get_settings().reference_dir / "synth")
    out.mkdir(parents=True, exist_ok=True)
    path = out / WARC_NAME
    limit = mib * 2**20
    headlines = _Run(banks, rng, out).headlines[:20]
    pages = images = 0
    with path.open("wb") as fh:
        w = WARCWriter(fh, gzip=True)
        w.write_record(w.create_warcinfo_record(WARC_NAME, {"software": "newsdesk-synth"}))
        while fh.tell() < limit:
            a = _article(rng, banks, pages + images)
            fetched = a.when + timedelta(hours=rng.randint(1, 30))
            headers = {"WARC-Date": f"{fetched:%Y-%m-%dT%H:%M:%SZ}"}
            req = StatusAndHeaders(f"GET {a.url} HTTP/1.1", [], is_http_request=True)
            w.write_record(
                w.create_warc_record(a.url, "request", http_headers=req, warc_headers_dict=headers)
            )
            if (pages + images + 1) % WARC_IMAGE_EVERY == 0:
                body, ctype = rng.randbytes(4000), "image/jpeg"
                images += 1
            else:
                body = _render_html(rng, a, rng.sample(headlines, 4)).encode("utf-8")
                ctype = "text/html; charset=utf-8"
                pages += 1
            http = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
            w.write_record(
                w.create_warc_record(
                    a.url,
                    "response",
                    payload=io.BytesIO(body),
                    http_headers=http,
                    warc_headers_dict=headers,
                )
            )
    return SynthSummary(
        files=1, records=pages, text_files=0, jsonl_files=0, duplicates=0, syndicated=0, bad=0
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write a synthetic raw news corpus.")
    parser.add_argument("--n", type=int, default=1000, help="number of records")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--warc-mib", type=int, help="write one WARC.gz of this size instead")
    args = parser.parse_args(argv)
    if args.warc_mib:
        summary = synth_warc(args.out, args.warc_mib, args.seed)
    else:
        summary = synth(args.n, args.out, args.seed)
    print(summary)


if __name__ == "__main__":
    main()
