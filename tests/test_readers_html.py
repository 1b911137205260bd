"""HTML reader: metadata from JSON-LD / OpenGraph / meta tags, a clean body, fallbacks."""

from __future__ import annotations

import gzip
import html as std_html
import json

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from trafilatura import bare_extraction
from trafilatura.baseline import html2txt
from trafilatura.htmlprocessing import convert_tags, tree_cleaning
from trafilatura.main_extractor import extract_comments
from trafilatura.utils import load_html

from newsdesk import schema
from newsdesk.extract import extract
from newsdesk.readers import html, read_bytes

LIMIT = 2_000_000

PARAS = [
    "LONDON (Reuters) - Britain's economy grew faster than expected in the second quarter, "
    "official figures showed on Thursday, helped by a jump in spending on services.",
    "Gross domestic product rose by 0.6 percent between April and June, the Office for "
    "National Statistics said, above the 0.4 percent forecast in a poll of economists.",
    "Finance minister Rachel Reeves said the figures showed the government's plan was "
    "working but that there was more to do to make families better off.",
    "Sterling edged higher against the dollar after the data, while government bond yields "
    "were little changed in early trading in London.",
]


def page(
    head: str = "", body_top: str = "", paras: list[str] = PARAS, tail: str = "(Reuters)"
) -> str:
    ps = "".join(f"<p>{p}</p>" for p in paras)
    return f"""<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">
<title>UK economy grows faster than expected | The Ledger</title>{head}</head>
<body><header><nav><a href="/">Home</a><a href="/news">News</a><a href="/sport">Sport</a>
<a href="/business">Business</a></nav></header>
<main><article><h1>UK economy grows faster than expected</h1>{body_top}
<div class="article-body">{ps}<p>Advertisement</p><p>{tail}</p></div></article>
<aside><h2>Most read</h2><ul><li><a href="/a">Storm closes schools across the north</a></li>
<li><a href="/b">Ten things to do this weekend in the city</a></li></ul></aside></main>
<footer><p>© 2025 The Ledger. All rights reserved.</p></footer></body></html>"""


def read(doc: str | bytes, name: str = "page.html") -> tuple[list[dict], list[dict]]:
    data = doc.encode() if isinstance(doc, str) else doc
    result = read_bytes(data, name, "h", LIMIT)
    return result.records, result.quarantine


def test_one_record_with_html_format_and_clean_body() -> None:
    records, quarantine = read(page())
    assert quarantine == []
    (rec,) = records
    assert rec["format"] == "html"
    assert rec["record_key"] == ""
    assert rec["body"].split("\n\n") == [*PARAS, "(Reuters)"]  # credit line kept
    assert "Advertisement" not in rec["body"]
    assert "Most read" not in rec["body"]
    assert rec["title"] == "UK economy grows faster than expected"
    assert rec["language_raw"] == "en-GB"


JSON_LD_GRAPH = {
    "@context": "https://schema.org",
    "@graph": [
        {"@type": "WebSite", "@id": "https://ledger.example/#site", "name": "The Ledger"},
        {
            "@type": "NewsArticle",
            "headline": "UK economy grows faster than expected in second quarter",
            "datePublished": "2025-08-14T07:00:00+01:00",
            "dateModified": "2025-08-14T09:30:00+01:00",
            "author": [{"@id": "https://ledger.example/#/person/1"}, {"name": "Tom Hale"}],
            "publisher": {"@id": "https://ledger.example/#org"},
            "description": "GDP rose 0.6% between April and June.",
            "inLanguage": "en",
            "articleSection": ["Business", "Economy"],
            "mainEntityOfPage": {"@id": "https://ledger.example/business/uk-gdp-q2"},
        },
        {"@type": "Person", "@id": "https://ledger.example/#/person/1", "name": "Ana Ruiz"},
        {"@type": "Organization", "@id": "https://ledger.example/#org", "name": "Ledger Media"},
    ],
}


