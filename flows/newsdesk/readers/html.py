"""Saved HTML pages: one article per page → one ``format="html"`` raw record.

Reading a page:

1. **charset** (``base.decode_declared``): BOM, the server's declared charset (WARC), the
   page's ``<meta charset>`` / ``http-equiv``, then detection; mojibake repaired.
2. **metadata** from the page's own markup, most explicit first: JSON-LD (``NewsArticle``
   and friends, ``@graph`` and ``@id`` references resolved), OpenGraph / ``article:*``,
   meta tags (``author``, Dublin Core, Parse.ly, Sailthru), ``<link rel=canonical>``,
   ``<html lang>``, ``<time datetime>``, ``<h1>``, ``<title>``; trafilatura's own metadata
   (with htmldate) only fills what is still missing.
3. **body**: trafilatura on the same parsed tree (it works on a copy), social embeds and ad
   slots pruned first, comment threads set aside. Its main extractor runs alone (``fast``);
   its full cascade (readability / jusText comparison) only where that could change the
   text (``_needs_full_cascade``). When it finds nothing: the JSON-LD ``articleBody``, then
   the longest run of ``<p>`` text under one parent.
4. **clean-up** of the body, with what the text-dump work knows: leading title / byline /
   date lines, furniture phrases (``data/reference/furniture.csv``: "Advertisement",
   "Read more: …", end markers such as "Related articles" near the end), pull quotes that
   repeat a sentence of the body, duplicate paragraphs, and — when the page carries the
   full text as JSON-LD ``articleBody`` — blocks that are not part of it.

Credit lines ("(Reuters)", "LONDON (AP) —") stay in the body: the extract stage's structured
path removes them and sets ``original_source``. Paragraphs are joined with a blank line.

Speed (issue #8: as fast as trafilatura alone, per core): the page is parsed once, the
metadata pass reads that tree, htmldate runs only for a page without a date in its markup,
and the fast extractor plus the clean-up cost less than trafilatura's full cascade
(``uv run newsdesk eval html`` prints the ratio). trafilatura's extraction itself runs as
``_extraction``, its ``bare_extraction`` step by step without the steps that a look at the
page's class and id attributes shows to change nothing (comment capture, the raw-tree
prune and its tree copy) and with the page-text measure of its recall escalation computed
only when a cheap bound cannot decide (``_Page``): on most pages that was a sixth of its time.
"""

from __future__ import annotations

import csv
import importlib
import json
import re
from collections.abc import Iterator
from contextlib import suppress
from copy import copy
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from htmldate import find_date
from lxml.etree import Element, XPath, strip_tags
from lxml.html import HtmlElement
from trafilatura import bare_extraction
from trafilatura.baseline import baseline, html2txt
from trafilatura.core import (
    ESCALATION_ACCEPT_RATIO,
    ESCALATION_JUSTEXT_RATIO,
    ESCALATION_MAX_LENGTH,
    ESCALATION_PAGE_SHARE,
    _forum_thread_page,
    _recall_retry,
)
from trafilatura.external import SANITIZED_XPATH, compare_extraction, justext_rescue
from trafilatura.htmlprocessing import (
    convert_tags,
    handle_textnode,
    prune_unwanted_nodes,
    tree_cleaning,
)
from trafilatura.main_extractor import _elem_text, extract_content
from trafilatura.metadata import extract_author, extract_sitename, extract_title
from trafilatura.settings import TAG_CATALOG, Extractor
from trafilatura.utils import load_html
from trafilatura.xml import delete_element, xmltotxt
from trafilatura.xpaths import (
    COMMENTS_DISCARD_XPATH,
    COMMENTS_XPATH,
    RAW_TREE_PRUNE_XPATH,
    REGEXP_NS,
    REMOVE_COMMENTS_AND_LISTS_XPATH,
    REMOVE_COMMENTS_XPATH,
)

from newsdesk.readers.base import (
    DecodeError,
    ReadResult,
    decode_declared,
    dumps_extra,
    quarantine_row,
)
from newsdesk.settings import get_settings

#: JSON-LD types whose object describes the article itself.
ARTICLE_TYPES = frozenset(
    {
        "NewsArticle",
        "Article",
        "ReportageNewsArticle",
        "AnalysisNewsArticle",
        "OpinionNewsArticle",
        "BackgroundNewsArticle",
        "ReviewNewsArticle",
        "AskPublicNewsArticle",
        "BlogPosting",
        "LiveBlogPosting",
        "Report",
        "TechArticle",
        "SatiricalArticle",
    }
)
#: Fewer words than this in trafilatura's body: try the fallbacks too, keep the longest.
MIN_BODY_WORDS = 40
#: A JSON-LD articleBody counts as the full text when this share of the extracted body's
#: word 3-grams appears in it; blocks sharing less than ``LD_BLOCK_MIN_SHARE`` are dropped.
LD_FULL_TEXT_SHARE = 0.7
LD_BLOCK_MIN_SHARE = 0.2
#: Paragraphs up to this many words that repeat part of a longer one are pull quotes.
PULL_QUOTE_MAX_WORDS = 40
#: An end-of-article marker ("Related articles") cuts the rest only when what follows is
#: at most this share of the body's words; otherwise only the marker line goes.
END_MARKER_MAX_TAIL = 0.3
#: Leading lines looked at for the first long paragraph (before it: titles, bylines,
#: dates and short labels are not body).
MAX_HEAD_LINES = 40
#: Leading lines this short without a sentence end, before a long paragraph, are labels.
SHORT_LABEL_WORDS = 6
LONG_PARAGRAPH_WORDS = 15
#: Embedded social posts and ad slots: never article text (pruned before extraction).
PRUNE_XPATH = (
    "//amp-twitter|//amp-instagram|//amp-facebook|//amp-tiktok|//amp-ad|//amp-embed"
    '|//blockquote[contains(@class, "twitter-tweet") or contains(@class, "instagram-media")'
    ' or contains(@class, "tiktok-embed") or contains(@class, "reddit-card")]'
)
_PRUNE = XPath(PRUNE_XPATH)
_SENTENCE_END = re.compile(r"[.!?…:;][\"'”’»)\]]*$")

_WORD = re.compile(r"\w+")
_SPACES = re.compile(r"\s+")
_STRIP = " :.!|•·"
_MONTH = (
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?|"
    r"(?:januar|februar|märz|mai|juni|juli|oktober|dezember|janvier|février|mars|avril|juin|"
    r"juillet|août|septembre|octobre|novembre|décembre|enero|febrero|marzo|abril|mayo|junio|"
    r"julio|agosto|septiembre|octubre|noviembre|diciembre)"
)
#: A short line that is only a date / time stamp ("17 September 2025 7:00am", "Updated: …").
_DATE_LINE = re.compile(
    rf"(?i)^(?:(?:published|posted|updated|last updated|modified|on)\s*:?\s*)?"
    rf"(?:[a-z]+day,?\s+)?(?:\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTH})|(?:{_MONTH})\s+\d{{1,2}}"
    rf"(?:st|nd|rd|th)?|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}[/.]\d{{1,2}}[/.]\d{{2,4}})"
    r"[\s,./:0-9apmAPMhUTCGMTBSTCETIS+-]*$"
)
_BYLINE = re.compile(r"(?i)^(?:by|written by|words by|reported by|von|par|por)\s+\S.{0,80}$")
_URL_LIKE = re.compile(r"^(?:https?:)?//|^www\.|\.(?:com|org|net)/", re.IGNORECASE)
_LIST_MARK = re.compile(r"^[-•*]\s+")
_LIST_MARKS = frozenset("-•*")