def test_json_ld_graph_with_id_references() -> None:
    head = f'<script type="application/ld+json">{json.dumps(JSON_LD_GRAPH)}</script>'
    (rec,), _ = read(page(head=head))
    assert rec["title"] == "UK economy grows faster than expected in second quarter"
    assert rec["author"] == "Ana Ruiz, Tom Hale"
    assert rec["published_raw"] == "2025-08-14T07:00:00+01:00"
    assert rec["site_raw"] == "Ledger Media"
    assert rec["description"] == "GDP rose 0.6% between April and June."
    assert rec["language_raw"] == "en"
    assert rec["url"] == "https://ledger.example/business/uk-gdp-q2"
    extra = json.loads(rec["extra"])
    assert extra["section"] == "Business, Economy"
    assert extra["date_modified"] == "2025-08-14T09:30:00+01:00"


def test_opengraph_and_meta_fallbacks_and_canonical_url() -> None:
    head = (
        '<link rel="canonical" href="https://ledger.example/business/gdp">'
        '<meta property="og:title" content="GDP beats forecasts - The Ledger">'
        '<meta property="og:site_name" content="The Ledger">'
        '<meta property="og:url" content="https://ledger.example/og-url">'
        '<meta property="article:published_time" content="2025-08-14T06:00:00Z">'
        '<meta property="article:author" content="https://facebook.com/theledger">'
        '<meta name="author" content="Priya Nair">'
        '<meta name="description" content="Quarterly growth at 0.6%.">'
    )
    (rec,), _ = read(page(head=head))
    assert rec["title"] == "GDP beats forecasts"  # the site suffix removed
    assert rec["site_raw"] == "The Ledger"
    assert rec["url"] == "https://ledger.example/business/gdp"  # canonical before og:url
    assert rec["published_raw"] == "2025-08-14T06:00:00Z"
    assert rec["author"] == "Priya Nair"  # a profile URL is not an author
    assert rec["description"] == "Quarterly growth at 0.6%."


def test_title_tag_site_prefix_and_byline_and_date_lines_removed() -> None:
    top = "<p>By Jane Doe</p><p>Published 14 August 2025 07:00 BST</p>"
    doc = page(body_top=top).replace("<h1>UK economy grows faster than expected</h1>", "")
    doc = doc.replace(
        "<title>UK economy grows faster than expected | The Ledger</title>",
        "<title>The Ledger - UK economy grows faster than expected</title>",
    )
    doc = doc.replace("<main>", "<main><b>UK economy grows faster than expected</b>")
    (rec,), _ = read(doc)
    assert rec["title"] == "UK economy grows faster than expected"
    assert rec["site_raw"] == "The Ledger"
    assert rec["body"].startswith("LONDON (Reuters)")


def test_pull_quote_and_read_more_insert_dropped() -> None:
    paras = [*PARAS[:2], "Read more: Pound hits two-week high", PARAS[2], PARAS[3]]
    doc = page(paras=paras).replace(
        f"<p>{PARAS[2]}</p>",
        f"<blockquote class='pullquote'><p>{PARAS[2].split(' but ')[0]}</p></blockquote>"
        f"<p>{PARAS[2]}</p>",
    )
    (rec,), _ = read(doc)
    assert rec["body"].split("\n\n") == [*PARAS, "(Reuters)"]


def test_social_embeds_are_not_body() -> None:
    embed = (
        '<blockquote class="twitter-tweet"><p>Big news on the economy today, thread below'
        " for everyone who asked</p>— Someone (@someone)</blockquote>"
    )
    doc = page().replace(f"<p>{PARAS[1]}</p>", f"<p>{PARAS[1]}</p>{embed}")
    (rec,), _ = read(doc)
    assert "thread below" not in rec["body"]


def test_json_ld_article_body_when_the_page_renders_nothing() -> None:
    ld = {"@type": "NewsArticle", "headline": "H", "articleBody": "\n\n".join(PARAS)}
    doc = (
        '<html><head><script type="application/ld+json">'
        f"{json.dumps(ld)}</script></head><body><div id='root'>Loading…</div>"
        "<noscript>Enable JavaScript.</noscript></body></html>"
    )
    (rec,), _ = read(doc)
    assert rec["title"] == "H"
    for p in PARAS:
        assert p in rec["body"]