# --------------------------------------------------------------------------- the record


@dataclass
class HtmlArticle:
    """What one HTML page says about its article (None where the page does not say)."""

    title: str | None = None
    body: str | None = None
    author: str | None = None
    url: str | None = None
    published_raw: str | None = None
    site_raw: str | None = None
    language_raw: str | None = None
    description: str | None = None
    #: where the body came from: trafilatura | json-ld | paragraphs | none
    body_source: str = "none"
    extra: dict[str, Any] = field(default_factory=dict)


def read(data: bytes, source_path: str, file_hash: str, max_record_chars: int) -> ReadResult:
    """One saved HTML page (``.html``, ``.htm``, gunzipped by the registry) → one record."""
    if not data.strip():
        return ReadResult.failed(quarantine_row(source_path, "", "empty file: no HTML", data))
    return read_page(data, source_path, "", file_hash, max_record_chars)


def read_page(
    data: bytes,
    source_path: str,
    record_key: str,
    file_hash: str,
    max_record_chars: int,
    *,
    url: str | None = None,
    declared_charset: str | None = None,
    fetched_at: str | None = None,
    extra: dict[str, Any] | None = None,
) -> ReadResult:
    """Bytes of one page → a ReadResult with one record or one quarantine row.

    ``url`` is where the page was fetched from (a WARC record's target URI): it wins over
    the page's canonical URL, which then goes to ``extra``. ``declared_charset`` is the
    server's (HTTP ``Content-Type``).
    """
    try:
        text, encoding = decode_declared(data, declared_charset)
    except DecodeError as exc:
        return ReadResult.failed(quarantine_row(source_path, record_key, str(exc), data))
    article = parse_html(text, url=url)
    if article is None:
        return ReadResult.failed(
            quarantine_row(
                source_path,
                record_key,
                "not an HTML document: no element tree could be parsed",
                text,
            )
        )
    if not article.body:
        return ReadResult.failed(
            quarantine_row(
                source_path,
                record_key,
                "no article text in HTML page: trafilatura, JSON-LD articleBody and the <p>"
                " fallback found none",
                text,
            )
        )
    if len(article.body) > max_record_chars:
        return ReadResult.failed(
            quarantine_row(
                source_path,
                record_key,
                f"record body too large: {len(article.body):,} characters > limit"
                f" {max_record_chars:,} (NEWSDESK_MAX_RECORD_CHARS)",
                article.body,
            )
        )
    return ReadResult(
        records=[
            to_record(
                article,
                source_path,
                record_key,
                file_hash,
                encoding=encoding,
                fetched_at=fetched_at,
                extra=extra,
            )
        ]
    )


def to_record(
    article: HtmlArticle,
    source_path: str,
    record_key: str,
    file_hash: str,
    *,
    encoding: str | None = None,
    fetched_at: str | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An HtmlArticle → a ``schema.RAW_RECORD`` dict with ``format="html"``."""
    more = {**article.extra, **(extra or {})}
    more["body_source"] = article.body_source
    if encoding:
        more["encoding"] = encoding
    rec: dict[str, Any] = {
        "source_path": source_path,
        "record_key": record_key,
        "file_hash": file_hash,
        "format": "html",
        "url": article.url,
        "title": article.title,
        "body": article.body,
        "author": article.author,
        "published_raw": article.published_raw,
        "site_raw": article.site_raw,
        "language_raw": article.language_raw,
        "description": article.description,
        "extra": dumps_extra(more),
    }
    if fetched_at:
        rec["fetched_at"] = fetched_at
    return rec


# --------------------------------------------------------------------------- parsing


def parse_html(html: str | bytes, url: str | None = None) -> HtmlArticle | None:
    """Metadata and cleaned body of one page (None when the markup is not HTML at all).

    ``html`` should be decoded text (``base.decode_declared``); bytes are decoded here.
    ``url`` is the page's address when known (it resolves relative canonical links).
    """
    if isinstance(html, bytes):
        html = decode_declared(html)[0]
    try:
        tree = load_html(html)
    except (ValueError, TypeError):
        tree = None
    if tree is None:
        return None
    meta = page_metadata(tree, url)
    for element in _PRUNE(tree):  # after the metadata: a tweet's markup is not the page's
        element.drop_tree()  # keeps the tail text
    title = meta.get("title")
    ld_body = meta.pop("_ld_body", None)
    # "teaser" / "Teaser" nowhere in the source: no teaser blocks to look for
    body, source = _main_text(tree, url, ld_body, teasers="easer" in html)
    if not title:
        _fill_from_trafilatura(tree, meta, ("title",))
        title = meta.get("title")
    if body:
        paragraphs, byline = _clean(
            body,
            title=title,
            author=meta.get("author"),
            reference_text=ld_body,
        )
        body = "\n\n".join(paragraphs) or None
        if byline and not meta.get("author"):
            meta["author"] = byline
    _fill_from_trafilatura(tree, meta, ("author", "site_raw", "published_raw"))
    extra = {
        k: v
        for k, v in (
            ("section", meta.get("section")),
            ("keywords", meta.get("keywords")),
            ("date_modified", meta.get("date_modified")),
            ("image", meta.get("image")),
        )
        if v
    }
    canonical = meta.get("url")
    if url and canonical and canonical != url:
        extra["canonical_url"] = canonical
    return HtmlArticle(
        title=title,
        body=body,
        author=meta.get("author"),
        url=url or canonical,
        published_raw=meta.get("published_raw"),
        site_raw=meta.get("site_raw"),
        language_raw=meta.get("language_raw"),
        description=meta.get("description"),
        body_source=source if body else "none",
        extra=extra,
    )


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def _main_text(
    tree: HtmlElement, url: str | None, ld_body: str | None, *, teasers: bool = True
) -> tuple[str | None, str]:
    """The article text before clean-up: trafilatura, else JSON-LD, else the <p> run.
    ``teasers=False``: the page has no teaser blocks (see ``_without_teaser_lines``)."""
    chars = paragraph_run_chars(tree)
    page = _Page(tree)
    text = _trafilatura_text(tree, url, tables=True, teasers=teasers, run=chars, page=page)
    if text and _LAYOUT_TABLE.search(text):
        # a page laid out in a <table>: trafilatura renders it as one markdown row
        text = (
            _trafilatura_text(tree, url, tables=False, teasers=teasers, run=chars, page=page)
            or text
        )
    candidates: list[tuple[str, str]] = []
    if text and text.strip():
        if _words(text) >= MIN_BODY_WORDS:
            if ld_body and _ld_is_fuller(text, ld_body):
                return ld_body, "json-ld"
            return text, "trafilatura"
        candidates.append((text, "trafilatura"))
    if ld_body:
        candidates.append((ld_body, "json-ld"))
    run = longest_paragraph_run(tree)
    if run:
        candidates.append((run, "paragraphs"))
    if not candidates:
        return None, "none"
    return max(candidates, key=lambda c: _words(c[0]))


#: trafilatura's rendering of a layout table: a "| cell | cell |" row of 40+ words.
_LAYOUT_TABLE = re.compile(r"(?m)^\|\s*(?:\S+\s+){40}")
#: Elements that make trafilatura's comparison stage run jusText on its own extraction
#: (``trafilatura.external.SANITIZED_XPATH``: figures, asides, navs, forms... left in it).
_UNCLEAN_BODY = XPath(SANITIZED_XPATH)
_P_TEXT = XPath(".//p//text()")
#: Candidates for trafilatura's teaser blocks (``xpaths.TEASER_DISCARD_XPATH``: "teaser"
#: or "Teaser" in the id or class, any element here; ``translate()`` in XPath is slower).
#: (Attributes first, then their elements: twice as fast in libxml2 as a predicate on every
#: element, the same elements in the same order.)
_EASER = XPath('//@class[contains(., "easer")]/.. | //@id[contains(., "easer")]/..')


def _teaser_blocks(tree: HtmlElement) -> list[HtmlElement]:
    return [
        e
        for e in _EASER(tree)
        if "teaser" in (e.get("class") or "").replace("T", "t")
        or "teaser" in (e.get("id") or "").replace("T", "t")
    ]


#: The <p> run this many times longer than trafilatura's fast text: readability (which the
#: comparison stage runs) might find a fuller article, so the full cascade runs.
#: (trafilatura itself takes readability's text when it is twice as long.)
RUN_LONGER = 1.5


@lru_cache(maxsize=4)
def _extractor(*, tables: bool, fast: bool) -> Extractor:
    """One trafilatura configuration per variant, built once (``bare_extraction`` treats
    a passed Extractor as read-only: its recall retry works on a copy). No URL in it: with
    links and metadata off trafilatura uses the URL for nothing but log lines."""
    return Extractor(
        output_format="python",
        fast=fast,
        comments=True,  # comment threads are found and set aside, not body
        tables=tables,
        with_metadata=False,
    )


def _trafilatura_text(
    tree: HtmlElement,
    url: str | None,
    *,
    tables: bool,
    teasers: bool = True,
    run: int | None = None,
    page: _Page | None = None,
) -> str | None:
    """trafilatura's body text of the (pruned) tree.

    trafilatura's cascade is its main extractor, then a comparison with readability and
    jusText that only changes the result on a few kinds of page. The main extractor runs
    alone first (``fast``: a quarter less time); the full cascade runs only where the
    comparison could change the outcome (``_needs_full_cascade``); straight away on a page
    without sentence-like ``<p>`` paragraphs. ``teasers=False``: the page has no teaser
    blocks (see ``_without_teaser_lines``); ``run``: ``paragraph_run_chars(tree)``; ``page``:
    ``_Page(tree)``, shared by the calls on one page."""
    if run is None:
        run = paragraph_run_chars(tree)
    if page is None:
        page = _Page(tree)
    if run == 0:
        return _doc_text(_bare(tree, tables=tables, fast=False, page=page))
    text = _doc_text(doc := _bare(tree, tables=tables, fast=True, page=page))
    blocks = _teaser_blocks(tree) if teasers and text else []
    if blocks and text:
        text = _without_teaser_lines(tree, blocks, text)
    if _needs_full_cascade(
        tree, doc, text, tables=tables, teaser_blocks=blocks, run=run, page=page
    ):
        text = _doc_text(_bare(tree, tables=tables, fast=False, page=page))
    return text


def _needs_full_cascade(
    tree: HtmlElement,
    doc: Any,
    text: str | None,
    *,
    tables: bool,
    teaser_blocks: list[HtmlElement] | None = None,
    run: int | None = None,
    page: _Page | None = None,
) -> bool:
    """Whether trafilatura's full cascade could give another text than its main extractor
    alone: jusText is tried on short texts and texts with figures, asides, navs or forms
    left in; readability wins over texts without ``<p>`` text or with more tables than
    paragraphs, and over much shorter ones (a ``<p>`` run clearly longer than the text);
    on pages without ``<p>`` paragraphs, jusText's candidate joins the recall retry; and
    teaser text left in the text (see ``_without_teaser_lines``)."""
    body = getattr(doc, "body", None)
    if text is None or body is None:
        return True
    if (
        len(text) < _extractor(tables=tables, fast=True).min_extracted_size  # jusText
        or _UNCLEAN_BODY(body)  # jusText
        or not _P_TEXT(body)  # readability
        or len(body.findall(".//table")) > len(body.findall(".//p"))  # readability
        or (teaser_blocks and _has_teaser_text(teaser_blocks, text))
    ):
        return True
    if run is None:
        run = paragraph_run_chars(tree)
    # no sentence-like <p> at all (paragraphs in <div>s, an app shell): the main extractor
    # is on unfamiliar ground, where its recall retry can take in the whole page
    if run == 0 or run > RUN_LONGER * len(text):
        return True
    return _may_escalate(tree, text, page)


_COUNT_ELEMENTS = XPath("count(.//*)")
_CLASSES = XPath("//@class", smart_strings=False)
_IDS = XPath("//@id", smart_strings=False)


class _Page:
    """What trafilatura would look for on one (pruned) tree, found once for all its runs:

    - ``comments``: a class or id that one of its comment-section XPaths could match (they
      all need "omment", "comol", "disqus" or an id starting with "social"); without one,
      comment capture and the comment prunes find nothing and are skipped;
    - ``raw_prune``: a class or id its raw-tree prune (``RAW_TREE_PRUNE_XPATH``: infinite
      scroll, "mvp-post-add", Elementor share buttons) could match; without one the tree
      is left as it is and not copied first;
    - ``covers_little(n)``: its recall escalation's test, ``n`` under
      ``ESCALATION_PAGE_SHARE`` of the page's text (``html2txt``, which copies and cleans
      the page: it runs once, and only when an upper bound of its length, the body's text
      outside scripts and styles plus two spaces per element, cannot decide)."""

    def __init__(self, tree: HtmlElement) -> None:
        self.tree = tree
        classes = "\x00".join(_CLASSES(tree))
        ids = "\x00".join(_IDS(tree))
        self.comments = (
            any(w in classes or w in ids for w in ("omment", "comol", "disqus"))
            or "\x00social" in "\x00" + ids
        )
        self.raw_prune = (
            "infinite" in classes
            or "infinite" in ids
            or "mvp-post-add" in classes
            or "mvp-post-add" in ids
            or "elementor-share-buttons" in classes
        )
        self._bound: int | None = None
        self._length: int | None = None

    def covers_little(self, n: int) -> bool:
        """``n < ESCALATION_PAGE_SHARE * len(html2txt(tree))``."""
        if self._bound is None:
            body = self.tree.find(".//body")
            root = body if body is not None else self.tree
            scripts = sum(len(e.text or "") for e in root.iter("script", "style"))
            self._bound = len(root.text_content()) - scripts + 2 * (int(_COUNT_ELEMENTS(root)) + 1)
        if n >= ESCALATION_PAGE_SHARE * self._bound:
            return False
        if self._length is None:
            self._length = len(html2txt(self.tree))
        return n < ESCALATION_PAGE_SHARE * self._length


def _may_escalate(tree: HtmlElement, text: str, page: _Page | None = None) -> bool:
    """trafilatura's recall escalation could have run: a text under ``ESCALATION_MAX_LENGTH``
    and under ``ESCALATION_PAGE_SHARE`` of the page's text (``_Page.covers_little``). The
    full cascade adds a jusText candidate there."""
    n = len(text)
    if n >= ESCALATION_MAX_LENGTH:
        return False
    return (page or _Page(tree)).covers_little(n)


def _has_teaser_text(blocks: list[HtmlElement], text: str) -> bool:
    for element in blocks:
        for raw in element.itertext():
            chunk = raw.strip()
            if len(chunk) >= 20 and chunk in text:
                return True
    return False


def _spaced(text: str) -> str:
    return " ".join(text.split())


def _without_teaser_lines(tree: HtmlElement, blocks: list[HtmlElement], text: str) -> str:
    """The text without lines that are the text of an element inside a "teaser" block
    and found nowhere else on the page.

    trafilatura's main pass drops teaser blocks. When it comes up short, its wild-text
    recovery keeps them in fast mode but drops them in the full cascade, so a line whose
    text stands only inside teaser blocks came from fast mode's recovery: dropping it
    gives what the full cascade's recovery gives, without running it."""
    marked = set(blocks)
    outer = [b for b in blocks if not any(a in marked for a in b.iterancestors())]
    own = {_spaced(d.text_content()) for b in outer for d in b.iter()}
    lines = text.split("\n")
    hits = {n for n in map(_spaced, lines) if n and n in own}
    if not hits:
        return text
    teaser_text = "\n".join(_spaced(b.text_content()) for b in outer)
    body = tree.find("body")
    page_text = _spaced((body if body is not None else tree).text_content())
    drop = {h for h in hits if page_text.count(h) <= teaser_text.count(h)}
    if not drop:
        return text
    return "\n".join(line for line in lines if _spaced(line) not in drop)