def test_paragraph_run_fallback_when_trafilatura_finds_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(html, "_trafilatura_text", lambda *a, **k: None)
    (rec,), _ = read(page())
    assert json.loads(rec["extra"])["body_source"] == "paragraphs"
    assert rec["body"].split("\n\n")[:4] == PARAS


def test_longest_paragraph_run_picks_the_article_parent() -> None:
    tree = load_html(page())
    run = html.longest_paragraph_run(tree)
    assert run is not None
    assert run.split("\n")[:4] == PARAS


def test_meta_charset_decides_the_encoding() -> None:
    paras = [
        "Le café de la gare a fermé ses portes après trente ans d'activité, a annoncé lundi "
        "son propriétaire, qui part à la retraite.",
        "Les habitués regrettent déjà l'ambiance chaleureuse et les croissants du matin, "
        "préparés chaque jour par la même boulangère.",
        "La mairie espère trouver un repreneur avant l'été pour garder ce lieu de rencontre "
        "au cœur du quartier.",
    ]
    doc = page(paras=paras).replace('<meta charset="utf-8">', '<meta charset="iso-8859-1">')
    (rec,), _ = read(doc.replace("œ", "oe").encode("latin-1"))
    assert rec["body"].split("\n\n")[0] == paras[0]
    assert json.loads(rec["extra"])["encoding"] == "cp1252"


def test_gzipped_html_page() -> None:
    (rec,), _ = read(gzip.compress(page().encode()), "page.html.gz")
    assert rec["body"].startswith("LONDON (Reuters)")


@pytest.mark.parametrize(
    ("doc", "reason"),
    [
        (b"", "empty file"),
        (b"   ", "empty file"),
        (b"<html><head><title>x</title></head><body></body></html>", "no article text"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary"),
    ],
)
def test_bad_pages_are_quarantined(doc: bytes, reason: str) -> None:
    records, quarantine = read(doc)
    assert records == []
    assert reason in quarantine[0]["reason"]


def test_oversized_body_is_quarantined() -> None:
    result = read_bytes(page().encode(), "p.html", "h", 100)
    assert result.records == []
    assert "too large" in result.quarantine[0]["reason"]


def test_extract_stage_resolves_the_credit_of_html_records() -> None:
    """The extract stage treats ``format="html"`` as structured: the trailing "(Reuters)"
    and the dateline become ``original_source`` and leave the body."""
    (rec,), _ = read(page())
    out = extract(schema.conform(pl.DataFrame([rec]), schema.RAW_RECORD)).row(0, named=True)
    assert out["original_source"] == "Reuters"
    assert "(Reuters)" not in out["body"]


def test_furniture_regex_translation() -> None:
    rx = html.python_regex(r"^\p{Lu}[\p{L}'’.-]+(?:\s+\p{Lu}[\p{L}.-]+)* is a (?-u:\b)reporter")
    assert rx is not None
    assert rx.search("Émile Zola is a reporter")


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=3000))
def test_any_bytes_give_a_record_or_a_reason(data: bytes) -> None:
    result = read_bytes(data, "x.html", "h", LIMIT)
    assert len(result.records) + len(result.quarantine) == 1
    for q in result.quarantine:
        assert q["reason"]


@settings(max_examples=60, deadline=None)
@given(
    words=st.lists(
        st.text(alphabet=st.characters(categories=["L", "N", "Zs", "P"]), min_size=1, max_size=12),
        min_size=30,
        max_size=120,
    )
)
def test_text_in_paragraphs_survives(words: list[str]) -> None:
    """Property: a page of one long paragraph yields a record whose body comes from it."""
    text = " ".join(w.strip() or "x" for w in words) + "."
    doc = f"<html><body><article><p>{html_escape(text)}</p></article></body></html>"
    result = read_bytes(doc.encode(), "x.html", "h", LIMIT)
    assert len(result.records) + len(result.quarantine) == 1


def html_escape(text: str) -> str:
    return std_html.escape(text)


# --------------------------------------------------------------------------- speed paths