def paragraph_run_chars(tree: HtmlElement) -> int:
    """Characters in the sentence-like ``<p>`` (8+ words) under the one parent or
    grandparent that holds the most: a cheap upper estimate of what readability, which
    scores both levels, would return (and 0 for a page without such paragraphs)."""
    per_node: dict[Any, int] = {}
    for p in tree.iter("p"):
        words = p.text_content().split()
        if len(words) >= 8:
            chars = len(" ".join(words))
            parent = p.getparent()
            for node in (parent, parent.getparent() if parent is not None else None):
                if node is not None:
                    per_node[node] = per_node.get(node, 0) + chars
    return max(per_node.values(), default=0)


#: ``_extraction`` repeats this trafilatura's ``bare_extraction``; another runs its own.
MIRRORED_TRAFILATURA = "2.3.1"
_MIRRORS = version("trafilatura") == MIRRORED_TRAFILATURA


def _bare(tree: HtmlElement, *, tables: bool, fast: bool, page: _Page | None = None) -> Any:
    """trafilatura's extraction of the tree (an object with ``text`` and ``body``) or None."""
    options = _extractor(tables=tables, fast=fast)
    try:
        if _MIRRORS:
            return _extraction(tree, options, page or _Page(tree))
        return bare_extraction(tree, options=options)
    except Exception:  # trafilatura raises from deep inside lxml on odd markup
        return None


@dataclass
class _Extraction:
    text: str
    body: Any


def _extraction(tree: HtmlElement, options: Extractor, page: _Page) -> _Extraction | None:
    """``bare_extraction(tree, options=options)`` of trafilatura 2.3.1 (``core.py``:
    ``bare_extraction`` and ``trafilatura_sequence``) for our options (Python output, no
    metadata, language or duplicate checks, comments on, balanced focus, no URL), step by
    step, leaving out what ``page`` shows to change nothing: the tree copy and raw-tree prune
    (no class or id it could match; nothing else in the sequence changes the tree it is
    given), comment capture and comment prunes (no comment-section class or id), the copy of
    the cleaned tree kept for readability (fast mode, not a forum), ``html2txt`` for the
    escalation test (``_Page.covers_little``) and the comments' text. Same text and body:
    ``tests/test_readers_html.py`` compares it with ``bare_extraction``."""
    is_forum = _forum_thread_page(tree)
    measure = page
    if page.raw_prune:
        tree = prune_unwanted_nodes(copy(tree), RAW_TREE_PRUNE_XPATH)
        measure = _Page(tree)
    cleaned = tree_cleaning(copy(tree), options)
    backup = copy(cleaned) if is_forum or not options.fast else None
    cleaned = convert_tags(cleaned, options, None)
    temp_comments, forum_posts = "", None
    if page.comments:
        forum_backup = backup if is_forum else None
        cleaned, temp_comments, forum_posts = _capture_comments(cleaned, forum_backup, options)
    postbody, temp_text = extract_content(cleaned, options)
    if not options.fast and backup is not None:
        postbody, temp_text = compare_extraction(backup, copy(tree), postbody, temp_text, options)
    if len(temp_text) < options.min_extracted_size and options.focus != "precision":
        b_body, b_text, b_len = baseline(tree)
        if b_len > len(temp_text):
            postbody, temp_text = b_body, b_text
            forum_posts = None
    if (
        options.focus == "balanced"
        and 0 < len(temp_text) < ESCALATION_MAX_LENGTH
        and measure.covers_little(len(temp_text))
    ):
        esc_tree = tree
        if page.comments and not is_forum:
            prune = REMOVE_COMMENTS_AND_LISTS_XPATH if temp_comments else REMOVE_COMMENTS_XPATH
            esc_tree = prune_unwanted_nodes(copy(tree), prune)
        found = _recall_escalation(esc_tree, options, len(temp_text))
        if found is not None:
            postbody, temp_text = found
            forum_posts = None
    if forum_posts is not None:
        temp_text = _salvage_forum_posts(postbody, forum_posts) or temp_text
    if options.max_tree_size and len(postbody) > options.max_tree_size:
        strip_tags(postbody, "hi")
        if len(postbody) > options.max_tree_size:
            return None
    if (
        len(temp_text) < options.min_output_size
        and len(temp_comments) < options.min_output_comm_size
    ):
        return None
    return _Extraction(text=xmltotxt(postbody, options.formatting), body=postbody)


def _capture_comments(
    cleaned: HtmlElement, backup: HtmlElement | None, options: Extractor
) -> tuple[HtmlElement, str, Any]:
    """trafilatura's comment capture: (the cleaned tree without the comment section, the
    comments' text, None); on a thread forum (``backup``: a copy of the tree before tag
    conversion) the posts are content: (the whole tree converted, "", the posts)."""
    comments_body, temp_comments, cleaned = _extract_comments(cleaned, options)
    if temp_comments and backup is not None:
        return convert_tags(copy(backup), options, None), "", comments_body
    return cleaned, temp_comments, None


#: Elements that trafilatura's comment-section XPaths (``COMMENTS_XPATH``) can select: each
#: of their tests needs an id or class holding one of these strings.
_COMMENT_CANDIDATES = XPath(  # attributes first (see ``_EASER``)
    ".//*/@class[contains(., 'omment')]/.. | .//*/@id[contains(., 'omment')"
    " or contains(., 'comol') or contains(., 'disqus') or starts-with(., 'social')]/.."
)
#: ``COMMENTS_XPATH`` asked of one element (``.//*[...]`` → ``self::*[...]``).
_COMMENTS_SELF = tuple(
    XPath(x.path.replace(".//*[", "self::*[", 1), namespaces={"re": REGEXP_NS})
    for x in COMMENTS_XPATH
)


def _extract_comments(tree: HtmlElement, options: Extractor) -> tuple[Any, str, HtmlElement]:
    """``extract_comments(tree, options)`` of trafilatura 2.3.1 (``main_extractor.py``), its
    XPaths asked only of the few elements that could match (``_COMMENT_CANDIDATES``, in
    document order) instead of every element: their EXSLT regex tests call back into
    Python once per element, a tenth of a millisecond per XPath on a page."""
    comments_body = Element("body")
    potential_tags = set(TAG_CATALOG)
    candidates = _COMMENT_CANDIDATES(tree)
    for selects in _COMMENTS_SELF:
        subtree = next((c for c in candidates if selects(c)), None)
        if subtree is None:
            continue
        subtree = prune_unwanted_nodes(subtree, COMMENTS_DISCARD_XPATH)
        strip_tags(subtree, "ref", "span")
        for elem in subtree.xpath(".//*"):
            if (
                elem.tag in potential_tags
                and (processed := handle_textnode(elem, options, comments_fix=True)) is not None
            ):
                processed.attrib.clear()
                comments_body.append(processed)
        if len(comments_body) > 0:
            delete_element(subtree, keep_tail=False)
            break
        candidates = _COMMENT_CANDIDATES(tree)  # the subtree was pruned and stripped
    return comments_body, " ".join(comments_body.itertext()).strip(), tree