def test_full_cascade_only_where_the_comparison_could_change_the_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[bool] = []
    bare = html._bare

    def spy(tree: object, *, tables: bool, fast: bool, **kw: object) -> object:
        calls.append(fast)
        return bare(tree, tables=tables, fast=fast, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(html, "_bare", spy)
    records, _ = read(page())
    assert calls == [True]  # a plain article: trafilatura's main extractor alone
    assert records[0]["body"].split("\n\n") == [*PARAS, "(Reuters)"]
    calls.clear()
    read(page(paras=PARAS[:1], tail=""))  # short: jusText might find more
    assert calls == [True, False]
    calls.clear()
    # a longer <p> run elsewhere on the page than the text found: readability might win
    run = "".join(f"<p>{p} {p}</p>" for p in PARAS)
    read(page().replace("<footer>", f"<div class='x'>{run}</div><footer>"))
    assert calls == [True, False]
    calls.clear()
    # no <p> paragraphs at all: straight to the full cascade
    read(page().replace("<p>", "<div>").replace("</p>", "</div>"))
    assert calls == [False]


def test_required_literals_of_furniture_regexes() -> None:
    rl = html.required_literals
    assert rl(r"\b(?:email|contact|tip) us\b") == ("email", "contact", "tip")
    assert rl(r"[\w.+-]+@[\w-]+\.[\w.]{2,}") == ("@",)
    assert rl(r"All Rights Reserved\.?$") == ("all rights reserved",)
    assert rl(r"tous droits réservés") == ("tous droits r",)  # up to the cased non-ASCII
    assert rl(r"\s©\s*[A-Z]") == ("©",)
    assert rl(r"(?:ab)?\d+") is None
    assert rl(r"a|b") is None
    assert rl("(unclosed") is None


def test_re_ignorecase_matches_ascii_letters_only_as_lower_plus_the_extras() -> None:
    letter = __import__("re").compile("[a-z]", __import__("re").IGNORECASE)
    for cp in range(0x250):  # Latin ranges; the extras beyond are checked by name
        c = chr(cp)
        if letter.fullmatch(c):
            assert c.translate(html._RE_CASE_EXTRA).lower() in "abcdefghijklmnopqrstuvwxyz"
    assert "\u212a".translate(html._RE_CASE_EXTRA) == "k"


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "Photo: Reuters",
                "(Getty Images)",
                "© The Ledger 2025",
                "Get the news in your inbox every morning",
                "Email us at tips@example.com",
                "All rights reserved.",
                "We use cookies to improve your experience. Accept",
                "Tous droits réservés",
                "Picture: John Smith/PA",
                "— Foto: dpa",
                "Kelvin \u212a and long \u017fign: CREDIT: ſhutter",
                *PARAS,
            ]
        ),
        min_size=1,
        max_size=8,
    )
)
def test_furniture_narrowed_per_page_decides_like_the_full_set(lines: list[str]) -> None:
    fur = html._furniture()
    texts = [t for t in (html._furniture_text(x) for x in lines) if t is not None]
    narrowed = fur.for_lines(texts)
    assert [html._action(t, narrowed) for t in texts] == [html._action(t, fur) for t in texts]


def test_pull_quotes_and_repeats_dropped_once() -> None:
    long = (
        "The council said the new homes would be built over the next five years near the station."
    )
    quote = "built over the next five years"
    assert html._drop_repeats([long, quote + " near it", long, "Short one here, twenty+."]) == [
        long,
        quote + " near it",
        "Short one here, twenty+.",
    ]
    assert html._drop_repeats([long, "the new homes would be built", long]) == [long]


def test_teaser_text_left_in_a_fast_result_asks_for_the_full_cascade() -> None:
    teaser = "Storm closes schools across the north of the country"
    tree = load_html(page(body_top=f'<div class="story-Teaser"><a href="/s">{teaser}</a></div>'))
    doc = html._bare(tree, tables=True, fast=True)
    text = html._doc_text(doc)
    assert text is not None
    blocks = html._teaser_blocks(tree)
    assert not html._needs_full_cascade(tree, doc, text, tables=True, teaser_blocks=blocks)
    more = text + "\n" + teaser
    assert html._needs_full_cascade(tree, doc, more, tables=True, teaser_blocks=blocks)