def _salvage_forum_posts(postbody: Any, forum_posts: Any) -> str | None:
    """trafilatura's thread-forum salvage: captured posts missing from the body appended to
    it; the body's new text (None when none was missing)."""
    existing = "\n".join(filter(None, (_elem_text(el) for el in postbody)))
    salvaged = [el for el in forum_posts if (t := _elem_text(el)) and t not in existing]
    if not salvaged:
        return None
    postbody.extend(salvaged)
    return " ".join(postbody.itertext()).strip()


def _recall_escalation(esc_tree: HtmlElement, options: Extractor, n: int) -> tuple[Any, str] | None:
    """trafilatura's recall escalation (its ``trafilatura_sequence``, stage 4) for a text of
    ``n`` characters: the recall retry's or jusText's (body, text) when clearly longer."""
    r_options = copy(options)
    r_options.focus = "recall"
    r_body, r_text = None, ""
    with suppress(Exception):  # as trafilatura: a failed candidate keeps the text found
        r_body, r_text = _recall_retry(esc_tree, r_options, None)
    j_body, j_text = None, ""
    if not options.fast:
        with suppress(Exception):
            j_body, j_text = justext_rescue(copy(esc_tree), options)
    if len(j_text) > len(r_text) and len(j_text) > ESCALATION_JUSTEXT_RATIO * n:
        return j_body, j_text
    if len(r_text) >= options.min_extracted_size and len(r_text) > ESCALATION_ACCEPT_RATIO * n:
        return r_body, r_text
    return None


def _doc_text(doc: Any) -> str | None:
    text = getattr(doc, "text", None) if doc is not None else None
    return text if isinstance(text, str) and text.strip() else None


def _ld_is_fuller(text: str, ld_body: str) -> bool:
    """The JSON-LD articleBody holds most of the extracted text and much more besides:
    trafilatura stopped early (a body split by a widget, a lazy-loaded second half)."""
    if _words(ld_body) < 1.5 * _words(text):
        return False
    ld = _shingles(ld_body)
    ours = _shingles(text)
    return bool(ours) and len(ours & ld) >= LD_FULL_TEXT_SHARE * len(ours)


def longest_paragraph_run(tree: HtmlElement) -> str | None:
    """The fallback body: the ``<p>`` children of the one parent whose paragraphs hold the
    most sentence-like text (readability's core idea, without its scoring)."""
    best: tuple[int, list[str]] = (0, [])
    seen: set[int] = set()
    for p in tree.iter("p"):
        parent = p.getparent()
        if parent is None or id(parent) in seen:
            continue
        seen.add(id(parent))
        texts = [
            t
            for t in (_SPACES.sub(" ", c.text_content()).strip() for c in parent.iterchildren("p"))
            if t
        ]
        score = sum(len(t) for t in texts if _words(t) >= 8)
        if score > best[0]:
            best = (score, texts)
    return "\n".join(best[1]) if best[1] else None


def _fill_from_trafilatura(tree: HtmlElement, meta: dict[str, Any], keys: tuple[str, ...]) -> None:
    """Title, author, site (trafilatura's markup rules) and date (htmldate) where the page's
    explicit markup had none; each looked up only when missing (htmldate is the slow one)."""
    for key in keys:
        fn = _LOOKUPS[key]
        if meta.get(key):
            continue
        try:
            value = fn(tree)
        except Exception:  # these are defensive, but pages are wild
            continue
        if isinstance(value, str) and value.strip():
            meta[key] = value.replace("; ", ", ").strip() if key == "author" else value.strip()


def _htmldate(tree: HtmlElement) -> str | None:
    """The publication date htmldate finds in the page's text and markup (day precision)."""
    return find_date(tree, extensive_search=True, original_date=True)


_LOOKUPS = {
    "title": extract_title,
    "author": extract_author,
    "site_raw": extract_sitename,
    "published_raw": _htmldate,
}


# --------------------------------------------------------------------------- metadata


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        value = " ".join(value.split())  # str.split's white space is re's \s
        return value or None
    return None


def _first(*values: Any) -> str | None:
    for v in values:
        t = _text(v)
        if t:
            return t
    return None


def _ld_documents(tree: HtmlElement) -> Iterator[Any]:
    for script in tree.iterfind('.//script[@type="application/ld+json"]'):
        raw = (script.text or "").strip()
        if not raw:
            continue
        raw = raw.removeprefix("<!--").removesuffix("-->").strip()
        raw = raw.removeprefix("//<![CDATA[").removesuffix("//]]>").strip()
        try:
            yield json.loads(raw, strict=False)
        except json.JSONDecodeError:
            try:  # trailing commas are the most common JSON-LD syntax error
                yield json.loads(re.sub(r",\s*([}\]])", r"\1", raw), strict=False)
            except json.JSONDecodeError:
                continue