def test_lines_found_only_in_teaser_blocks_are_dropped() -> None:
    doc = page(
        body_top='<div class="teaser"><p class="pre">Read more</p><p>Full story: the tram'
        " line's first year in numbers</p></div>"
        f'<div class="cmp-teaser"><p>{PARAS[1]}</p></div>'  # also in the body: stays
    )
    tree = load_html(doc)
    text = "\n".join(["Read more", PARAS[0], "Full story: the tram line's first year in numbers"])
    text += "\n" + PARAS[1]
    assert html._without_teaser_lines(tree, html._teaser_blocks(tree), text).split("\n") == [
        PARAS[0],
        PARAS[1],
    ]


def test_component_page_with_a_teaser_needs_one_trafilatura_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # every paragraph its own component (and one </div> too many, as pages have):
    # trafilatura's main pass comes up short, its recovery keeps the teaser in fast mode only
    comps = [f'<div class="text"><div class="cmp-text"><p>{p}</p></div></div>' for p in PARAS]
    comps[1] += "</div>"
    comps[2] += (
        '<div class="teaser"><div class="cmp-teaser"><div class="cmp-teaser__content">'
        '<p class="cmp-teaser__pretitle">Read more</p><h3 class="cmp-teaser__title"><a href="/r">'
        'Sea wall repairs: what the council promised</a></h3><div class="cmp-teaser__description">'
        "<p>The full story, with reaction from residents and the council.</p>"
        "</div></div></div></div>"
    )
    doc = (
        '<!DOCTYPE HTML><html lang="en"><body class="page basicpage"><div class="root container">'
        '<div class="cmp-container"><div class="container article-container">'
        '<div class="cmp-container">'
        '<div class="title"><div class="cmp-title"><h1 class="cmp-title__text">Economy grows</h1>'
        f"</div></div>{''.join(comps)}</div></div></div></div></body></html>"
    )
    tree = load_html(doc)
    full = html._doc_text(html._bare(tree, tables=True, fast=False))
    fast = html._doc_text(html._bare(tree, tables=True, fast=True))
    assert full is not None
    assert fast is not None
    assert "The full story" in fast
    assert "The full story" not in full
    calls: list[bool] = []
    bare = html._bare

    def spy(tree: object, *, tables: bool, fast: bool, **kw: object) -> object:
        calls.append(fast)
        return bare(tree, tables=tables, fast=fast, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(html, "_bare", spy)
    assert html._trafilatura_text(tree, None, tables=True) == full
    assert calls == [True]


def test_escalation_guard_for_short_texts_on_wordy_pages() -> None:
    tree = load_html(page())
    text = "\n".join(PARAS)
    assert not html._may_escalate(tree, text)
    assert not html._may_escalate(tree, text * 20)  # longer than any escalation
    wordy = "".join(f"<li><a href='/{i}'>{PARAS[i % 4]}</a></li>" for i in range(12))
    tree = load_html(page(paras=PARAS[:2]).replace("</nav>", f"<ul>{wordy}</ul></nav>"))
    assert html._may_escalate(tree, "\n".join(PARAS[:2]))


def test_paragraph_run_chars_counts_a_parent_or_grandparent() -> None:
    split = "".join(f"<div><p>{p}</p></div>" for p in PARAS)
    tree = load_html(f"<html><body><div>{split}</div><p>Too short.</p></body></html>")
    assert html.paragraph_run_chars(tree) == sum(len(p) for p in PARAS)
    assert html.paragraph_run_chars(load_html("<html><body><p>Short.</p></body></html>")) == 0


COMMENTS = (
    '<div class="comments-area" id="comments"><h3>3 Comments</h3><ol class="comment-list">'
    + "".join(
        f'<li class="comment"><div class="comment-author">Reader {i}</div><p>I think the'
        f" council should listen to what residents said about it, point {i}.</p></li>"
        for i in range(3)
    )
    + "</ol></div>"
)
FORUM_LD = (
    '<script type="application/ld+json">{"@context": "https://schema.org",'
    ' "@type": "DiscussionForumPosting", "headline": "Economy"}</script>'
)
INFINITE = (
    '<div class="infinite-scroll"><article><h2>Next: another story</h2><p>'
    + "A follow-up article that the page appends below the first one. " * 6
    + "</p></article></div>"
)
MIRROR_PAGES = {
    "plain": page(),
    "short": page(paras=PARAS[:1], tail=""),
    "comments": page().replace("</main>", COMMENTS + "</main>"),
    "comments-in-body": page(body_top=COMMENTS),
    "disqus": page().replace("</main>", '<div id="disqus_thread"><p>Comments</p></div></main>'),
    "social-id": page(body_top='<div id="social-bar"><p>Share this on Facebook</p></div>'),
    "forum": page(head=FORUM_LD).replace("</main>", COMMENTS + "</main>"),
    "forum-short": page(head=FORUM_LD, paras=PARAS[:1]).replace("</main>", COMMENTS + "</main>"),
    "infinite-scroll": page().replace("</main>", INFINITE + "</main>"),
    "mvp": page(body_top=INFINITE.replace('class="infinite-scroll"', 'id="mvp-post-add-box"')),
    "elementor": page(body_top='<div class="elementor-share-buttons"><p>Share</p></div>'),
    "div-paragraphs": page().replace("<p>", "<div>").replace("</p>", "</div>"),
    "wordy-menu": page(paras=PARAS[:2]).replace(
        "</nav>",
        "<ul>"
        + "".join(f"<li><a href='/{i}'>{PARAS[i % 4]}</a></li>" for i in range(12))
        + "</ul></nav>",
    ),
}


@pytest.mark.parametrize("name", sorted(MIRROR_PAGES))
@pytest.mark.parametrize(("tables", "fast"), [(True, True), (True, False), (False, True)])
def test_own_extraction_is_trafilaturas_bare_extraction(
    name: str, tables: bool, fast: bool
) -> None:

    tree = load_html(MIRROR_PAGES[name])
    options = html._extractor(tables=tables, fast=fast)
    theirs = bare_extraction(tree, options=options)
    ours = html._extraction(tree, options, html._Page(tree))
    assert (ours is None) == (theirs is None)
    if ours is not None and theirs is not None:
        assert ours.text == theirs.text
        assert etree.tostring(ours.body) == etree.tostring(theirs.body)


def test_page_marks_what_trafilaturas_comment_and_raw_tree_xpaths_need() -> None:
    marks = {n: html._Page(load_html(d)) for n, d in MIRROR_PAGES.items()}
    assert not marks["plain"].comments
    assert not marks["plain"].raw_prune
    for name in ("comments", "disqus", "social-id", "forum"):
        assert marks[name].comments, name
    for name in ("infinite-scroll", "mvp", "elementor"):
        assert marks[name].raw_prune, name
    # "social" in a class is no comment marker (only an id starting with it)
    assert not html._Page(load_html(page(body_top='<div class="social"><p>x</p></div>'))).comments


def test_escalation_measure_is_html2txt() -> None:

    for doc in MIRROR_PAGES.values():
        tree = load_html(doc)
        measure = html._Page(tree)
        share = html.ESCALATION_PAGE_SHARE * len(html2txt(tree))
        for n in (0, 50, 200, 400, 800, 1600):
            assert measure.covers_little(n) == (n < share)


@pytest.mark.parametrize("name", sorted(MIRROR_PAGES))
def test_own_comment_capture_is_trafilaturas(name: str) -> None:
    options = html._extractor(tables=True, fast=True)
    trees = [
        convert_tags(tree_cleaning(load_html(MIRROR_PAGES[name]), options), options)
        for _ in range(2)
    ]
    theirs = extract_comments(trees[0], options)
    ours = html._extract_comments(trees[1], options)
    assert ours[1] == theirs[1]
    assert etree.tostring(ours[0]) == etree.tostring(theirs[0])
    assert etree.tostring(ours[2]) == etree.tostring(theirs[2])


def test_mirrored_trafilatura_is_the_installed_one() -> None:
    # trafilatura upgraded: check _extraction, _extract_comments and _Page against its
    # core.py / main_extractor.py / xpaths.py, then bump MIRRORED_TRAFILATURA (until then
    # the reader runs bare_extraction itself, slower)
    assert html._MIRRORS