def _ld_objects(value: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    """Every JSON object in a JSON-LD document (``@graph`` and nested lists included)."""
    if depth > 6:
        return
    if isinstance(value, list):
        for v in value:
            yield from _ld_objects(v, depth + 1)
    elif isinstance(value, dict):
        yield value
        for key in ("@graph", "mainEntity", "itemListElement"):
            if key in value:
                yield from _ld_objects(value[key], depth + 1)


def _types(obj: dict[str, Any]) -> set[str]:
    t = obj.get("@type")
    names = t if isinstance(t, list) else [t]
    return {n.rsplit("/", 1)[-1] for n in names if isinstance(n, str)}


def _ld_names(value: Any, index: dict[str, dict[str, Any]], depth: int = 0) -> list[str]:
    """Names from an author / publisher value: a string, an object, an @id, or a list."""
    if depth > 3 or value is None:
        return []
    if isinstance(value, list):
        return [n for v in value for n in _ld_names(v, index, depth + 1)]
    if isinstance(value, dict):
        name = value.get("name")
        ref = value.get("@id")
        if name is None and isinstance(ref, str) and ref in index:
            return _ld_names(index[ref], index, depth + 1)
        if isinstance(name, list):
            return _ld_names(name, index, depth + 1)
        value = name
    t = _text(value)
    return [t] if t and not _URL_LIKE.search(t) else []


def _ld_url(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("@id") or value.get("url")
    if isinstance(value, list) and value:
        value = value[0]
    return _text(value)


def _ld_article(tree: HtmlElement) -> dict[str, Any]:
    """The page's article as JSON-LD describes it (the first article-typed object)."""
    objects = [o for doc in _ld_documents(tree) for o in _ld_objects(doc)]
    index = {o["@id"]: o for o in objects if isinstance(o.get("@id"), str)}
    article = next((o for o in objects if _types(o) & ARTICLE_TYPES), None)
    if article is None:
        return {}
    keywords = article.get("keywords")
    if isinstance(keywords, list):
        keywords = ", ".join(str(k) for k in keywords)
    section = article.get("articleSection")
    if isinstance(section, list):
        section = ", ".join(str(s) for s in section)
    image = article.get("image")
    if isinstance(image, list) and image:
        image = image[0]
    if isinstance(image, dict):
        image = image.get("url")
    body = _text(article.get("articleBody")) and str(article["articleBody"]).strip()
    authors = list(dict.fromkeys(_ld_names(article.get("author"), index)))
    publisher = _ld_names(article.get("publisher"), index)
    if not publisher:
        publisher = [n for o in objects if _types(o) & {"WebSite"} for n in _ld_names(o, index)]
    return {
        "title": _first(article.get("headline"), article.get("name")),
        "author": ", ".join(authors) or None,
        "published_raw": _first(article.get("datePublished"), article.get("dateCreated")),
        "date_modified": _text(article.get("dateModified")),
        "site_raw": publisher[0] if publisher else None,
        "language_raw": _text(article.get("inLanguage")),
        "description": _text(article.get("description")),
        "url": _ld_url(article.get("url")) or _ld_url(article.get("mainEntityOfPage")),
        "section": _text(section),
        "keywords": _text(keywords),
        "image": _text(image),
        "_ld_body": body or None,
    }


def _meta_tags(tree: HtmlElement) -> dict[str, str]:
    """``<meta>`` name/property/itemprop/http-equiv (lower case) → content (first wins)."""
    out: dict[str, str] = {}
    for m in tree.iter("meta"):
        content = m.get("content")
        if not content or not content.strip():
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = m.get(attr)
            if key:
                out.setdefault(key.strip().lower(), content.strip())
    return out


def _absolute(link: str | None, base: str | None) -> str | None:
    if not link:
        return None
    link = link.strip()
    if urlsplit(link).scheme in ("http", "https"):
        return link
    if base and urlsplit(base).scheme in ("http", "https"):
        return urljoin(base, link)
    return None


#: Author names in markup, most explicit first.
_BYLINE_XPATHS = tuple(
    XPath(xp)  # ``.//*[@rel="author"]`` and so on, attributes first (see ``_EASER``)
    for xp in (
        './/*/@rel[. = "author"]/..',
        './/*/@itemprop[. = "author"]/..//*/@itemprop[. = "name"]/..',
        './/*/@class[contains(., "author") and contains(., "name")]/..',
    )
)


def _byline_from_markup(tree: HtmlElement) -> str | None:
    for xp in _BYLINE_XPATHS:
        found = [_text(e.text_content()) for e in xp(tree)]
        names = [n for n in found if n and len(n) < 60 and not _URL_LIKE.search(n)]
        if names:
            return ", ".join(dict.fromkeys(names))
    return None


def page_metadata(tree: HtmlElement, url: str | None = None) -> dict[str, Any]:
    """Title, author, dates, site, language, description, canonical URL and more, from
    JSON-LD first, then OpenGraph / article:* / meta tags, then plain markup."""
    ld = _ld_article(tree)
    m = _meta_tags(tree)
    root = tree.getroottree().getroot()
    canonical = next(
        (
            link.get("href")
            for link in tree.iter("link")
            if (link.get("rel") or "").lower() == "canonical" and link.get("href")
        ),
        None,
    )
    h1 = next((_text(h.text_content()) for h in tree.iter("h1")), None)
    title_tag = next((_text(t.text_content()) for t in tree.iter("title")), None)
    time_el = next((t.get("datetime") for t in tree.iter("time") if t.get("datetime")), None)
    site = _first(ld.get("site_raw"), m.get("og:site_name"), m.get("application-name"))
    title = _first(ld.get("title"), m.get("og:title"), m.get("twitter:title"), h1)
    if not title and title_tag:
        title, named = _split_title_tag(tree, title_tag, site)
        site = site or named
    elif title:
        title = strip_site_suffix(title, site)
    author = _first(
        ld.get("author"),
        m.get("author") if not _URL_LIKE.search(m.get("author", "")) else None,
        m.get("article:author") if not _URL_LIKE.search(m.get("article:author", "")) else None,
        m.get("dcterms.creator"),
        m.get("dc.creator"),
        m.get("parsely-author"),
        m.get("sailthru.author"),
        m.get("byl", "").removeprefix("By ") or None,
    ) or _byline_from_markup(tree)
    published = _first(
        ld.get("published_raw"),
        m.get("article:published_time"),
        m.get("og:published_time"),
        m.get("datepublished"),
        m.get("parsely-pub-date"),
        m.get("sailthru.date"),
        m.get("dcterms.date"),
        m.get("dc.date"),
        m.get("dc.date.issued"),
        m.get("pubdate"),
        m.get("publishdate"),
        m.get("publish-date"),
        m.get("date"),
        time_el,
    )
    language = _first(
        ld.get("language_raw"),
        root.get("lang"),
        root.get("{http://www.w3.org/XML/1998/namespace}lang"),
        m.get("og:locale"),
        m.get("content-language"),
        m.get("language"),
        m.get("dc.language"),
    )
    return {
        "title": title,
        "author": author,
        "published_raw": published,
        "date_modified": _first(ld.get("date_modified"), m.get("article:modified_time")),
        "site_raw": site,
        "language_raw": language,
        "description": _first(
            ld.get("description"),
            m.get("og:description"),
            m.get("description"),
            m.get("twitter:description"),
        ),
        "url": _absolute(canonical, url)
        or _absolute(m.get("og:url"), url)
        or _absolute(ld.get("url"), url),
        "section": _first(ld.get("section"), m.get("article:section")),
        "keywords": _first(ld.get("keywords"), m.get("news_keywords"), m.get("keywords")),
        "image": _first(ld.get("image"), m.get("og:image")),
        "_ld_body": ld.get("_ld_body"),
    }


_TITLE_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " · ")


def _split_title_tag(tree: HtmlElement, title: str, site: str | None) -> tuple[str, str | None]:
    """A ``<title>`` "Site - Headline" on a page without other title markup → (headline,
    site): the part the page repeats in its text is the headline, the other the site."""
    stripped = strip_site_suffix(title, site)
    if stripped != title or site:
        return stripped, None
    for sep in _TITLE_SEPARATORS:
        if sep not in title:
            continue
        first, _, rest = title.partition(sep)
        body = tree.find("body")
        text = _SPACES.sub(" ", body.text_content()) if body is not None else ""
        for head, other in ((rest, first), (first, rest)):
            if len(head.split()) >= 4 and len(other.split()) <= 5 and head.strip() in text:
                return head.strip(), other.strip()
    return title, None


def strip_site_suffix(title: str, site: str | None) -> str:
    """ "Headline | Site" / "Site - Headline" → "Headline" (the site name when known, else a
    short trailing part after a pipe)."""
    for sep in _TITLE_SEPARATORS:
        if sep not in title:
            continue
        head, _, tail = title.rpartition(sep)
        first, _, rest = title.partition(sep)
        if site and _norm(tail) == _norm(site):
            return head.strip()
        if site and _norm(first) == _norm(site):
            return rest.strip()
        if not site and sep == " | " and len(tail.split()) <= 4 and len(head.split()) >= 4:
            return head.strip()
    return title


# --------------------------------------------------------------------------- body clean-up


def _norm(text: str) -> str:
    return _SPACES.sub(" ", text.lower()).strip(_STRIP)


def _norm_line(line: str) -> str:
    """``_norm`` of a line whose white space is already single spaces."""
    return line.lower().strip(_STRIP)


def _unlisted(line: str) -> str:
    """The line without a leading list mark ("- ", "• ")."""
    return _LIST_MARK.sub("", line) if line[:1] in _LIST_MARKS else line


def _shingles(text: str, n: int = 3) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    if len(words) < n:
        return {tuple(words)} if words else set()
    return set(zip(*(words[i:] for i in range(n)), strict=False))  # each run of n words


@dataclass(frozen=True)
class Furniture:
    """``furniture.csv`` compiled for body lines: exact phrases, one prefix alternation and
    the regexes, per action (``drop`` | ``end``)."""

    exact: dict[str, str]  # normalised phrase → action
    prefix: dict[str, re.Pattern[str]]  # action → one anchored alternation
    anchored: dict[str, re.Pattern[str]]  # action → the ``^`` regexes as one alternation
    floating: dict[str, tuple[re.Pattern[str], ...]]  # action → the other regexes
    #: the same with ``re.MULTILINE``, to search all of a page's lines at once (None for a
    #: regex whose match on one line might not carry over to the joined lines)
    floating_joined: dict[str, tuple[re.Pattern[str] | None, ...]] = field(default_factory=dict)
    #: per floating regex, strings (lower case) one of which each of its matches contains
    floating_literals: dict[str, tuple[tuple[str, ...] | None, ...]] = field(default_factory=dict)

    def for_lines(self, lines: list[str]) -> Furniture:
        """The floating regexes narrowed to those matching somewhere in ``lines`` (one
        search per regex over the joined lines instead of one per line). A regex that
        matches a line matches the lines joined with newlines in multiline mode: ``^``,
        ``$`` and ``\\b`` see a line's ends alike, ``.`` does not cross a newline."""
        if not self.floating_joined:
            return self
        joined = "\n".join(lines)
        folded = joined.lower()
        if not joined.isascii() and any(c in joined for c in _RE_CASE_EXTRA_CHARS):
            folded = joined.translate(_RE_CASE_EXTRA).lower()
        return replace(
            self,
            floating={
                action: tuple(
                    rx
                    for rx, whole, literals in zip(
                        rxs,
                        self.floating_joined[action],
                        self.floating_literals[action],
                        strict=True,
                    )
                    if (literals is None or any(lit in folded for lit in literals))
                    and (whole is None or whole.search(joined))
                )
                for action, rxs in self.floating.items()
            },
        )


#: Letters for Rust's ``\p{L}`` / ``\p{Lu}`` in Python's ``re`` (Latin, Greek, Cyrillic).
_LETTER = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u0370-\u03ff\u0400-\u04ff"
_UPPER = "A-Z\u00c0-\u00d6\u00d8-\u00de\u0391-\u03a9\u0400-\u042f"


def python_regex(pattern: str) -> re.Pattern[str] | None:
    r"""A furniture regex (Rust syntax, as the Polars stages use it) compiled for ``re``:
    ``(?-u:\b)`` → ``\b``, ``\p{L}`` / ``\p{Lu}`` → explicit letter ranges. None when
    ``re`` cannot compile it."""
    out: list[str] = []
    i, in_class = 0, False
    while i < len(pattern):
        if pattern.startswith("(?-u:\\b)", i):
            out.append("\\b")
            i += len("(?-u:\\b)")
            continue
        for prop, letters in (("\\p{Lu}", _UPPER), ("\\p{L}", _LETTER)):
            if pattern.startswith(prop, i):
                out.append(letters if in_class else f"[{letters}]")
                i += len(prop)
                break
        else:
            c = pattern[i]
            if c == "\\" and i + 1 < len(pattern):
                out.append(pattern[i : i + 2])
                i += 2
                continue
            if c == "[" and not in_class:
                in_class = True
                out.append(c)
                if pattern.startswith("^]", i + 1) or pattern.startswith("]", i + 1):
                    n = 3 if pattern[i + 1] == "^" else 2
                    out.append(pattern[i + 1 : i + n])
                    i += n
                    continue
            elif c == "]" and in_class:
                in_class = False
                out.append(c)
            else:
                out.append(c)
            i += 1
    try:
        return re.compile("".join(out), re.IGNORECASE)
    except re.error:
        return None


@lru_cache(maxsize=4)
def load_furniture(reference_dir: Path) -> Furniture:
    """Read ``furniture.csv`` (header ``pattern,match,...,action``; ``#`` lines skipped)."""
    path = reference_dir / "furniture.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(ln for ln in fh if ln.strip() and not ln.startswith("#")))
    exact: dict[str, str] = {}
    prefixes: dict[str, list[str]] = {"drop": [], "end": []}
    regex: dict[str, list[str]] = {"drop": [], "end": []}
    for row in rows:
        pattern, match, action = row.get("pattern") or "", row.get("match"), row.get("action")
        if action not in ("drop", "end") or not pattern.strip():
            continue
        if match == "exact":
            exact[_norm(pattern)] = action
        elif match == "prefix":
            p = pattern.strip()
            prefixes[action].append(re.escape(p) + (r"\b" if re.match(r"\w", p[-1]) else ""))
        elif match == "regex":
            compiled = python_regex(pattern)
            if compiled is not None:  # a row re cannot read must not stop reading pages
                regex[action].append(compiled.pattern)
    floating = {
        a: tuple(re.compile(p, re.IGNORECASE) for p in ps if not p.startswith("^"))
        for a, ps in regex.items()
    }
    return Furniture(
        exact=exact,
        prefix={
            a: re.compile("^(?:" + "|".join(sorted(ps, key=len, reverse=True)) + ")", re.I)
            for a, ps in prefixes.items()
            if ps
        },
        anchored=_alternations(regex, anchored=True),
        floating=floating,
        floating_joined={
            a: tuple(
                None
                if _LINE_LOCAL.search(rx.pattern)
                else re.compile(rx.pattern, re.IGNORECASE | re.MULTILINE)
                for rx in rxs
            )
            for a, rxs in floating.items()
        },
        floating_literals={
            a: tuple(required_literals(rx.pattern) for rx in rxs) for a, rxs in floating.items()
        },
    )


#: Characters that ``re.IGNORECASE`` matches to an ASCII letter beyond ``str.lower``.
_RE_CASE_EXTRA = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})
_RE_CASE_EXTRA_CHARS = "\u0130\u0131\u017f\u212a"


def required_literals(pattern: str) -> tuple[str, ...] | None:
    """Lower-case strings one of which every match of ``pattern`` (case-insensitive)
    contains, the most selective such set found in its syntax tree; None when there is
    none (or the pattern cannot be parsed). A cheap test before a slow regex scan."""
    try:
        parsed = importlib.import_module("re._parser").parse(pattern, re.IGNORECASE)
    except Exception:  # another Python's private parser, or a pattern it rejects
        return None
    found = _sequence_literals(parsed)
    return max(found, key=lambda lits: min(map(len, lits)), default=None)


def _literal_char(op: Any, av: Any) -> str | None:
    """A literal's character when case-insensitive matching of it is ``str.lower`` after
    ``_RE_CASE_EXTRA``: ASCII, or a character without case."""
    if str(op) != "LITERAL":
        return None
    c = chr(av)
    if c.isascii() or (not c.isalpha() and c.lower() == c == c.upper()):
        return c.lower()
    return None


def _sequence_literals(seq: Any) -> list[tuple[str, ...]]:
    """Alternative sets of required strings in a concatenation: runs of literals, the
    leading literals of every branch of an alternation, and those inside groups and
    repeats that must match at least once."""
    out: list[tuple[str, ...]] = []
    run: list[str] = []
    for op, av in seq:
        c = _literal_char(op, av)
        if c is not None:
            run.append(c)
            continue
        if run:
            out.append(("".join(run),))
            run = []
        name = str(op)
        if name == "SUBPATTERN":
            out.extend(_sequence_literals(av[-1]))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") and av[0] >= 1:
            out.extend(_sequence_literals(av[2]))
        elif name == "BRANCH":
            leads = []
            for alt in av[1]:
                lead = ""
                for op2, av2 in alt:
                    c2 = _literal_char(op2, av2)
                    if c2 is None:
                        break
                    lead += c2
                leads.append(lead)
            if all(leads):
                out.append(tuple(leads))
    if run:
        out.append(("".join(run),))
    return out


#: Regex syntax that can tell one line from the same line among others (lookarounds see
#: past a line's end, ``\A`` / ``\Z``, atomic groups and possessive quantifiers).
_LINE_LOCAL = re.compile(r"\(\?[=!<>]|\\[AZz]|[*+?}]\+")


def _alternations(regex: dict[str, list[str]], *, anchored: bool) -> dict[str, re.Pattern[str]]:
    """Anchored regexes fail fast as one alternation; floating ones are faster one by one
    (an alternation defeats ``re``'s literal-prefix search)."""
    out = {}
    for action, patterns in regex.items():
        chosen = [p for p in patterns if p.startswith("^") == anchored]
        if chosen:
            out[action] = re.compile("|".join(f"(?:{p})" for p in chosen), re.IGNORECASE)
    return out


def _furniture() -> Furniture:
    return load_furniture(get_settings().reference_dir)  # the same Path: its hash is cached


#: Prefix phrases only count on lines up to this many words (as in the text-dump rules).
PREFIX_MAX_WORDS = 30
#: Exact and regex furniture only on lines up to this many words (body paragraphs are
#: longer; inserts, captions and promos shorter).
FURNITURE_MAX_WORDS = 30


def furniture_action(line: str, fur: Furniture | None = None) -> str | None:
    """``"end"`` (an end-of-article marker), ``"drop"`` (furniture) or None for a body line."""
    text = _furniture_text(_SPACES.sub(" ", line))
    return None if text is None else _action(text, fur or _furniture())


def _furniture_text(line: str) -> str | None:
    """The line as the furniture rules see it; None when it is too long to be furniture
    (or a table row)."""
    text = _unlisted(line.strip())
    if text.count(" ") + 1 > FURNITURE_MAX_WORDS or text.startswith("|"):
        return None
    return text


def _action(text: str, fur: Furniture) -> str | None:
    """``furniture_action`` of a line from ``_furniture_text`` (single-spaced)."""
    n = text.count(" ") + 1
    norm = _norm_line(text)
    for action in ("end", "drop"):
        if (
            fur.exact.get(norm) == action
            or (n <= PREFIX_MAX_WORDS and action in fur.prefix and fur.prefix[action].match(text))
            or (action in fur.anchored and fur.anchored[action].match(text))
            or any(rx.search(text) for rx in fur.floating.get(action, ()))
        ):
            return action
    return None


def clean_paragraphs(
    text: str,
    *,
    title: str | None = None,
    author: str | None = None,
    reference_text: str | None = None,
) -> list[str]:
    """Extracted text → article paragraphs without page furniture (see the module doc)."""
    return _clean(text, title=title, author=author, reference_text=reference_text)[0]


def _clean(
    text: str,
    *,
    title: str | None,
    author: str | None,
    reference_text: str | None,
) -> tuple[list[str], str | None]:
    """(paragraphs, the name in a byline line removed from the head of the text)."""
    paras = [" ".join(ln.split()) for ln in text.splitlines()]  # _SPACES.sub, stripped
    paras = [p for p in paras if p]
    words = {p: _words(p) for p in paras}  # each paragraph's count, asked in several steps
    paras, byline = _drop_head(paras, title, author, words)
    texts = [_furniture_text(p) for p in paras]
    fur = _furniture().for_lines([t for t in texts if t is not None])
    actions = [None if t is None else _action(t, fur) for t in texts]
    total = sum(words[p] for p in paras) or 1
    kept: list[str] = []
    for i, (p, action) in enumerate(zip(paras, actions, strict=True)):
        if action == "end" and kept:
            tail = sum(words[q] for q in paras[i + 1 :])
            if tail <= END_MARKER_MAX_TAIL * total:
                break
            continue
        if action is None:
            kept.append(p)
    kept = _drop_repeats(kept, words)
    if reference_text:
        kept = _keep_reference_blocks(kept, reference_text)
    return kept, byline


_BYLINE_WORD = re.compile(r"(?i)^(?:by|written by|words by|reported by|von|par|por)\s+")
_BYLINE_SPLIT = re.compile(r"[,|•·]|\s[-–—]\s")


def byline_name(line: str) -> str | None:
    """ "By Tom Hale, 14 October 2025" → "Tom Hale": a byline line without "By" and without
    the parts that carry digits (dates, times)."""
    line = line.strip()
    if not _BYLINE.match(line):
        return None
    parts = [q.strip() for q in _BYLINE_SPLIT.split(_BYLINE_WORD.sub("", line))]
    kept = [q for q in parts if q and not any(c.isdigit() for c in q)]
    return ", ".join(kept).strip(" .") or None


def _drop_head(
    paras: list[str], title: str | None, author: str | None, words: dict[str, int] | None = None
) -> tuple[list[str], str | None]:
    """Leading lines that repeat the title, are a byline or a date stamp, or are short
    labels (a kicker, a menu) before the first sentence-like paragraph; and the name in a
    byline line among them."""
    t = _norm(title) if title else None
    a = _norm(author) if author else None
    count = words.__getitem__ if words is not None else _words
    first_long = next(
        (i for i, p in enumerate(paras[:MAX_HEAD_LINES]) if count(p) >= LONG_PARAGRAPH_WORDS),
        None,
    )
    byline: str | None = None
    i = 0
    while i < len(paras) - 1:
        p = paras[i]
        n = count(p)
        is_byline = n <= 12 and _BYLINE.match(p) is not None and not p.endswith(".")
        if is_byline and byline is None:
            byline = byline_name(p)
        head_like = (
            (t is not None and _norm_line(p) == t)
            or (n <= 12 and _DATE_LINE.match(p) is not None)
            or is_byline
            or (a is not None and n <= 10 and _norm_line(p).startswith(a))
        )
        label = (
            first_long is not None
            and i < first_long
            and n <= SHORT_LABEL_WORDS
            and not _SENTENCE_END.search(p)
        )
        if not (head_like or label):
            break
        i += 1
    return paras[i:], byline


def _drop_repeats(paras: list[str], words: dict[str, int] | None = None) -> list[str]:
    """Exact repeats, and short paragraphs whose text is part of a longer one (pull quotes)."""
    count = words.__getitem__ if words is not None else _words
    norms = [_norm_line(_unlisted(p)) for p in paras]
    # each distinct paragraph once: a text found twice is also part of another paragraph
    distinct = "\x00".join(dict.fromkeys(norms))
    out = []
    seen: set[str] = set()
    for p, n in zip(paras, norms, strict=True):
        if n in seen:
            continue
        seen.add(n)
        if (
            count(p) <= PULL_QUOTE_MAX_WORDS
            and len(n) >= 20
            and "\x00" not in n
            and distinct.count(n) > 1
        ):
            continue
        out.append(p)
    return out


def _keep_reference_blocks(paras: list[str], reference: str) -> list[str]:
    """With a full-text JSON-LD articleBody: drop leading and trailing blocks that are not
    part of it (a standfirst, promos, an author box). Skipped when articleBody is a teaser
    (it lacks most of the text); blocks of one or two words (credit lines) always stay."""
    ref = _shingles(reference)
    sh = [_shingles(p) for p in paras]
    total = sum(len(s) for s in sh)
    if not total or sum(len(s & ref) for s in sh) < LD_FULL_TEXT_SHARE * total:
        return paras

    def foreign(i: int) -> bool:
        s = sh[i]
        return _words(paras[i]) >= 3 and len(s & ref) < LD_BLOCK_MIN_SHARE * len(s)

    start, end = 0, len(paras)
    while start < end and foreign(start):
        start += 1
    while end > start and foreign(end - 1):
        end -= 1
    return paras[start:end]
