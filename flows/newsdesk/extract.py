"""Extract stage: raw records → title, author, body without furniture, counts, date, credit.

``extract(records)`` takes ``schema.RAW_RECORD`` rows and returns ``schema.EXTRACTED`` rows.

Text dumps (a browser copy of a whole news page) go through a line classifier. Every line of
every record in the batch becomes one row of a Polars frame (doc, line number, text); features
and labels are Polars expressions over that frame, so a batch is classified at once. The work
is split by what it depends on:

- what depends on a line's text alone (its shape, furniture phrases, date / byline / counter /
  credit regexes, the copyright line's publisher) is worked out once per *distinct* text of
  the batch (menus, share buttons, footers and teasers repeat across a site's pages) in a
  frame keyed by the text's id ``tid``; the lines get only its numbers and flags (and ``nid``,
  an id of the normalised text, so that per-page repeats, breadcrumb echoes, the masthead and
  learnt site lines compare integers), while the strings stay there until the few header
  lines that need them join them back; the stopword share is worked out once per distinct
  (text, page language);
- what depends on context is computed over the lines in doc order with segment-aware shifts,
  running sums and look-aheads (``_near``, ``_doc_cum_sum``, ``_last_before``,
  ``_first_after``, ``_within_next``) and batch-wide run ids, not window functions per doc;
- per-doc fields (dates, bylines, credits) are cleaned once per distinct value, and credit
  markers are only looked for on each body's first and last lines; text and JSON records
  share those passes.

Regexes cost their compilation on every call: Polars keeps only 32 compiled regexes per
thread and a call uses about 100, so each is compiled anew (some take milliseconds: Unicode
classes, bounded repeats; ``fast_regex`` makes digits and word boundaries ASCII and letters
Latin, Greek and Cyrillic ranges, which cut the costliest from 13 ms to 1). A regex is
therefore used once per call where it can be (one pass for both kinds of record, one
stopword regex for the page language), and a regex that only rewrites some lines runs on
those lines alone (``_masked``). ``extract`` runs on a Polars pool thread
(``polars_pool.on_polars_pool``), where Polars' parallel sections run in place; its fixed
cost per call is ~100 ms of CPU on one thread (2026-12-07).

The steps:

1. **features** per line: word and character counts, sentence-final punctuation, the share of
   stopwords of the page's language (``data/reference/stopwords/<lang>.txt``; the language is
   the one whose stopwords are most frequent in the page's longer lines), share of capitalised
   words and of digits, furniture-phrase matches (``data/reference/furniture.csv``), desk
   bylines (``data/reference/desk_bylines.csv``), repetition inside the file (lines the page
   repeats, pull quotes that repeat the paragraph next to them), the publisher's name (masthead),
   date / view / comment-counter / byline / credit shapes;
2. **base labels**: furniture, end (an end-of-article marker such as "Most read" after some
   body text, and everything after it), counter, credit, byline, date, source name, text;
3. **context smoothing**: meta lines (byline, date, counter, credit) and blocks of short
   headline-like lines split the page into runs; the body is the run with the most
   sentence-like text (ends like a sentence, enough stopwords), from its first to its last
   sentence-like line, so short lines between body paragraphs (quotes, crossheads) stay while
   furniture and inserts ("Also read: ...") inside it are dropped; a list introduced by a line
   ending in ":" belongs to the paragraph before it;
4. **header**: the title is the heading-like line before the body that the breadcrumb or the
   page repeats, or that sits just above the byline / date, else the best heading-like
   candidate; bylines, dates, view and comment counts come from the meta lines; relative
   dates ("2 hours ago", "vor 3 Stunden", "ieri alle 22:45") are resolved against the record's
   ``fetched_at``, and dates that the normalise stage cannot read (other languages' month
   names, "14h20", "Uhr") are rewritten as ISO 8601 in ``published_raw``;
5. **credits**: a leading dateline ``KYIV (AP) —`` (its place → ``dateline_place``), a
   standalone credit line ``(BBC)``, ``— Reuters``, ``Source: AFP``, ``with agencies``, a trailing
   ``(Reuters)`` and a byline ``By AFP`` resolve through the source registry
   (``data/reference/sources.csv``) to one canonical name; the markers are removed from the body.

``site_furniture`` (from ``learn_site_furniture`` over many dumps of one site) adds lines that
a site repeats on many pages to the furniture.

JSON records keep their fields; only step 5 runs over their body, and their author is cleaned
like a byline ("By Ana Ruiz and Tom Hale" → "Ana Ruiz, Tom Hale").
``explain(raw_text)`` shows the label of every line and why.
"""

from __future__ import annotations

import csv
import re
import re._parser as _sre_parser  # the regex parser of the standard library (Python 3.11+)
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import polars as pl

from newsdesk import schema
from newsdesk.letters import LOWER, UPPER
from newsdesk.polars_pool import on_polars_pool
from newsdesk.settings import get_settings

LABELS = ("title", "byline", "date", "counter", "body", "furniture", "credit", "blank")
#: A line's label while it is classified (``base``, then ``label``): an Enum, so that the many
#: comparisons with it compare integers, not strings.
_LINE_LABEL = pl.Enum([*LABELS, "text", "end", "srcname", "numeric"])


def _label(name: str) -> pl.Expr:
    return pl.lit(name, dtype=_LINE_LABEL)


#: Longest line (in words) still looked at as a possible header / meta line.
META_MAX_WORDS = 16
#: Longest line (in words) that a ``prefix`` furniture phrase may start.
PREFIX_MAX_WORDS = 30
#: Longest line (in words) that ``regex`` furniture patterns are tried on.
REGEX_MAX_WORDS = 60
#: A body-like line: ends like a sentence and has at least this many words ...
STRONG_MIN_WORDS = 6
#: ... or is this long whatever its ending ...
LONG_LINE_WORDS = 25
#: ... and, when the page's language is known, this share of its words are stopwords.
MIN_STOPWORD_SHARE = 0.12
#: A page whose lines of this many words or more have fewer stopwords than ...
DOC_SHARE_MIN_WORDS = 12
#: ... this share is in a language without a list.
DOC_STOPWORD_SHARE = 0.08
#: A "related" box inside the article: the article goes on within this many lines after it.
SOFT_END_LOOKAHEAD = 8
#: This many consecutive short non-sentence lines split the page (menus, link lists).
SHORT_BLOCK_LINES = 5
SHORT_BLOCK_MAX_WORDS = 15
#: A title candidate has at most this many words.
TITLE_MAX_WORDS = 30
#: Items of a list introduced by a line ending in ":" have at most this many words.
LIST_ITEM_MAX_WORDS = 40
#: Characters of a page's longer lines used to tell its language.
LANGUAGE_SAMPLE_CHARS = 300


_LETTER_RANGES = {"Lu": UPPER, "Ll": LOWER, "L": UPPER + LOWER}


def _fast_escape(pattern: str, i: int, depth: int) -> tuple[str, int]:
    """``fast_regex`` of the escape at ``pattern[i]`` (a backslash), inside a character class
    when ``depth``: (its replacement, the index after it)."""
    letters = re.match(r"p\{(Lu|Ll|L)\}", pattern[i + 1 :])
    if letters:
        ranges = _LETTER_RANGES[letters.group(1)]
        return (ranges if depth else f"[{ranges}]"), i + 1 + letters.end()
    escaped = pattern[i + 1]
    if escaped == "d":
        return ("0-9" if depth else "[0-9]"), i + 2
    if escaped == "D" and not depth:
        return "[^0-9]", i + 2
    if escaped == "b" and not depth and not pattern.endswith("(?-u:", 0, i):
        return "(?-u:\\b)", i + 2
    return pattern[i : i + 2], i + 2


def fast_regex(pattern: str) -> str:
    r"""A regex rewritten to compile and run fast: word boundaries and digits as ASCII
    (``\b`` → ``(?-u:\b)``, ``\d`` → ``[0-9]``, ``\D`` → ``[^0-9]``) and the letter classes
    ``\p{L}``, ``\p{Lu}``, ``\p{Ll}`` as Latin, Greek and Cyrillic ranges (``newsdesk.letters``),
    inside a character class or out of one.

    A Unicode word boundary stops Rust's lazy DFA on non-ASCII text (curly quotes, accents)
    and makes a regex ~10x slower. Unicode ``\d`` and letter classes are hundreds of ranges,
    and a regex repeating them (``[^\d/.!?]{1,40}``) takes Polars milliseconds to compile: on
    every call, because its cache keeps 32 regexes per thread and a call of ``extract`` uses
    about 100 (the breadcrumb pattern: 13 ms → 1 ms; a byline pattern 4.2 → 0.5 ms). Dates,
    times and counts are read as ASCII numbers in any case, so other scripts' digits never
    made a date or a count.
    """
    out: list[str] = []
    depth = 0  # inside a character class (classes nest in Rust's syntax)
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            text, i = _fast_escape(pattern, i, depth)
            out.append(text)
            continue
        out.append(char)
        i += 1
        if char == "[":
            if depth == 0 or pattern.startswith(":", i):  # a class, or "[:alpha:]" in one
                depth += 1
                if pattern.startswith("^", i):
                    out.append("^")
                    i += 1
                if pattern.startswith("]", i) and depth == 1:  # "[]...]": a literal "]"
                    out.append("]")
                    i += 1
            else:
                depth += 1
        elif char == "]" and depth:
            depth -= 1
    return "".join(out)


_QUOTE_CLOSE = "\"'”’»)\\]"
#: Quotation marks that can open a line (a headline that starts with a quoted title).
_OPEN_QUOTES = "\"'“‘«„‚‹"
#: Sentence-final punctuation, perhaps followed by a short credit "(AP)" or "— AFP".
_ENDS_SENTENCE = (
    rf"[.!?…][{_QUOTE_CLOSE}]*"
    r"(?:\s*[(\[][^()\[\]]{1,40}[)\]]|\s+[—–-]{1,2}\s*[A-Z][A-Za-z .-]{0,30})?$"
)
_ENDS_PERIOD = rf"[^.]\.[{_QUOTE_CLOSE}]*$"
_STRIP = " :.!|•·"

#: Month names and abbreviations → month number; English ones are left for the normalise
#: stage to parse, the others make extract rewrite the date as ISO 8601.
MONTHS_EN = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4,
    "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11,
    "november": 11, "dec": 12, "december": 12,
}  # fmt: skip
MONTHS_OTHER = {
    # de
    "januar": 1, "jänner": 1, "februar": 2, "märz": 3, "mär": 3, "mai": 5, "juni": 6,
    "juli": 7, "okt": 10, "oktober": 10, "dezember": 12, "dez": 12,
    # fr
    "janvier": 1, "janv": 1, "février": 2, "févr": 2, "fév": 2, "mars": 3, "avril": 4,
    "avr": 4, "juin": 6, "juillet": 7, "juil": 7, "août": 8, "septembre": 9,
    "octobre": 10, "novembre": 11, "décembre": 12, "déc": 12,
    # es
    "enero": 1, "ene": 1, "febrero": 2, "marzo": 3, "abril": 4, "abr": 4, "mayo": 5,
    "junio": 6, "julio": 7, "agosto": 8, "ago": 8, "septiembre": 9, "setiembre": 9,
    "octubre": 10, "noviembre": 11, "diciembre": 12, "dic": 12,
    # it
    "gennaio": 1, "gen": 1, "febbraio": 2, "aprile": 4, "maggio": 5, "mag": 5,
    "giugno": 6, "giu": 6, "luglio": 7, "lug": 7, "settembre": 9, "set": 9,
    "ottobre": 10, "ott": 10, "dicembre": 12,
    # pt
    "janeiro": 1, "fevereiro": 2, "fev": 2, "março": 3, "maio": 5, "junho": 6,
    "julho": 7, "setembro": 9, "outubro": 10, "out": 10, "novembro": 11, "dezembro": 12,
    # nl
    "januari": 1, "februari": 2, "maart": 3, "mrt": 3, "mei": 5, "augustus": 8,
}  # fmt: skip
_MONTHS = "|".join(
    re.escape(m) + (r"\.?" if len(m) <= 4 else "")
    for m in sorted({**MONTHS_EN, **MONTHS_OTHER}, key=len, reverse=True)
)
_TIME = (
    r"(?:,?\s*(?:at\s+|um\s+|à\s+|a las\s+|alle\s+|às\s+|om\s+|-\s*|/\s*|\|\s*)?"
    r"\d{1,2}[:.h]\d{2}(?::\d{2})?(?:\s*[ap]\.?\s?m\.?)?(?:\s*uhr\b|\s*h\b)?"
    r"(?:\s*(?-i:[A-Z]{2,5})\b|\s*(?:GMT|UTC)\s*[+-]\s*\d{1,2}(?::?\d{2})?)?)?"
)
#: A date or timestamp inside a short line; the match is what ``published_raw`` keeps.
DATE_RE = fast_regex(
    r"(?i)(?:\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
    r"(?:\s*Z|\s*[+-]\d{2}:?\d{2}|\s*(?:UTC|GMT))?)?"
    rf"|\b(?:{_MONTHS})\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}{_TIME}"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th|\.)?\s+(?:de\s+)?(?:{_MONTHS})\s+(?:de\s+)?\d{{4}}{_TIME}"
    rf"|\b\d{{1,2}}[/.]\d{{1,2}}[/.]\d{{4}}{_TIME})"
)
#: Relative times ("5 hours ago", "vor 3 Stunden", "ieri") in seven languages.
_REL_UNITS = (
    r"sec|secs|second|seconds|min|mins|minute|minutes|hr|hrs|hour|hours|h|day|days|week|weeks|"
    r"month|months|year|years|sekunden?|minuten?|stunden?|tagen?|tag|wochen?|monate?n?|"
    r"jahren?|secondes?|heures?|jours?|semaines?|mois|ans?|segundos?|minutos?|horas?|días?|"
    r"dias?|semanas?|meses|mes|años?|anos?|secondi|minuti|ore|ora|giorni|giorno|settimane?|"
    r"mesi|mese|anni|anno|seconden|uur|uren|dagen|dag|weken|maanden|maand|jaar|jaren"
)
_REL_NUM = r"\d+|an?|one|eine[mnr]?|une?|una?|uma?|een"
_REL_WORD_UNIT = r"[a-zäöüéèêàáíóúñçã]{1,12}"
RELATIVE_DATE_RE = fast_regex(
    rf"(?i)(?:^|[\s(])(?:(?:{_REL_NUM})\s*{_REL_WORD_UNIT}\s+(?:ago|fa|geleden)"
    rf"|(?:vor|il y a|hace|há)\s+(?:{_REL_NUM})\s+{_REL_WORD_UNIT}"
    r"|today|yesterday|just now|heute|gestern|aujourd'hui|hier|hoy|ayer|hoje|ontem|oggi|ieri|"
    r"vandaag|gisteren)(?:$|[\s.,:)|•·])"
)
_REL_GROUPS = fast_regex(
    rf"(?i)(?:({_REL_NUM})\s*({_REL_UNITS})\s+(?:ago|fa|geleden)"
    rf"|(?:vor|il y a|hace|há|ha)\s+({_REL_NUM})\s+({_REL_UNITS}))"
)
_REL_DAY = fast_regex(
    r"(?i)\b(today|yesterday|just now|heute|gestern|aujourd'hui|hier|hoy|ayer|hoje|ontem|oggi|"
    r"ieri|vandaag|gisteren)\b(?:\D{0,8}(\d{1,2})[:.h](\d{2})(?:\s*([ap])\.?m\.?)?)?"
)
_REL_UNIT_SECONDS = (
    (r"^(?:sec|second|sekunde|seconde|segundo|secondi|seconden)", 1),
    (r"^(?:min|minute|minuto|minuti)", 60),
    (r"^(?:h$|hr|hour|stunde|heure|hora|ore$|ora$|uur|uren)", 3600),
    (r"^(?:day|tag|jour|día|dia|giorn|dag)", 86400),
    (r"^(?:week|woche|semaine|semana|settiman|weken)", 7 * 86400),
    (r"^(?:month|monat|mois|mes|mese|mesi|maand)", 30 * 86400),
    (r"^(?:year|jahr|an|ano|año|anno|anni|jaar)", 365 * 86400),
)
_DAY_WORD_OFFSET = {
    "today": 0, "just now": 0, "heute": 0, "aujourd'hui": 0, "hoy": 0, "hoje": 0,
    "oggi": 0, "vandaag": 0, "yesterday": -1, "gestern": -1, "hier": -1, "ayer": -1,
    "ontem": -1, "ieri": -1, "gisteren": -1,
}  # fmt: skip
#: Words that make a date line the modification date rather than the publication date.
UPDATED_RE = fast_regex(
    r"(?i)\b(?:updated|modified|edited|aktualisiert|mis à jour|actualizado|atualizad[oa]|"
    r"aggiornato|bijgewerkt|gewijzigd)\b"
)
#: "1,204 views", "Views: 15", "👁 1.2K views", "1.204 Aufrufe".
_VIEW_WORDS = (
    r"views?|page views|reads|hits|aufrufe|vues|visitas|visualizações|visualizzazioni|weergaven"
)
VIEW_RE = fast_regex(
    rf"(?i)(?:\b(?:{_VIEW_WORDS})\s*[:：-]?\s*"
    r"(\d[\d,.' ]*\d|\d)\s*([km])?\b|(?:^|[\s|•·👁])(\d[\d,.' ]*\d|\d)\s*([km])?\s*"
    rf"(?:{_VIEW_WORDS})\b)"
)
#: "23 comments", "Comments (17)", "Kommentare (8)", "3 thoughts on “…”": the comment count.
_COMMENT_WORDS = (
    r"comments?|kommentare?|commentaires?|comentarios?|comentários?|commenti|commento|"
    r"reacties|reactie|réactions?|responses?|replies|thoughts?"
)
COMMENT_RE = fast_regex(
    rf"(?i)^(?:(\d[\d,.]*)\s*({_COMMENT_WORDS})(?:\s+(?:on|to)\b.*)?"
    rf"|(?:(?:show|view|read|see|bekijk|ver)\s+)?(?:all\s+|alle\s+|todos los\s+)?"
    rf"(?:{_COMMENT_WORDS}|réagissez|join the conversation)\s*[(\[:]\s*(\d[\d,.]*)\s*[)\]]?)$"
)
#: A comment-count heading with its number on the line before ("31" / "Comments").
_COMMENT_WORD_LINE = rf"(?i)^(?:{_COMMENT_WORDS})$"
#: "By Jane Doe", "Written by ...", "Von ...", "Reporter: ...": group 1 is the name part.
BYLINE_RE = fast_regex(
    r"(?i)^(?:(?:by|written by|words by|reported by|posted by|story by|text by|von|par|por|door|"
    r"di)\s+|(?:by|author|authors|reporter|autor|auteur)\s*:\s*)((?-i:\p{Lu}).*)$"
)
#: Byline prefixes that are also ordinary words: the name part must look like a name.
_WEAK_BY_PREFIX = r"(?i)^(?:von|par|por|door|di)\s"
#: "Posted on September 14, 2025 by Dale Kowalchuk": a byline after the date.
BYLINE_TAIL_RE = fast_regex(
    r"(?i)^(?:posted|published|written|publié|publicado|pubblicato|veröffentlicht)\b.{0,60}?"
    r"\s(?:by|par|por|von|door|da)\s+((?-i:\p{Lu})[\p{L}'’.-]+(?:\s+(?-i:\p{Lu})[\p{L}'’.-]+){0,3})"
    r"\s*$"
)
#: A person's name alone on a line: 2–5 capitalised words, particles allowed.
NAME_RE = fast_regex(
    r"^(?:(?:Dr|Mr|Mrs|Ms|Prof)\.?\s+)?\p{Lu}[\p{L}'’.-]*"
    r"(?:\s+(?:\p{Lu}[\p{L}'’.-]*|de|da|del|der|di|van|von|bin|al|el|la|le|y|and|&)){1,4}"
    r"(?:\s+in\s+\p{Lu}[\p{L}'’.-]*(?:\s+\p{Lu}[\p{L}'’.-]*){0,2})?$"
)
_NAME_PART = fast_regex(
    r"^\p{Lu}[\p{L}'’.-]*(?:\s+(?:\p{Lu}[\p{L}'’.-]*|de|da|del|der|di|van|von|dos|das|do|le|la))"
    r"{1,4}(?:\s*(?:,|and|&|und|et|e|y|en)\s*\p{Lu}.*)?$"
)
#: "Grace Holloway Transport correspondent": a name, then the reporter's role.
_NAME_ROLE = fast_regex(
    r"^(\p{Lu}[\p{L}'’.-]+(?:\s+\p{Lu}[\p{L}'’.-]+){1,2}?)\s+(?:\p{Lu}[\p{L}-]*\s+){0,2}"
    r"(?:correspondent|editor|reporter|writer|columnist|critic)$"
)
#: Where a byline's name part ends: separators, dates, "Updated", "|", bullet.
_BYLINE_CUT = fast_regex(r"\s*(?:[|•·]|\s[-–—]\s|\b(?:updated|published|posted|on)\b\s*:?\s).*$")
#: "Shaun Walker in Kyiv": where the reporter filed from is not part of the name.
_AUTHOR_PLACE = fast_regex(r"\s+in\s+\p{Lu}[\p{L}.'’-]*(?:\s+\p{Lu}[\p{L}.'’-]*){0,2}$")
#: Between several authors of one byline.
_AUTHOR_SEP = r"\s*,\s*(?:and\s+|&\s*)?|\s+(?:and|&|und|et|e|y|en)\s+"
#: Breadcrumb trails: the text after the last separator.
_TRAIL_TAIL = r"(?:[»›]|\s>\s|\s/\s|&gt;)\s*([^»›]+?)\s*$"
#: Document title lines "Title | Site": the text before the first pipe.
_PIPE_HEAD = r"^(.+?)\s+\|\s+[^|]{2,60}$"
#: Datelines without a credit, all capitals: "NEW DELHI: ...", "GENOVA, 14 OTT - ...".
_DATELINE_PLAIN = fast_regex(
    r"^(\p{Lu}[\p{Lu}.'’-]+(?:\s+\p{Lu}[\p{Lu}.'’-]+){0,3})"
    r"(?:,\s*(?:\p{Lu}[\p{L}.]*\.?(?:\s+\d{1,2})?|\d{1,2}\s+\p{Lu}[\p{L}.]*))?"
    r"\s*(?:[—–:]|\s-|\s--)\s+(\p{Lu}.*)$"
)
#: A line that joins three or more items with " | ": a menu or a topics bar, never a title.
_MULTI_PIPE = r"\s\|\s.*\s\|\s"
#: A word that starts with a capital, perhaps after an opening quote or bracket.
_CAPITALISED_WORD = fast_regex(rf"(?:^|\s)[{_OPEN_QUOTES}(¿¡]?\p{{Lu}}")
#: A lower-case letter anywhere; two words in capitals.
_HAS_LOWER = fast_regex(r"\p{Ll}")
_TWO_CAPS_WORDS = fast_regex(r"\p{Lu}{2,}\s+\p{Lu}{2,}")

# --------------------------------------------------------------------------- reference data


@dataclass(frozen=True)
class Reference:
    """The extract stage's reference data, compiled to regexes and lookup sets."""

    furniture_exact: dict[str, tuple[str, str]]  # normalised phrase → (kind, act)
    # act: drop | end | soft (an end marker of kind "related": a box of links that may also
    # sit inside the article, see _classify)
    furniture_prefix: dict[str, str | None]  # act → one anchored regex
    # act → (characters one of which every match contains, or "" if unknown; regex): see
    # _regex_groups and _required_chars
    furniture_regex: dict[str, tuple[tuple[str, str], ...]]
    furniture_kinds: tuple[tuple[str, str, str], ...]  # (kind, action, regex) for explain
    desk_exact: frozenset[str]
    desk_regex: str | None
    source_map: dict[str, str]  # lower-case variant → canonical
    stopwords: dict[str, str]  # language → regex counting its stopwords in padded text
    stopword_langs: pl.DataFrame  # (word, lang): every stopword of every language's list
    insert_heads: frozenset[str]  # normalised insert / related headings ("also read", ...)
    # the same as Series, and the furniture regexes' required strings (see
    # _furniture_matches), built once: converting them from Python costs on every use
    lookups: dict[str, pl.Series]
    furniture_needles: pl.DataFrame  # (_n, _g): needle → group of regexes that needs it
    # act → one alternation of its start-anchored regexes that need a string (``_anchored``)
    furniture_anchored: dict[str, str | None]


def read_reference_csv(path: Path) -> list[dict[str, str]]:
    """Rows of a reference CSV: header first, ``#`` comment lines and blank lines skipped."""
    with path.open(encoding="utf-8", newline="") as fh:
        lines = [ln for ln in fh if ln.strip() and not ln.lstrip().startswith("#")]
    rows = list(csv.DictReader(lines))
    for i, row in enumerate(rows, 1):
        if None in row or any(v is None for v in row.values()):
            raise ValueError(f"{path}: data row {i} has the wrong number of fields: {row}")
    return [
        {k: (v or "").strip() if k != "pattern" else (v or "") for k, v in r.items()} for r in rows
    ]


def _norm_phrase(s: str) -> str:
    return re.sub(r"\s+", " ", s.lower()).strip(_STRIP)


def _check_regex(pattern: str, where: str) -> str:
    try:
        pl.Series([""]).str.contains(pattern)
    except Exception as exc:  # polars raises ComputeError subclasses for bad regexes
        raise ValueError(f"{where}: bad regex {pattern!r}: {exc}") from exc
    return pattern


def _prefix_regex(phrases: list[str]) -> str | None:
    if not phrases:
        return None
    parts = []
    for p in sorted(set(phrases), key=len, reverse=True):
        esc = re.escape(p.strip())
        parts.append(esc + (r"(?-u:\b)" if re.match(r"\w", p.strip()[-1]) else ""))
    return "(?i)^(?:" + "|".join(parts) + ")"


def _alternation(patterns: list[str]) -> str | None:
    return "(?i)(?:" + "|".join(f"(?:{p})" for p in patterns) + ")" if patterns else None


#: Marks the group of plain phrases among the (required characters, regex) pairs.
_LITERALS = "\x00literal"
#: Punctuation that is common in running text: a poor filter for which lines to try a regex on.
_COMMON_CHARS = frozenset(".,;'\"-()")


def _required_chars(pattern: str) -> str:
    r"""Literal strings one of which every match of ``pattern`` contains, joined by "\x01"
    ("" when none is known).

    Looked for in the pattern's top-level sequence: a run of literal characters ("cookie",
    " your inbox"), a group of alternatives that each hold one ("photo|image|credit"), or a
    class of punctuation characters (``[/›»]``). Letters count only in runs of three or more,
    single characters only when they are punctuation that running text rarely has. A line
    without any of the strings cannot match, so the regex need not run on it (the strings are
    compared case-insensitively for ASCII letters, as the furniture regexes are). Unicode
    classes (``\p{Lu}``) are read as any letter for this purpose."""
    src = re.sub(r"\\[pP]\{\w+\}", "a", pattern.replace("(?-u:\\b)", "\\b"))
    try:
        tree = _sre_parser.parse(src)
    except (re.error, ValueError, TypeError, OverflowError):
        return ""

    def runs(items: Any) -> list[frozenset[str]]:
        """Candidate sets of required strings in a sequence of parsed items."""
        found: list[frozenset[str]] = []
        run = ""

        def close() -> None:
            nonlocal run
            if len(run.strip()) >= 3 or (len(run) == 1 and not run.isalnum() and run != " "):
                found.append(frozenset({run.lower()}))
            run = ""

        for op, av in items:
            name = str(op)
            if name == "LITERAL":
                run += chr(av)
                continue
            if name == "BRANCH":
                # the parser moves a prefix common to all alternatives in front of them
                prefix, run = run, ""
                close()
                per_branch = [lead(prefix, branch) for branch in av[1]]
                if per_branch and all(per_branch):
                    found.append(frozenset().union(*per_branch))  # type: ignore[arg-type]
                continue
            close()
            if name == "IN":
                chars = {chr(v) for o, v in av if str(o) == "LITERAL"}
                if (
                    chars
                    and all(str(o) == "LITERAL" for o, _ in av)
                    and all(not c.isalnum() and not c.isspace() for c in chars)
                    and len(chars) <= 8
                ):
                    found.append(frozenset(chars))
            elif name == "SUBPATTERN":
                found += runs(av[-1])
            elif name in ("MAX_REPEAT", "MIN_REPEAT") and av[0] >= 1:
                found += runs(av[2])
        close()
        return found

    def lead(prefix: str, branch: Any) -> frozenset[str] | None:
        """One alternative's required strings: its leading literals after the common prefix,
        else the best set inside it."""
        text = prefix
        for op, av in branch:
            if str(op) != "LITERAL":
                break
            text += chr(av)
        if len(text.strip()) >= 3:
            return frozenset({text.lower()})
        return best(runs(branch))

    def best(cands: list[frozenset[str]]) -> frozenset[str] | None:
        good = [c for c in cands if c and not any(x in _COMMON_CHARS for x in c)]
        if not good:
            return None
        return max(good, key=lambda c: (min(len(x) for x in c), -len(c), sorted(c)))

    chosen = best(runs(tree))
    return "\x01".join(sorted(chosen)) if chosen else ""


def _regex_groups(patterns: list[str]) -> tuple[tuple[str, str], ...]:
    """(required characters, regex) pairs: regexes that need a character from a known set run
    alone, and only on lines with one of those characters; of the rest, cheap start-anchored
    regexes become one alternation (they fail fast) and the others run one by one.

    One big alternation of unanchored regexes, or of regexes with long bounded repeats
    (``.{0,120}``), outgrows the lazy DFA's cache and runs several times slower than the same
    regexes applied one by one.
    """

    literal = [p for p in patterns if not re.search(r"[\\^$.|?*+()\[\]{}]", p)]
    patterns = [p for p in patterns if p not in literal]
    needs = {p: _required_chars(p) for p in patterns}
    filtered = [(needs[p], _alternation([p]) or "") for p in patterns if needs[p]]
    rest = [p for p in patterns if not needs[p]]
    together = [p for p in rest if _cheap(p)]
    alone = [p for p in rest if not _cheap(p)]
    groups = [_alternation(together)] if together else []
    plain = [("", g) for g in [*groups, *(_alternation([p]) for p in alone)] if g]
    # plain phrases found anywhere in the line: one Aho-Corasick pass (see _features)
    phrases = [(_LITERALS, "\n".join(sorted({p.lower() for p in literal})))] if literal else []
    return tuple(plain + filtered + phrases)


@lru_cache(maxsize=4)
def load_reference(reference_dir: Path) -> Reference:
    """Load and compile furniture.csv, desk_bylines.csv, sources.csv and the stopword lists
    in ``stopwords/<lang>.txt`` (cached per folder)."""
    furn_path = reference_dir / "furniture.csv"
    exact: dict[str, tuple[str, str]] = {}
    prefixes: dict[str, list[str]] = {"drop": [], "end": [], "soft": []}
    regexes: dict[str, list[str]] = {"drop": [], "end": [], "soft": []}
    heads: set[str] = set()
    per_kind: dict[tuple[str, str], list[str]] = {}
    for i, row in enumerate(read_reference_csv(furn_path), 1):
        pattern, match, kind, action = row["pattern"], row["match"], row["kind"], row["action"]
        where = f"{furn_path} row {i}"
        if action not in ("drop", "end"):
            raise ValueError(f"{where}: action must be drop or end, not {action!r}")
        act = "soft" if action == "end" and kind == "related" else action
        if kind in ("insert", "related") and match in ("exact", "prefix"):
            heads.add(_norm_phrase(pattern))
        if match == "exact":
            exact[_norm_phrase(pattern)] = (kind, act)
            rx = "^" + re.escape(_norm_phrase(pattern)) + r"[\s:.!|•·]*$"
        elif match == "prefix":
            prefixes[act].append(pattern)
            rx = _prefix_regex([pattern]) or ""
        elif match == "regex":
            rx = fast_regex(_check_regex(pattern, where))
            regexes[act].append(rx)
        else:
            raise ValueError(f"{where}: match must be exact, prefix or regex, not {match!r}")
        per_kind.setdefault((kind, action), []).append(rx.removeprefix("(?i)"))
    desk_path = reference_dir / "desk_bylines.csv"
    desk_rows = read_reference_csv(desk_path)
    desk_exact = frozenset(_norm_phrase(r["pattern"]) for r in desk_rows if r["match"] == "exact")
    desk_rx = [
        fast_regex(_check_regex(r["pattern"], str(desk_path)))
        for r in desk_rows
        if r["match"] == "regex"
    ]
    src_rows = read_reference_csv(reference_dir / "sources.csv")
    source_map = {r["variant"].lower(): r["canonical"] for r in src_rows}
    regex_groups = {a: _regex_groups(p) for a, p in regexes.items()}
    exact_acts = {k: act for k, (_, act) in exact.items()}
    lookups = {
        "source_variants": pl.Series(list(source_map), dtype=pl.String),
        "source_canonical": pl.Series(list(source_map.values()), dtype=pl.String),
        "desk_exact": pl.Series(sorted(desk_exact), dtype=pl.String),
        "insert_heads": pl.Series(sorted(heads), dtype=pl.String),
        "exact_phrases": pl.Series(list(exact_acts), dtype=pl.String),
        "exact_acts": pl.Series(list(exact_acts.values()), dtype=pl.String),
    }
    return Reference(
        furniture_exact=exact,
        furniture_prefix={a: _prefix_regex(p) for a, p in prefixes.items()},
        furniture_regex=regex_groups,
        furniture_kinds=tuple(
            (kind, action, "(?i)(?:" + "|".join(f"(?:{p})" for p in pats) + ")")
            for (kind, action), pats in sorted(per_kind.items())
        ),
        desk_exact=desk_exact,
        desk_regex=_alternation(desk_rx),
        source_map=source_map,
        stopwords=_stopword_regexes(reference_dir / "stopwords"),
        stopword_langs=_stopword_langs(reference_dir / "stopwords"),
        insert_heads=frozenset(heads),
        lookups=lookups,
        furniture_needles=_needle_table(regex_groups),
        furniture_anchored={a: _anchored(g) for a, g in regex_groups.items()},
    )


def _cheap(rx: str) -> bool:
    """A furniture regex (as written, or as ``_alternation`` wraps it) that is anchored at the
    line start and has no long bounded repeat: it fails fast, also inside an alternation
    (see ``_regex_groups``)."""
    inner = rx.removeprefix("(?i)(?:(?:")
    return inner.startswith("^") and not re.search(r"\{\d*,\d{2,}\}", inner)


def _anchored(groups: tuple[tuple[str, str], ...]) -> str | None:
    """One case-insensitive alternation of an action's cheap regexes that need a string:
    anchored at the line start, they fail within a few characters on most lines, so they run
    on every line, and the needle scan (``_furniture_matches``) leaves their strings out."""
    parts = [rx.removeprefix("(?i)") for c, rx in groups if _in_anchored(c, rx)]
    return "(?i)(?:" + "|".join(parts) + ")" if parts else None


def _needs_scan(chars: str) -> bool:
    """A (required strings, regex) pair whose regex needs one of the strings."""
    return bool(chars) and chars != _LITERALS


def _in_anchored(chars: str, rx: str) -> bool:
    """A (required strings, regex) pair that ``_anchored`` runs on every line, so that the
    needle scan leaves it out."""
    return _needs_scan(chars) and _cheap(rx)


def _needle_table(regex_groups: dict[str, tuple[tuple[str, str], ...]]) -> pl.DataFrame:
    """(needle, group) for ``_furniture_matches``: the required strings of the regexes that
    need one (group: the strings joined), and the plain phrases of each action (group
    ``_LITERALS + action``: a line with one is a hit)."""
    pairs = {
        (n, c)
        for rxs in regex_groups.values()
        for c, rx in rxs
        if _needs_scan(c) and not _in_anchored(c, rx)
        for n in c.split("\x01")
    }
    for action, rxs in regex_groups.items():
        literal = [rx for c, rx in rxs if c == _LITERALS]
        pairs |= {(n, _LITERALS + action) for rx in literal for n in rx.split("\n")}
    return pl.DataFrame(sorted(pairs), schema={"_n": pl.String, "_g": pl.String}, orient="row")


def read_stopwords(folder: Path) -> dict[str, frozenset[str]]:
    """``<lang>.txt`` files of one lower-case word a line (``#`` comments) → {lang: words}."""
    out: dict[str, frozenset[str]] = {}
    for path in sorted(folder.glob("*.txt")):
        words = {
            w.strip().lower()
            for w in path.read_text(encoding="utf-8").splitlines()
            if w.strip() and not w.lstrip().startswith("#")
        }
        bad = [w for w in words if " " in w]
        if bad:
            raise ValueError(f"{path}: one word a line, not {bad[0]!r}")
        out[path.stem] = frozenset(words)
    return out


def _stopword_regexes(folder: Path) -> dict[str, str]:
    """Stopword lists → regexes counting whole words in *padded* text (see ``_padded``): every
    word is matched with the spaces around it, so no word-boundary assertion is needed."""
    lists = read_stopwords(folder) if folder.is_dir() else {}

    def rx(words: frozenset[str]) -> str:
        return (
            "(?i) (?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + ") "
        )

    out = {lang: rx(words) for lang, words in lists.items() if words}
    if lists:
        out[""] = rx(frozenset().union(*lists.values()))  # any language: pages of unknown language
    return out


def _stopword_langs(folder: Path) -> pl.DataFrame:
    """(word, lang) for every word of every stopword list."""
    lists = read_stopwords(folder) if folder.is_dir() else {}
    return pl.DataFrame(
        [(w, lang) for lang, words in lists.items() for w in sorted(words)],
        schema={"word": pl.String, "lang": pl.String},
        orient="row",
    )


def _reference() -> Reference:
    return load_reference(Path(get_settings().reference_dir))


# Credit shapes. The regexes capture the name and the source registry decides whether it is a
# source (``_canonical``): an alternation of every registry variant inside each regex would
# make each of them slow to compile, and Polars keeps only a few dozen compiled regexes.
_CREDIT_NAME = r"([^()\[\]]{1,40}?)"
#: Whole-line credits "(BBC)", "— Reuters", "Source: AFP"; group 1 is the name.
CREDIT_LINE_RES = (
    rf"(?i)^[(\[]\s*(?:source\s*:\s*|via\s+|courtesy\s*:?\s*)?{_CREDIT_NAME}\s*[)\]]\.?$",
    r"(?i)^[—–-]{1,2}\s*([^—–()\[\]]{1,40}?)\.?$",
    r"(?i)^(?:source|sources|courtesy|via|story source|quelle|fuente|fonte|bron)"
    rf"\s*[:：—–-]\s*{_CREDIT_NAME}\.?$",
)
#: "With inputs from PTI", "(with agencies)": group 1 starts with the name.
CREDIT_WITH_RE = fast_regex(
    r"(?i)^(?:[(\[]|[—–-]{1,2})?\s*(?:with (?:additional )?inputs? from|"
    r"with (?:additional )?reporting (?:from|by)|inputs? from|mit material von|with|avec)\s+"
    r"([^()\[\]]{1,80}?)[)\]]?\.?$"
)
#: "Source: Some Paper" with a name not in the registry.
CREDIT_UNKNOWN_RE = r"(?i)^(?:source|courtesy|fuente|fonte|quelle|bron)\s*:\s*([^:]{2,60}?)\.?$"
#: Leading "KYIV (AP) — ", "Madrid, 14 oct (EFE).- "; group 1 the place, group 2 the name.
DATELINE_RE = fast_regex(
    r"^(?:(\p{Lu}[^\s(,]*(?:\s+[^\s(,]+){0,3}?)(?:\s*,[^()\[\]]{0,40}?)?\s*)?"
    r"[(\[]\s*([^()\[\]]{1,40}?)\s*[)\]]\s*(?:\.?\s*[—–-]+|:)\s*"
)
#: Trailing "(Reuters)", "— AFP", "with agencies" at the end of the last paragraph.
CREDIT_TAIL_RES = (
    r"(?i)\s*[(\[]\s*(?:with inputs from |with |source:\s*)?([^()\[\]]{1,40}?)\s*[)\]]\.?\s*$",
    r"(?i)\s+[—–-]{1,2}\s*([^—–()\[\]]{1,40}?)\.?\s*$",
    fast_regex(
        r"(?i)\s*[—–-]?\s*\bwith (?:inputs from |agency inputs from )?([^()\[\].,;—–]{1,40}?)"
        r"\.?\s*$"
    ),
)
#: "Jane Doe, Reuters": group 1 the outlet after the name.
BYLINE_SOURCE_RE = r"(?i)\s*[,/|]\s*(?:the\s+)?([^,/|]{1,40}?)\s*$"
#: "MARISOL TREJO Associated Press": a name in capitals (group 1), then an outlet (group 2).
CAPS_BYLINE_RE = fast_regex(
    r"^(\p{Lu}[\p{Lu}'’.-]+(?:\s+\p{Lu}[\p{Lu}'’.-]+)+)\s+(?:[Tt]he\s+)?(\p{Lu}\p{Ll}.*)$"
)


def _canonical(expr: pl.Expr, ref: Reference) -> pl.Expr:
    """A credited name → its canonical source name from the registry, else null."""
    return (
        expr.str.to_lowercase()
        .str.replace_all(r"\s+", " ")
        .str.strip_chars(" .")
        .replace_strict(
            ref.lookups["source_variants"],
            ref.lookups["source_canonical"],
            default=None,
            return_dtype=pl.String,
        )
    )


def _known(expr: pl.Expr, ref: Reference) -> pl.Expr:
    """The name itself when the registry knows it, else null."""
    return pl.when(_canonical(expr, ref).is_not_null()).then(expr)


def _lead_variant(expr: pl.Expr, ref: Reference) -> pl.Expr:
    """The longest registry variant (up to four words) that the text starts with."""
    heads = [expr.str.extract(rf"^(\S+(?:\s+\S+){{{k - 1}}})", 1) for k in (4, 3, 2, 1)]
    return pl.coalesce([_known(h, ref) for h in heads])


def _credit_line(expr: pl.Expr, ref: Reference) -> pl.Expr:
    """A whole-line credit ("(BBC)", "— Reuters", "With inputs from PTI") → the variant."""
    return pl.coalesce(
        [_known(expr.str.extract(p, 1), ref) for p in CREDIT_LINE_RES]
        + [_lead_variant(expr.str.extract(CREDIT_WITH_RE, 1), ref)]
    )


# --------------------------------------------------------------------------- line features


def _lines(docs: pl.DataFrame, column: str) -> pl.DataFrame:
    """One row per line: doc, line_no (0-based), text (stripped), blank."""
    return (
        docs.select(
            "doc",
            # one Aho-Corasick pass: line breaks to "\n", zero-width spaces and BOMs removed
            pl.col(column)
            .fill_null("")
            .str.replace_many(
                ["\r\n", "\r", "\u200b", "\ufeff"], ["\n", "\n", "", ""], leftmost=True
            )
            .str.split("\n")
            .alias("text"),
        )
        .with_columns(pl.int_ranges(0, pl.col("text").list.len()).alias("line_no"))
        .explode("text", "line_no")
        .with_columns(pl.col("text").str.strip_chars())
        .with_columns((pl.col("text").str.len_bytes() == 0).alias("blank"))
    )


def _masked(cond: pl.Expr, text: pl.Expr, op: Callable[[pl.Expr], pl.Expr]) -> pl.Expr:
    """``op(text)`` where ``cond`` holds, null elsewhere. ``op`` sees "" on the other rows: a
    column merely masked to null still holds its strings, and string kernels such as regexes
    run over them all; an empty string costs nothing."""
    return pl.when(cond).then(op(pl.when(cond).then(text).otherwise(pl.lit(""))))


@cache
def _groups_expr(column: str, pattern: str, mask: str | None = None) -> pl.Expr:
    """``extract_groups(pattern)`` of a column (only where the boolean column ``mask`` holds,
    as ``_masked``), built once per process: building the expression compiles the regex in
    Python to name its groups, about 1 ms each time."""
    if mask is None:
        return pl.col(column).str.extract_groups(pattern)
    return _masked(pl.col(mask), pl.col(column), lambda x: x.str.extract_groups(pattern))


def _contains(pattern: str) -> Callable[[pl.Expr], pl.Expr]:
    def op(text: pl.Expr) -> pl.Expr:
        return text.str.contains(pattern)

    return op


def _extract(pattern: str, group: int = 1) -> Callable[[pl.Expr], pl.Expr]:
    def op(text: pl.Expr) -> pl.Expr:
        return text.str.extract(pattern, group)

    return op


def _replace(pattern: str) -> Callable[[pl.Expr], pl.Expr]:
    def op(text: pl.Expr) -> pl.Expr:
        return text.str.replace(pattern, "")

    return op


def _padded(text: pl.Expr) -> pl.Expr:
    """ " a  b  c ": every word between two spaces of its own, for the stopword regexes."""
    return pl.concat_str(pl.lit(" "), text.str.replace_all(" ", "  ", literal=True), pl.lit(" "))


def _doc_language(nl: pl.DataFrame, ref: Reference) -> pl.DataFrame:
    """(doc, lang): the language whose stopwords are most frequent in the page's longer lines
    (the first ``LANGUAGE_SAMPLE_CHARS`` characters of them); "" when no list fits. Counted
    once per distinct sample."""
    langs = [k for k in ref.stopwords if k]
    if not langs:
        return nl.select("doc").unique().with_columns(pl.lit("").alias("lang"))
    sample = (
        nl.filter(pl.col("n_words") >= 8)
        .group_by("doc")
        .agg(pl.col("text").head(3).str.join(" ").str.slice(0, LANGUAGE_SAMPLE_CHARS).alias("s"))
    )
    sample = sample.with_columns(pl.col("s").rank("dense").alias("_i"))
    distinct = sample.unique("_i")
    # one pass of the regex of all lists' words; each word found counts for every language
    # whose list has it (a word is one space-delimited token, so the matches are the same
    # tokens that each language's own regex would count)
    found = (
        distinct.select("_i", _padded(pl.col("s")).str.extract_all(ref.stopwords[""]).alias("word"))
        .explode("word")
        .drop_nulls("word")
        # lower case as the regex's case folding has it ("ſ" folds to "s"; for the letters of
        # the lists nothing else differs, see tests)
        .with_columns(
            pl.col("word")
            .str.strip_chars(" ")
            .str.to_lowercase()
            .str.replace_all("ſ", "s", literal=True)
        )
        .join(ref.stopword_langs, on="word", how="inner")
        .group_by("_i", "lang")
        .agg(pl.len().alias("n"))
    )
    # the most frequent language; the first in name order wins ties; at least three words
    best = found.group_by("_i").agg(
        pl.col("lang").sort_by("n", "lang", descending=[True, False]).first(),
        pl.col("n").max(),
    )
    best = best.select("_i", pl.when(pl.col("n") >= 3).then(pl.col("lang")).otherwise(pl.lit("")))
    return sample.join(best, on="_i", how="left").select("doc", pl.col("lang").fill_null(""))


#: Characters at the start of a line that the stopword share is measured on.
STOPWORD_SAMPLE_CHARS = 150
#: Cues of a relative date; the regex runs only on short lines that contain one.
_RELATIVE_CUES = [
    "ago", "vor ", "il y a", "hace ", "há ", " fa", "geleden", "today", "yesterday", "just now",
    "heute", "gestern", "aujourd", "hier", "hoy", "ayer", "hoje", "ontem", "oggi", "ieri",
    "vandaag", "gisteren",
]  # fmt: skip
#: A breadcrumb / pipe-title separator: the trail regexes run only on lines with one.
_SEPARATORS = [" | ", "»", "›", " > ", " / ", "&gt;"]
#: Where a standalone credit line can start: the credit regexes run only on such lines.
_CREDIT_START = (
    r"(?i)^(?:[(\[—–-]|(?:source|sources|courtesy|via|story source|quelle|fuente|fonte|bron|"
    r"with|inputs?|mit|avec)(?-u:\b))"
)


def _features(
    lines: pl.DataFrame, ref: Reference, site_norm: bool = False, keep_all: bool = False
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Per non-blank line: shape features and the furniture / meta matches.

    Everything that depends on a line's text alone is worked out once per *distinct* text of
    the batch (``_line_shapes``: menus, share buttons, footers and teasers repeat across a
    site's pages, and a batch holds many pages of few sites); the lines get the text's id
    ``tid`` and the numeric and boolean shapes gathered by it, while the strings that only a
    few lines need (dates, bylines, credits) stay in the distinct-text frame, to be joined by
    ``tid`` where needed. The stopword share needs the page's language too and is worked out
    once per distinct (text, language). ``site_norm``: also normalise lines up to
    ``SITE_LINE_MAX_WORDS`` words (for matching learnt site furniture).

    Lines that an exact furniture phrase marks "drop" (menus, share buttons) only count: they
    are see-through for everything after, so they leave the frame (unless ``keep_all``, for
    ``explain``). Returns the lines, (doc, n_dropped), the distinct-text frame (by ``tid``)
    and (doc, publisher): the name the page's first copyright line gives."""
    nl = lines.filter(~pl.col("blank")).select("doc", "line_no", "text")
    tid, uniq = _text_ids(nl.get_column("text"))
    shapes = _line_shapes(uniq, ref, SITE_LINE_MAX_WORDS if site_norm else META_MAX_WORDS)
    nl = pl.concat(
        [
            nl.select(
                pl.col("doc").set_sorted(),
                "line_no",
                "text",
                # a line's index among its doc's non-blank lines
                _doc_row_index().alias("idx"),
            ),
            shapes.select(_ROW_SHAPES)[tid],
        ],
        how="horizontal",
    ).with_columns(tid)
    dropped = (
        nl.filter(pl.col("_drop")).group_by("doc").agg(pl.len().cast(pl.Int64).alias("n_dropped"))
    )
    publishers = (
        nl.filter(pl.col("_copyright"))
        .select("doc", "tid")
        .join(shapes.select("tid", "publisher").drop_nulls(), on="tid", maintain_order="left")
        .group_by("doc", maintain_order=True)
        .agg(pl.col("publisher").first())
    )
    if not keep_all:
        nl = nl.filter(~pl.col("_drop") | pl.col("insert_head"))
    else:
        dropped = dropped.clear()
    nl = nl.join(_doc_language(nl, ref), on="doc", how="left", maintain_order="left")
    nl = nl.with_columns(pl.col("lang").fill_null(""))
    sw = _stopword_share(nl, uniq, ref, every_line=keep_all)
    nl = nl.join(sw, on=["tid", "lang"], how="left", maintain_order="left")
    nl = nl.with_columns(
        pl.col("doc").set_sorted(),
        pl.col("n_stop").fill_null(0),
        pl.col("sw_share").fill_null(0.0),
    ).drop("_drop", "_copyright")
    return nl, dropped, shapes, publishers


def _text_ids(text: pl.Series) -> tuple[pl.Series, pl.DataFrame]:
    """Each row's id among the distinct values of ``text`` (``tid``, in order of first
    appearance) and those values (tid, text).

    Numbered by the values' 64-bit hashes (a hash table of integers is several times
    cheaper than one of strings); checked by comparing every row with its id's text, and
    numbered by the strings themselves in the (unlikely) case two texts share a hash."""
    h = text.hash().to_frame("_h")
    first = h.with_row_index("_r").unique("_h", keep="first", maintain_order=True)
    uniq = text.gather(first.get_column("_r")).to_frame("text").with_row_index("tid")
    tid = h.join(
        first.with_row_index("tid").select("_h", "tid"), on="_h", how="left", maintain_order="left"
    ).get_column("tid")
    if (uniq.get_column("text").gather(tid) == text).all():
        return tid, uniq
    uniq = text.unique(maintain_order=True).to_frame("text").with_row_index("tid")
    tid = (
        text.to_frame("text")
        .join(uniq, on="text", how="left", maintain_order="left")
        .get_column("tid")
    )
    return tid, uniq


#: Shapes of a distinct text that every line gets (the others stay in the distinct-text frame).
_ROW_SHAPES = (
    "n_words", "n_chars", "ends_sentence", "ends_period", "ends_colon", "nid", "_drop",
    "furn_drop", "furn_end", "furn_soft", "insert_head", "shape", "name_like", "multi_pipe",
    "desk", "echo_nid", "echo2_nid", "mast_nid", "dated", "_copyright", "capitalised",
)  # fmt: skip
#: A line's label from its text alone, before the furniture and context checks.
_SHAPES = pl.Enum(["counter", "credit", "byline", "date", "srcname", "numeric"])


def _line_shapes(uniq: pl.DataFrame, ref: Reference, norm_words: int) -> pl.DataFrame:
    """(tid, text) of distinct line texts → their shape features and furniture / meta matches,
    in ``tid`` order.

    Regexes only see the lines they can match, in filtered sub-frames (a regex over a column
    whose other rows are merely masked to null still runs on every row): lines that an exact
    furniture phrase already explains are left out, meta regexes see short lines, and most of
    them only the short lines with a digit, a separator or a credit-like start; each furniture
    regex that needs one of a few characters only sees the lines with one.

    ``nid`` numbers the distinct normalised texts (``norm``), so that per-page repeats,
    breadcrumb echoes, the masthead and learnt site lines compare integers, not strings:
    ``echo_nid`` / ``echo2_nid`` are the ids of a breadcrumb's last item and of a pipe title's
    head; ``mast_nid`` numbers the norms without a leading "the" (``mast_key``)."""
    t = pl.col("text")
    nw = pl.col("n_words")
    u = uniq.with_columns(
        # words ≈ spaces + 1 (lines are stripped; counting "\s+" costs 4x more, and the
        # regex " " finds spaces faster than the literal search)
        (t.str.count_matches(" ") + 1).cast(pl.Int64).alias("n_words"),
        t.str.len_chars().cast(pl.Int64).alias("n_chars"),
        # regexes anchored at the end: the engine searches backwards from it
        t.str.contains(_ENDS_SENTENCE).alias("ends_sentence"),
        t.str.contains(_ENDS_PERIOD).alias("ends_period"),
        t.str.ends_with(":").alias("ends_colon"),
    )
    u = u.with_columns(_masked(nw <= norm_words, t, _norm_line).alias("norm")).with_columns(
        pl.col("norm")
        .replace_strict(
            ref.lookups["exact_phrases"],
            ref.lookups["exact_acts"],
            default=None,
            return_dtype=pl.String,
        )
        .alias("_exact")
    )
    # lines no exact furniture phrase explains: furniture regexes and meta shapes
    res = u.filter(pl.col("_exact").is_null() & (nw <= REGEX_MAX_WORDS)).select(
        "tid", "text", "n_words", "norm", "n_chars"
    )
    furn = _furniture_matches(res, ref)
    meta = _meta_features(res.filter(nw <= META_MAX_WORDS), ref)
    u = u.join(furn.join(meta, on="tid", how="left"), on="tid", how="left")
    flags = {"furn_drop": "drop", "furn_end": "end", "furn_soft": "soft"}
    u = u.with_columns(
        *[
            ((pl.col("_exact") == act) | pl.col(name)).fill_null(False).alias(name)
            for name, act in flags.items()
        ],
        (pl.col("_exact") == "drop").fill_null(False).alias("_drop"),
        pl.col("norm")
        .is_in(ref.lookups["insert_heads"].implode())
        .fill_null(False)
        .alias("insert_head"),
        (pl.col("norm").is_in(ref.lookups["desk_exact"].implode()) | pl.col("desk"))
        .fill_null(False)
        .alias("desk"),
        pl.when((nw <= 5) & pl.col("norm").is_in(ref.lookups["source_variants"].implode()))
        .then(pl.col("norm"))
        .alias("bare_variant"),
        *[pl.col(c).fill_null(False) for c in _META_FLAGS],
        pl.col("digit_share").fill_null(0.0),
    )
    short = nw <= META_MAX_WORDS
    by_ok = pl.col("by_name").is_not_null() & (
        ~pl.col("by_weak")
        | pl.col("by_name").str.replace(_BYLINE_CUT, "").str.contains(_NAME_PART)
        | _norm_line(pl.col("by_name")).is_in(ref.lookups["desk_exact"].implode())
    )
    is_by = (
        (by_ok & (nw <= 12) & ~(pl.col("ends_period") & (nw > 6)))
        | pl.col("by_tail").is_not_null()
        | pl.col("by_role").is_not_null()
    )
    is_date = (
        (pl.col("date_text").is_not_null() | pl.col("relative_date"))
        & short
        & ~(pl.col("ends_sentence") & (nw >= 8))
    )
    is_counter = pl.col("view_num").is_not_null() & (nw <= 6)
    is_credit = pl.col("credit_variant").is_not_null() | pl.col("credit_unknown").is_not_null()
    shape = (
        pl.when(is_counter)
        .then(pl.lit("counter"))
        .when(is_credit)
        .then(pl.lit("credit"))
        .when(is_by | pl.col("desk"))
        .then(pl.lit("byline"))
        .when(is_date)
        .then(pl.lit("date"))
        .when(pl.col("bare_variant").is_not_null())
        .then(pl.lit("srcname"))
        # "2 / 12", "1 2 3 Next", "2025": page numbers and counters, not text
        .when(pl.col("digit_share") >= 0.5)
        .then(pl.lit("numeric"))
        .cast(_SHAPES)
    )
    u = u.with_columns(
        shape.alias("shape"),
        # a date or a view count: a header line that furniture also matched may still give one
        (pl.col("date_text").is_not_null() | pl.col("view_num").is_not_null()).alias("dated"),
    )
    # half the words or more capitalised (counted on lines that can be titles)
    can_title = (nw >= 2) & (nw <= TITLE_MAX_WORDS) & ~pl.col("ends_period")
    n_caps = _masked(can_title, t, lambda x: x.str.count_matches(_CAPITALISED_WORD))
    u = u.with_columns(
        (n_caps.cast(pl.Float64) / nw.cast(pl.Float64) >= 0.5).fill_null(False).alias("capitalised")
    )
    # the publisher a copyright line names ("© 2025 The Harbour Post. All rights reserved."):
    # lines are stripped and hold no line break, so the regex can only match one that starts
    # with the cue; the cue is looked for in the first characters only
    cues = t.str.slice(0, len("copyright")).str.contains_any(
        ["©", "(c)", "copyright"], ascii_case_insensitive=True
    )
    u = u.with_columns(_masked(cues, t, _publisher).alias("publisher")).with_columns(
        pl.col("publisher").is_not_null().alias("_copyright")
    )
    nids = u.select(pl.col("norm").drop_nulls().unique()).with_row_index("nid")
    u = u.join(nids, on="norm", how="left")
    for name, expr in (("echo_nid", pl.col("trail_tail")), ("echo2_nid", pl.col("pipe_head"))):
        u = u.with_columns(expr.alias("_k")).join(
            nids.select(pl.col("norm").alias("_k"), pl.col("nid").alias(name)), on="_k", how="left"
        )
    # the masthead: the norm without a leading "the", numbered apart
    u = u.with_columns(pl.col("norm").str.replace(r"^the\s+", "").alias("mast_key"))
    keys = u.select(pl.col("mast_key").drop_nulls().unique()).with_row_index("mast_nid")
    u = u.join(keys, on="mast_key", how="left")
    return u.drop("_k").sort("tid")


def _doc_starts() -> pl.Expr:
    """True on the first row of each doc (rows are in doc order)."""
    return (pl.col("doc") != pl.col("doc").shift(1)).fill_null(True)


def _doc_ends() -> pl.Expr:
    """True on the last row of each doc."""
    return (pl.col("doc") != pl.col("doc").shift(-1)).fill_null(True)


def _near(x: pl.Expr, n: int) -> pl.Expr:
    """``x`` of the row ``n`` rows before (``n`` < 0: after) in the same doc, else null: a
    shift that does not cross into the next doc (cheaper than ``shift().over(doc)``)."""
    return pl.when(pl.col("doc") == pl.col("doc").shift(n)).then(x.shift(n))


def _doc_cum_sum(x: pl.Expr) -> pl.Expr:
    """Running sum of ``x`` within each doc."""
    cs = x.cum_sum()
    return cs - pl.when(_doc_starts()).then(cs - x).forward_fill()


def _groups(breaks: pl.Expr) -> pl.Expr:
    """Batch-wide ids of runs of rows: a new run at each ``breaks`` row and at each doc's
    first row; sorted, so windows over them are cheap."""
    return (breaks | _doc_starts()).cast(pl.Int32).cum_sum().set_sorted()


def _run_sum(x: pl.Expr, run: str) -> pl.Expr:
    """Sum of ``x`` (nulls as 0) over the run of rows that share the id in column ``run``
    (ids from ``_groups``: each run is contiguous). Running sums read at each run's ends: a
    window per run costs several times more when runs are many and short."""
    v = x.cast(pl.Int64).fill_null(0)
    cs = v.cum_sum()
    g = pl.col(run)
    at_end = pl.when((g != g.shift(-1)).fill_null(True)).then(cs).backward_fill()
    before = pl.when((g != g.shift(1)).fill_null(True)).then(cs - v).forward_fill()
    return at_end - before


def _last_before(x: pl.Expr) -> pl.Expr:
    """The last non-null boolean ``x`` before this row in the same doc, else null.

    As small integers: the previous row's value, -1 on each doc's first row (nothing came
    before it), filled forward over nulls; the fill cannot cross a doc start, which holds -1."""
    code = pl.when(_doc_starts()).then(pl.lit(-1, pl.Int8)).otherwise(x.cast(pl.Int8).shift(1))
    filled = code.forward_fill()
    return pl.when(filled >= 0).then(filled == 1)


def _first_after(x: pl.Expr) -> pl.Expr:
    """The first non-null boolean ``x`` after this row in the same doc, else null (see
    ``_last_before``)."""
    code = pl.when(_doc_ends()).then(pl.lit(-1, pl.Int8)).otherwise(x.cast(pl.Int8).shift(-1))
    filled = code.backward_fill()
    return pl.when(filled >= 0).then(filled == 1)


def _within_next(hit: pl.Expr, n: int, rows: pl.Expr | None = None) -> pl.Expr:
    """Whether one of the next ``n`` rows of the same doc has ``hit``; with ``rows`` (a
    boolean), counted among those rows only (and only true on them)."""
    keep = pl.lit(True) if rows is None else rows
    pos = keep.cast(pl.Int64).cum_sum()
    nxt = pl.when(keep & hit).then(pos).backward_fill().shift(-1)
    end = pl.when(_doc_ends()).then(pos).backward_fill()
    return (keep & (nxt <= pl.min_horizontal(pos + n, end))).fill_null(False)


def _doc_row_index() -> pl.Expr:
    """A row's index within its doc (rows in doc order): its row number minus that of the
    doc's first row (a window per doc costs far more)."""
    row = pl.int_range(pl.len(), dtype=pl.Int64)
    return row - pl.when(_doc_starts()).then(row).forward_fill()


def _doc_key(column: str) -> pl.Expr:
    """(doc, id column) as one integer key."""
    return pl.col("doc").cast(pl.UInt64) * (1 << 32) + pl.col(column).cast(pl.UInt64)


#: Boolean meta features (false for lines the meta regexes did not look at).
_META_FLAGS = ("relative_date", "by_weak", "name_like", "multi_pipe")


def _stopword_share(
    nl: pl.DataFrame, uniq: pl.DataFrame, ref: Reference, every_line: bool = False
) -> pl.DataFrame:
    """(tid, lang, n_stop, sw_share) for each distinct (text, page language) of lines whose
    share is read (``_base_labels``: lines of ``DOC_SHARE_MIN_WORDS`` words or more, and
    lines of ``STRONG_MIN_WORDS`` or more that end a sentence; ``every_line``: all lines of
    ``STRONG_MIN_WORDS`` or more, for ``explain``): stopwords of the language in the first
    ``STOPWORD_SAMPLE_CHARS`` characters, and their share of the words there."""
    nw = pl.col("n_words")
    read = (nw >= DOC_SHARE_MIN_WORDS) | pl.col("ends_sentence") | every_line
    pairs = nl.filter((nw >= STRONG_MIN_WORDS) & read).select("tid", "lang").unique()
    empty = pl.DataFrame(
        schema={"tid": pl.UInt32, "lang": pl.String, "n_stop": pl.Int64, "sw_share": pl.Float64}
    )
    if not ref.stopwords or pairs.height == 0:
        return empty
    sample = uniq["text"].gather(pairs["tid"]).str.slice(0, STOPWORD_SAMPLE_CHARS)
    # "  " in the padded sample = the sample's spaces = the bytes the padding added, less two
    sub = pairs.with_columns(_padded(pl.lit(sample)).alias("_sw")).with_columns(
        (pl.col("_sw").str.len_bytes().cast(pl.Int64) - sample.str.len_bytes().cast(pl.Int64) - 3)
        .clip(lower_bound=1)
        .alias("_words")
    )
    frames = [empty]
    for lang, rx in ref.stopwords.items():
        part = sub.filter(pl.col("lang") == lang)
        if part.height:
            counted = part.select(
                "tid",
                "lang",
                pl.col("_sw").str.count_matches(rx).cast(pl.Int64).alias("n_stop"),
                "_words",
            )
            frames.append(
                counted.select(
                    "tid", "lang", "n_stop", (pl.col("n_stop") / pl.col("_words")).alias("sw_share")
                )
            )
    return pl.concat(frames)


def _furniture_matches(res: pl.DataFrame, ref: Reference) -> pl.DataFrame:
    """(tid, furn_drop, furn_end, furn_soft) for every row of ``res`` (lines no exact phrase
    explains): prefix phrases, regexes, plain phrases found anywhere.

    A regex with required strings (``_required_chars``) only runs on the lines that hold one:
    one Aho-Corasick pass finds, for every line, which of all those strings it holds."""
    t = pl.col("text")
    nw = pl.col("n_words")
    out = res.select("tid")
    table = ref.furniture_needles
    needles = table["_n"].unique().sort().to_list()
    cands = pl.DataFrame(schema={"tid": pl.UInt32, "_g": pl.String, "text": pl.String})
    if needles:
        found = (
            res.select(
                "tid",
                t.str.extract_many(needles, ascii_case_insensitive=True, overlapping=True).alias(
                    "_n"
                ),
            )
            .filter(pl.col("_n").list.len() > 0)
            .explode("_n")
            .with_columns(pl.col("_n").str.to_lowercase())
        )
        cands = (
            found.join(table, on="_n", how="inner")
            .select("tid", "_g")
            .unique()
            .join(res.select("tid", "text"), on="tid", how="inner")
        )
    by_group = {str(k[0]): v for k, v in cands.partition_by("_g", as_dict=True).items()}
    hits: dict[str, list[pl.Series]] = {}
    for action in ("drop", "end", "soft"):
        cols: list[pl.Expr] = []
        prefix = ref.furniture_prefix[action]
        if prefix:
            cols.append(_masked(nw <= PREFIX_MAX_WORDS, t, _contains(prefix)))
        cols += [t.str.contains(rx) for chars, rx in ref.furniture_regex[action] if not chars]
        anchored = ref.furniture_anchored[action]
        if anchored:
            cols.append(t.str.contains(anchored))
        hits[action] = _needing_hits(action, ref, by_group)
        flag = pl.any_horizontal(cols).fill_null(False) if cols else pl.lit(False)
        out = out.with_columns(res.select(flag.alias(f"furn_{action}")).to_series())
    for action, matched in hits.items():
        if matched:
            rids = pl.concat(matched).implode()
            out = out.with_columns(
                (pl.col(f"furn_{action}") | pl.col("tid").is_in(rids)).alias(f"furn_{action}")
            )
    return out


def _needing_hits(
    action: str, ref: Reference, by_group: dict[str, pl.DataFrame]
) -> list[pl.Series]:
    """The tids of candidate lines (tid, _g, text; ``by_group``: by group of required
    strings) that a plain furniture phrase or a regex of ``action`` that needs a string
    (and is not one of the cheap ones in ``furniture_anchored``) matches."""
    t = pl.col("text")
    hits = []
    for chars, rx in ref.furniture_regex[action]:
        if not chars or _in_anchored(chars, rx):
            continue
        sub = by_group.get(_LITERALS + action if chars == _LITERALS else chars)
        if sub is not None and sub.height:
            hits.append(sub["tid"] if chars == _LITERALS else sub.filter(t.str.contains(rx))["tid"])
    return hits


def _meta_features(short: pl.DataFrame, ref: Reference) -> pl.DataFrame:
    """Meta shapes of short lines (``META_MAX_WORDS`` words at most, not exact furniture):
    dates, counters, bylines, credits, breadcrumb echoes. (tid, ...) for every row."""
    t = pl.col("text")
    nw = pl.col("n_words")

    def upto(words: int) -> pl.Expr:  # the text of lines up to this long, "" for the others
        return pl.when(nw <= words).then(t).otherwise(pl.lit(""))

    base = short.select(
        "tid",
        upto(12).str.extract(BYLINE_RE, 1).alias("by_name"),
        upto(12).str.contains(_WEAK_BY_PREFIX).alias("by_weak"),
        upto(7).str.contains(NAME_RE).alias("name_like"),
        upto(8).str.extract(_NAME_ROLE, 1).alias("by_role"),
        (upto(6).str.contains(ref.desk_regex) if ref.desk_regex else pl.lit(False)).alias("desk"),
    )
    # short lines with a digit: dates and counters
    digits = short.filter(t.str.contains(r"\d"))
    view = _groups_expr("text", VIEW_RE)
    comments = _groups_expr("text", COMMENT_RE)
    dig = digits.select(
        "tid",
        t.str.extract(DATE_RE, 0).alias("date_text"),
        pl.coalesce(view.struct.field("1"), view.struct.field("3")).alias("view_num"),
        pl.coalesce(view.struct.field("2"), view.struct.field("4")).alias("view_mult"),
        pl.coalesce(comments.struct.field("1"), comments.struct.field("3")).alias("comment_num"),
        upto(14).str.extract(BYLINE_TAIL_RE, 1).alias("by_tail"),
        (upto(4).str.count_matches(r"\d") / pl.col("n_chars")).fill_null(0.0).alias("digit_share"),
    )
    rel = short.filter(t.str.contains_any(_RELATIVE_CUES, ascii_case_insensitive=True)).select(
        "tid", t.str.contains(RELATIVE_DATE_RE).alias("relative_date")
    )
    sep = short.filter(t.str.contains_any(_SEPARATORS)).select(
        "tid",
        t.str.extract(_TRAIL_TAIL, 1)
        .str.to_lowercase()
        .str.strip_chars(_STRIP)
        .alias("trail_tail"),
        t.str.extract(_PIPE_HEAD, 1).str.to_lowercase().str.strip_chars(_STRIP).alias("pipe_head"),
        t.str.contains(_MULTI_PIPE).alias("multi_pipe"),
    )
    cred = short.filter((nw <= 10) & t.str.contains(_CREDIT_START)).select(
        "tid",
        _credit_line(t, ref).alias("credit_variant"),
        t.str.extract(CREDIT_UNKNOWN_RE, 1).alias("credit_unknown"),
    )
    out = base
    for part in (dig, rel, sep, cred):
        out = out.join(part, on="tid", how="left")
    return out


def _view_value(num: pl.Expr, mult: pl.Expr) -> pl.Expr:
    """'1,204' → 1204; '1.2' + 'k' → 1200."""
    scaled = (
        num.str.replace_all(r"[\s']", "").str.replace(",", ".").cast(pl.Float64, strict=False)
        * pl.when(mult.str.to_lowercase() == "m").then(1_000_000).otherwise(1_000)
    ).round(0)
    plain = num.str.replace_all(r"[^\d]", "").cast(pl.Int64, strict=False)
    return pl.when(mult.is_not_null()).then(scaled.cast(pl.Int64)).otherwise(plain)


# --------------------------------------------------------------------------- classification


def _classify(
    lines: pl.DataFrame,
    ref: Reference,
    site_lines: pl.DataFrame | None = None,
    keep_all: bool = False,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Label every non-blank line; returns the non-blank lines with ``label`` and helpers
    (without exact "drop" furniture unless ``keep_all``), (doc, n_dropped), the
    distinct-text frame and (doc, publisher) of ``_features``.

    The page's own name (from its copyright line): a line that only says it is the
    masthead. ``site_lines`` (doc, norm): lines the page's site repeats on
    many pages (``learn_site_furniture``): furniture.
    """
    f, dropped, shapes, publishers = _features(
        lines, ref, site_norm=site_lines is not None and site_lines.height > 0, keep_all=keep_all
    )
    nids = shapes.select("norm", "nid").drop_nulls()
    mast = shapes.select("mast_key", "mast_nid").drop_nulls()
    f = f.with_columns(
        _in_doc_set("mast_nid", _mastheads(publishers, mast)).alias("masthead"),
        _in_doc_set("nid", _site_nids(site_lines, nids)).alias("site_furniture"),
    )
    f = _base_labels(f)
    f = _body_runs(f)
    f = _header_lines(f)
    return f, dropped, shapes, publishers


def _in_doc_set(column: str, pairs: pl.DataFrame | None) -> pl.Expr:
    """Whether (doc, ``column``) is one of ``pairs`` (doc, id)."""
    if pairs is None or pairs.height == 0:
        return pl.lit(False)
    keys = pairs.select(_doc_key("id").alias("k")).to_series().unique()
    return _doc_key(column).is_in(keys.implode()).fill_null(False)


def _mastheads(publishers: pl.DataFrame | None, mast: pl.DataFrame) -> pl.DataFrame | None:
    """(doc, id): the id of each page's publisher name (as its copyright line has it, without
    a leading "The") among the lines' ``mast_key``."""
    if publishers is None or publishers.height == 0:
        return None
    key = (
        pl.col("publisher")
        .str.to_lowercase()
        .str.replace(r"^the\s+", "")
        .str.strip_chars(_STRIP)
        .alias("mast_key")
    )
    return (
        publishers.select("doc", key)
        .join(mast, on="mast_key", how="inner")
        .select("doc", pl.col("mast_nid").alias("id"))
    )


def _site_nids(site_lines: pl.DataFrame | None, nids: pl.DataFrame) -> pl.DataFrame | None:
    """(doc, id): the norm ids of the lines each page's site repeats on many pages."""
    if site_lines is None or site_lines.height == 0:
        return None
    return (
        site_lines.select("doc", "norm")
        .join(nids, on="norm", how="inner")
        .select("doc", pl.col("nid").alias("id"))
    )


def _base_labels(f: pl.DataFrame) -> pl.DataFrame:
    """Line features → ``base`` label (furniture / end / counter / credit / byline / date /
    srcname / text), ``strong_shape``, end markers, pull quotes, insert headlines."""
    doc = "doc"
    nw = pl.col("n_words")
    short = nw <= META_MAX_WORDS
    # the page's language decides whether stopwords can vouch for a line
    f = f.with_columns(
        (
            pl.when(nw >= DOC_SHARE_MIN_WORDS)
            .then(pl.col("sw_share"))
            .mean()
            .over(doc)
            .fill_null(0.0)
            >= DOC_STOPWORD_SHARE
        ).alias("use_sw"),
        (pl.col("shape") == "numeric").fill_null(False).alias("numeric"),
        # the same short line twice on the page: a heading the page echoes, or furniture
        (pl.col("nid").is_not_null() & _doc_key("nid").is_duplicated()).alias("dup"),
    )
    wordy = ~pl.col("use_sw") | (pl.col("sw_share") >= MIN_STOPWORD_SHARE)
    f = f.with_columns(
        (
            ((pl.col("ends_sentence") & (nw >= STRONG_MIN_WORDS)) | (nw >= LONG_LINE_WORDS)) & wordy
        ).alias("strong_shape")
    )
    strong_shape = pl.col("strong_shape")
    f = _pull_quotes(f)
    site_or_masthead = pl.col("masthead") | pl.col("pull_quote")
    # end markers count only once some body-like text came before them; a "related" box ends
    # the article unless the article goes on after it: two sentence-like lines in a row within
    # the next lines (a box of teasers alternates headline and sentence)
    counted = (strong_shape & ~pl.col("furn_drop")).cast(pl.Int32)
    nf_strong = pl.when(~pl.col("furn_drop")).then(strong_shape)
    f = f.with_columns(
        (_doc_cum_sum(counted) - counted).alias("_seen"),
        (strong_shape & _first_after(nf_strong).fill_null(False)).alias("_pair"),
        # the headline after a bare "Also read" / "Mehr zum Thema" heading is part of the insert
        (
            _near(pl.col("insert_head"), 1).fill_null(False)
            & ~strong_shape
            & (nw <= 20)
            & ~pl.col("insert_head")
        ).alias("insert_target"),
    )
    goes_on = _within_next(pl.col("_pair"), SOFT_END_LOOKAHEAD)
    f = f.with_columns(
        ((pl.col("furn_end") | (pl.col("furn_soft") & ~goes_on)) & (pl.col("_seen") > 0)).alias(
            "_end_hit"
        )
    )
    end_hit = pl.col("_end_hit")
    f = f.with_columns(
        (_doc_cum_sum(end_hit.cast(pl.Int32)) > 0).alias("after_end"),
        pl.when(end_hit).then(pl.col("idx")).min().over(doc).alias("end_idx"),
    )
    shape = pl.col("shape")
    base = (
        pl.when(pl.col("after_end"))
        .then(_label("end"))
        .when(
            pl.col("furn_drop")
            | ((pl.col("furn_end") | pl.col("furn_soft")) & short)
            | site_or_masthead
            | pl.col("insert_target")
            | pl.col("numeric")
        )
        .then(_label("furniture"))
        .when(shape.is_not_null())
        .then(shape.cast(_LINE_LABEL))
        # a line the site repeats on many pages: furniture, unless it is sentence-like or a
        # byline, date, counter or credit (a site's regular reporter is not furniture)
        .when(pl.col("site_furniture") & ~strong_shape)
        .then(_label("furniture"))
        .otherwise(_label("text"))
    )
    return f.with_columns(base.alias("base"))


def _body_runs(f: pl.DataFrame) -> pl.DataFrame:
    """Context smoothing: lists, blocks of short lines, runs between breakers, the best run
    and its first and last sentence-like lines (``body_start``, ``body_end``)."""
    doc = "doc"
    nw = pl.col("n_words")
    strong_shape = pl.col("strong_shape")
    text = pl.col("base") == "text"
    # a list introduced by a line ending in ":" (items up to the next non-text line)
    weak = text & ~strong_shape
    f = f.with_columns(_groups(~weak | pl.col("ends_colon")).alias("_lgid")).with_columns(
        (
            weak
            & ~pl.col("ends_colon")
            & (nw <= LIST_ITEM_MAX_WORDS)
            & (_run_sum(pl.col("ends_colon") & text & (nw >= 3) & ~pl.col("dup"), "_lgid") > 0)
        ).alias("list_item")
    )
    # blocks of short non-sentence lines (menus, link lists) split runs; furniture is see-through
    weak_short = weak & (nw <= SHORT_BLOCK_MAX_WORDS) & ~pl.col("list_item")
    f = f.with_columns(
        _groups((pl.col("base") != "furniture") & ~weak_short).alias("_wgid"),
        weak_short.alias("_weak_short"),
    ).with_columns(
        (
            pl.col("_weak_short") & (_run_sum(pl.col("_weak_short"), "_wgid") >= SHORT_BLOCK_LINES)
        ).alias("short_block")
    )
    breaker = ~pl.col("base").is_in(["text", "furniture"]) | pl.col("short_block")
    cand = text & ~pl.col("short_block")
    strong = cand & (strong_shape | pl.col("list_item"))
    f = f.with_columns(
        _groups(breaker).alias("run"),
        cand.alias("cand"),
        strong.alias("strong"),
    )
    f = f.with_columns(
        _run_sum(
            pl.when(pl.col("strong") & strong_shape).then(pl.col("n_chars")).otherwise(0), "run"
        ).alias("run_score")
    )
    # the doc's best score as a column first: a window inside a window is evaluated once per
    # doc over a buffer as long as the batch (quadratic in the batch size)
    f = f.with_columns(pl.col("run_score").max().over(doc).alias("_best_score"))
    best = (
        pl.when((pl.col("run_score") == pl.col("_best_score")) & (pl.col("run_score") > 0))
        .then(pl.col("run"))
        .min()
        .over(doc)
    )
    f = f.with_columns(best.alias("best_run")).drop("_best_score")
    in_best = pl.col("run") == pl.col("best_run")
    f = f.with_columns(
        pl.when(in_best & pl.col("strong")).then(pl.col("idx")).min().over(doc).alias("body_start"),
        pl.when(in_best & pl.col("strong")).then(pl.col("idx")).max().over(doc).alias("body_end"),
    )
    return f


def _header_lines(f: pl.DataFrame) -> pl.DataFrame:
    """Body lines, header lines, the title and bylines without "By" → ``label``."""
    doc = "doc"
    nw = pl.col("n_words")
    text = pl.col("base") == "text"
    in_best = pl.col("run") == pl.col("best_run")
    bs, be = pl.col("body_start"), pl.col("body_end")
    is_body = pl.col("cand") & in_best & (pl.col("idx") >= bs) & (pl.col("idx") <= be)
    header = pl.col("idx") < bs.fill_null(pl.col("end_idx")).fill_null(1 << 40)
    # whether the nearest lines that are not furniture are meta lines
    nf_meta = pl.when(pl.col("base") != "furniture").then(
        pl.col("base").is_in(["byline", "date", "counter"])
    )
    adjacent_meta = _last_before(nf_meta).fill_null(False) | _first_after(nf_meta).fill_null(False)
    # heading-like candidates for the title
    title_shape = (
        (
            text
            & header
            & ~pl.col("ends_period")
            & ~pl.col("strong_shape")
            & (nw >= 2)
            & (nw <= TITLE_MAX_WORDS)
            & (pl.col("n_chars") <= 250)
        )
        | (pl.col("short_block") & header & (nw >= 3) & ~pl.col("ends_period"))
    ) & ~pl.col("multi_pipe")
    f = f.with_columns(
        is_body.alias("is_body"),
        header.alias("header"),
        title_shape.alias("title_shape"),
        adjacent_meta.alias("adjacent_meta"),
    )
    # a name alone next to a date or counter line, after some heading: a byline
    name_alone = (pl.col("name_like") & (pl.col("base") == "text") & (nw <= 7)) | (
        pl.col("base") == "srcname"
    )
    titles = pl.col("title_shape").cast(pl.Int32)
    f = f.with_columns((_doc_cum_sum(titles) - titles).alias("_titles_before")).with_columns(
        (
            name_alone & pl.col("header") & pl.col("adjacent_meta") & (pl.col("_titles_before") > 0)
        ).alias("name_byline")
    )
    f = _pick_title(f)
    # no byline yet: a name in the three lines after the title, before the body
    has_by = ((pl.col("base") == "byline") | pl.col("name_byline")).any().over(doc)
    near_title = (pl.col("idx") > pl.col("title_idx")) & (pl.col("idx") <= pl.col("title_idx") + 3)
    first_name = (
        pl.when(name_alone & near_title & pl.col("header") & ~pl.col("is_title"))
        .then(pl.col("idx"))
        .min()
        .over(doc)
    )
    f = f.with_columns(
        (pl.col("name_byline") | (~has_by & (pl.col("idx") == first_name))).alias("name_byline")
    )
    label = (
        pl.when(pl.col("is_title"))
        .then(_label("title"))
        .when(pl.col("is_body"))
        .then(_label("body"))
        .when(pl.col("name_byline"))
        .then(_label("byline"))
        .when(pl.col("base").is_in(["byline", "date", "counter", "credit"]))
        .then(pl.col("base"))
        .when((pl.col("base") == "srcname") & ~pl.col("header"))
        .then(_label("credit"))
        .otherwise(_label("furniture"))
    )
    return f.with_columns(label.alias("label"))


def _pull_quotes(f: pl.DataFrame) -> pl.DataFrame:
    """``pull_quote``: a quote-like line of 5 to 30 words whose words the next or previous
    line repeats, when that line is a sentence-like paragraph (a pull quote set large next to
    the paragraph it comes from). A headline that opens or ends with a quoted title
    ("“The Salt Road” wins top prize") under a breadcrumb that repeats it is no pull quote."""
    t = pl.col("text")
    nw = pl.col("n_words")
    quoted = t.str.slice(0, 1).is_in(list(_OPEN_QUOTES)) | t.str.slice(-1).is_in(list('"”’»'))
    cands = (
        f.select(
            pl.int_range(pl.len(), dtype=pl.Int64).alias("_row"),
            "doc",
            "n_words",
            "n_chars",
            "text",
        )
        .filter((nw >= 5) & (nw <= 30))
        .filter(quoted)
    )
    if cands.height == 0:
        return f.with_columns(pl.lit(False).alias("pull_quote"))
    # the lines next to each candidate, by row number (rows are in doc and line order)
    text, docs, strong, r = f["text"], f["doc"], f["strong_shape"], cands["_row"]
    nxt_r, prv_r = (r + 1).clip(upper_bound=f.height - 1), (r - 1).clip(lower_bound=0)
    cands = cands.with_columns(
        text.gather(nxt_r).alias("_next"),
        text.gather(prv_r).alias("_prev"),
        ((docs.gather(nxt_r) == cands["doc"]) & (nxt_r != r) & strong.gather(nxt_r)).alias(
            "_has_next"
        ),
        ((docs.gather(prv_r) == cands["doc"]) & (prv_r != r) & strong.gather(prv_r)).alias(
            "_has_prev"
        ),
    )
    nxt = pl.when(pl.col("_has_next")).then(pl.col("_next"))
    prv = pl.when(pl.col("_has_prev")).then(pl.col("_prev"))
    core = t.str.strip_chars('"“”‘’«»„ .,;:!?')
    hits = cands.filter(
        (nxt.str.len_chars() > pl.col("n_chars")).fill_null(False)
        & nxt.str.contains(core, literal=True).fill_null(False)
        | (prv.str.len_chars() > pl.col("n_chars")).fill_null(False)
        & prv.str.contains(core, literal=True).fill_null(False)
    )
    row = pl.int_range(pl.len(), dtype=pl.Int64)
    return f.with_columns(row.is_in(hits["_row"].implode()).alias("pull_quote"))


def _pick_title(f: pl.DataFrame) -> pl.DataFrame:
    """Score heading-like lines before the body; the best per doc becomes the title."""
    doc = "doc"
    echoes = pl.concat(
        [f.select(doc, pl.col(c).alias("id")).drop_nulls() for c in ("echo_nid", "echo2_nid")]
    )
    f = f.with_columns(_in_doc_set("nid", echoes).alias("_echoed"))
    nw = pl.col("n_words")
    repeated = pl.col("_echoed") | (pl.col("dup") & (nw >= 4))
    # the line before (meta lines skipped) is itself heading-like: this one is a standfirst.
    # Furniture in between separates them, also furniture that left the frame (a gap in idx)
    gap = (pl.col("idx") - _near(pl.col("idx"), 1)).fill_null(1) > 1
    is_meta = pl.col("base").is_in(["byline", "date", "counter"])
    emitted = (
        pl.when(~is_meta)
        .then(pl.col("title_shape"))
        .when(gap)
        .then(pl.lit(False))
        .otherwise(pl.lit(None, pl.Boolean))
    )
    prev_meta_skip = pl.when(gap).then(pl.lit(False)).otherwise(_last_before(emitted))
    # the next line that is not furniture: a byline / date / counter, or the body's first line
    anchor = pl.col("base").is_in(["byline", "date", "counter"]) | (
        pl.col("idx") == pl.col("body_start")
    )
    before_anchor = _first_after(pl.when(pl.col("base") != "furniture").then(anchor))
    # a byline or date within the next four lines that are not furniture (a standfirst or the
    # author's role may sit between the title and them)
    meta_soon = _within_next(
        pl.col("base").is_in(["byline", "date"]), 4, rows=pl.col("base") != "furniture"
    )
    first_by = pl.when(pl.col("base") == "byline").then(pl.col("idx")).min().over(doc)
    score = (
        repeated.cast(pl.Int32) * 100
        + ((nw >= 5) & (nw <= 20)).cast(pl.Int32) * 30
        + (((nw >= 3) & (nw < 5)) | ((nw > 20) & (nw <= TITLE_MAX_WORDS))).cast(pl.Int32) * 10
        + (~prev_meta_skip.fill_null(False)).cast(pl.Int32) * 15
        # a page's first line of one to three words is its name more often than its title
        - ((pl.col("idx") == 0) & (nw <= 3)).cast(pl.Int32) * 25
        + before_anchor.fill_null(False).cast(pl.Int32) * 15
        + meta_soon.cast(pl.Int32) * 20
        - (pl.col("idx") > first_by).fill_null(False).cast(pl.Int32) * 10
        + pl.col("capitalised").cast(pl.Int32) * 5
    )
    f = f.with_columns(
        pl.when(pl.col("title_shape") & ~pl.col("name_byline")).then(score).alias("title_score"),
        repeated.alias("repeated"),
    )
    # (the best score as a column first: see _body_runs)
    f = f.with_columns(pl.col("title_score").max().over(doc).alias("_best_score"))
    best = pl.col("_best_score")
    title_idx = pl.when(pl.col("title_score") == best).then(pl.col("idx")).min().over(doc)
    return (
        f.with_columns(title_idx.alias("title_idx"))
        .drop("_best_score")
        .with_columns((pl.col("idx") == pl.col("title_idx")).fill_null(False).alias("is_title"))
    )


# --------------------------------------------------------------------------- credits

#: Words in capitals that open a first paragraph like a dateline but are not places.
_NOT_PLACES = (
    "BREAKING|UPDATE|UPDATED|EXCLUSIVE|WATCH|LIVE|ANALYSIS|OPINION|EDITOR'S NOTE|NOTE|NEW|"
    "VIDEO|PHOTOS|FACT CHECK|REVIEW|INTERVIEW|CORRECTION|URGENT|FLASH|EILMELDUNG|DIRECT|"
    "ÚLTIMA HORA|AO VIVO|LIVE BLOG|FAQ|Q&A"
)


def _place(expr: pl.Expr) -> pl.Expr:
    """A dateline's place as a name: "NEW DELHI" → "New Delhi"; "Valencia" stays."""
    p = expr.str.strip_chars(" ,.;:-–—")
    p = pl.when(p.str.contains(rf"^(?:{_NOT_PLACES})$")).then(None).otherwise(p)
    return (pl.when(p.str.contains(_HAS_LOWER)).then(p).otherwise(p.str.to_titlecase())).replace(
        "", None
    )


def _strip_credits(body: pl.DataFrame, ref: Reference) -> pl.DataFrame:
    """Body lines (doc, idx, text; in doc and line order) → with leading dateline / trailing
    credit removed.

    Adds ``dateline_src`` and ``dateline_place`` on the first line and ``tail_src`` on the
    last (registry variants). Only each doc's first and last lines are looked at (in a frame
    of their own); the others are joined back unchanged.
    """
    body = body.with_columns(
        pl.col("doc").set_sorted(),
        pl.int_range(pl.len(), dtype=pl.Int64).alias("_row"),
        _doc_starts().alias("_first"),
        _doc_ends().alias("_last"),
    )
    edges = _strip_edge_credits(body.filter(pl.col("_first") | pl.col("_last")), ref)
    rows = edges["_row"]

    def at_edges(values: pl.Series, base: pl.Series) -> pl.Series:
        return base.clone().scatter(rows, values)

    nothing = pl.Series([None] * body.height, dtype=pl.String)
    out = body.select(
        pl.exclude("text", "_first", "_last", "_row"),
        at_edges(edges["_text"], body["text"]).alias("text"),
        *[
            at_edges(edges[c], nothing).alias(c)
            for c in ("dateline_src", "dateline_place", "tail_src")
        ],
    )
    return out.filter(pl.col("text").str.len_chars() > 0)


def _strip_edge_credits(body: pl.DataFrame, ref: Reference) -> pl.DataFrame:
    """First and last body lines (_row, text, _first, _last) → (_row, _text, dateline_src,
    dateline_place, tail_src)."""
    t = pl.col("text")
    last = pl.col("_last")
    body = body.with_columns(
        _groups_expr("text", DATELINE_RE, "_first").alias("_dl"),
        _groups_expr("text", _DATELINE_PLAIN, "_first").alias("_pl"),
        *[_masked(last, t, _extract(p)).alias(f"_tail{i}") for i, p in enumerate(CREDIT_TAIL_RES)],
    )
    body = body.with_columns(
        _known(pl.col("_dl").struct.field("2"), ref).alias("dateline_src"),
        *[_known(pl.col(f"_tail{i}"), ref).alias(f"_tail{i}") for i in range(len(CREDIT_TAIL_RES))],
    ).with_columns(
        pl.coalesce([f"_tail{i}" for i in range(len(CREDIT_TAIL_RES))]).alias("tail_src")
    )
    body = body.with_columns(
        pl.when(pl.col("dateline_src").is_not_null())
        .then(_place(pl.col("_dl").struct.field("1")))
        .otherwise(_place(pl.col("_pl").struct.field("1")))
        .alias("dateline_place"),
        # the regexes only run on the lines that hold what they remove (see _masked)
        pl.when(pl.col("dateline_src").is_not_null())
        .then(_masked(pl.col("dateline_src").is_not_null(), t, _replace(DATELINE_RE)))
        .otherwise(pl.coalesce(pl.col("_pl").struct.field("2"), t))
        .alias("text"),
    )
    stripped: pl.Expr = pl.lit(None, pl.String)
    for i, p in reversed(list(enumerate(CREDIT_TAIL_RES))):
        has = pl.col(f"_tail{i}").is_not_null()
        stripped = pl.when(has).then(_masked(has, t, _replace(p))).otherwise(stripped)
    body = body.with_columns(pl.coalesce(stripped, t).str.strip_chars().alias("_text"))
    return body.select("_row", "_text", "dateline_src", "dateline_place", "tail_src")


# --------------------------------------------------------------------------- dates

#: A day-month-year date with a month name: day, "." after the day, month, year, hour,
#: minute, am/pm, zone.
_DMY_RE = fast_regex(
    r"(?i)^(\d{1,2})(\.)?(?:st|nd|rd|th)?\s+(?:de\s+)?(\p{L}+)\.?,?\s+(?:de\s+)?(\d{4})"
    r"(?:\D{0,12}?(\d{1,2})[:.h](\d{2})(?::\d{2})?(?:\s*([ap])\.?\s?m\.?)?(?:\s*uhr|\s*h)?"
    r"(?:\s*((?-i:[A-Z]{2,5}))\b)?)?"
)


def _readable_date(column: str) -> pl.Expr:
    """A date as the page wrote it → as the normalise stage can read it.

    English month names, ISO and numeric dates pass unchanged; a month name in another
    language or a German day "5." becomes ISO 8601 ("2025-10-14T10:32 CEST"); "14h20" and
    "09:15 Uhr" become "14:20" and "09:15".
    """
    raw = pl.col(column)
    m = _groups_expr(column, _DMY_RE)
    word = m.struct.field("3").str.to_lowercase()
    month = word.replace_strict({**MONTHS_EN, **MONTHS_OTHER}, default=None, return_dtype=pl.Int32)
    rewrite = month.is_not_null() & (
        word.is_in(list(MONTHS_OTHER)) | m.struct.field("2").is_not_null()
    )
    hour = m.struct.field("5").cast(pl.Int32, strict=False)
    hour = (
        pl.when((m.struct.field("7").str.to_lowercase() == "p") & (hour < 12))
        .then(hour + 12)
        .when((m.struct.field("7").str.to_lowercase() == "a") & (hour == 12))
        .then(0)
        .otherwise(hour)
    )
    iso = pl.concat_str(
        m.struct.field("4"),
        pl.lit("-"),
        month.cast(pl.String).str.zfill(2),
        pl.lit("-"),
        m.struct.field("1").str.zfill(2),
        pl.when(hour.is_not_null())
        .then(
            pl.concat_str(
                pl.lit("T"),
                hour.cast(pl.String).str.zfill(2),
                pl.lit(":"),
                m.struct.field("6"),
                pl.lit(":00"),
            )
        )
        .otherwise(pl.lit("")),
        pl.when(hour.is_not_null() & m.struct.field("8").is_not_null())
        .then(pl.concat_str(pl.lit(" "), m.struct.field("8")))
        .otherwise(pl.lit("")),
    )
    cleaned = (
        raw.str.replace(r"(\d{4}),?\s*[-/|]\s*(\d{1,2}[:.h]\d{2})", "$1 $2")
        .str.replace_all(r"(\d{1,2})h(\d{2})", "$1:$2")
        .str.replace_all(r"(?i)\s*\buhr\b", "")
        .str.replace_all(r"(?i)\s+(?:à|um|alle|às|a las|om)\s+", " ")
        .str.strip_chars(" ,-")
    )
    return pl.when(rewrite).then(iso).otherwise(cleaned)


def _resolve_relative(column: str, fetched_at: pl.Expr) -> pl.Expr:
    """A relative time ("3 hours ago", "vor 3 Stunden", "ieri alle 22:45") and the time the
    page was fetched (ISO 8601, UTC) → an absolute ISO 8601 time or date; null without one."""
    fetched = fetched_at.str.to_datetime(time_zone="UTC", strict=False, time_unit="us")
    g = _groups_expr(column, _REL_GROUPS)
    num_txt = pl.coalesce(g.struct.field("1"), g.struct.field("3"))
    unit = pl.coalesce(g.struct.field("2"), g.struct.field("4")).str.to_lowercase()
    num = (
        pl.when(num_txt.str.contains(r"^\d+$"))
        .then(num_txt.cast(pl.Int64, strict=False))
        .when(num_txt.is_not_null())
        .then(pl.lit(1, pl.Int64))
    )
    secs: pl.Expr = pl.lit(None, pl.Int64)
    for rx, s in reversed(_REL_UNIT_SECONDS):
        secs = pl.when(unit.str.contains(rx)).then(pl.lit(s, pl.Int64)).otherwise(secs)
    ago = (fetched - pl.duration(seconds=num * secs)).dt.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    d = _groups_expr(column, _REL_DAY)
    offset = (
        d.struct.field("1")
        .str.to_lowercase()
        .replace_strict(_DAY_WORD_OFFSET, default=None, return_dtype=pl.Int64)
    )
    day = (fetched.dt.date() + pl.duration(days=offset)).dt.strftime("%Y-%m-%d")
    hour = d.struct.field("2").cast(pl.Int32, strict=False)
    hour = (
        pl.when((d.struct.field("4").str.to_lowercase() == "p") & (hour < 12))
        .then(hour + 12)
        .otherwise(hour)
    )
    day_time = pl.when(hour.is_not_null()).then(
        pl.concat_str(
            day,
            pl.lit("T"),
            hour.cast(pl.String).str.zfill(2),
            pl.lit(":"),
            d.struct.field("3"),
            pl.lit(":00"),
        )
    )
    return (
        pl.when(num.is_not_null() & secs.is_not_null())
        .then(ago)
        .otherwise(pl.coalesce(day_time, day))
    )


def _published(out: pl.DataFrame) -> pl.Series:
    """The publish date per doc: the first publication date line, else a relative time, else
    an update date, else a relative update time; each rewritten so that the normalise stage
    can read it. Worked out once per distinct date (and once per distinct relative time and
    fetch time): many pages of a batch share their dates."""
    frame = out.select("_date1", "_rel1", "_date2", "_rel2", "fetched_at")
    dates = (
        pl.concat([frame.select(pl.col(c).alias("_v")) for c in ("_date1", "_date2")])
        .drop_nulls()
        .unique()
    )
    dates = dates.with_columns(_readable_date("_v").alias("_p"))
    rels = (
        pl.concat([frame.select(pl.col(c).alias("_v"), "fetched_at") for c in ("_rel1", "_rel2")])
        .filter(pl.col("_v").is_not_null())
        .unique()
    )
    rels = rels.with_columns(_resolve_relative("_v", pl.col("fetched_at")).alias("_p"))
    for column, values in (("_date1", dates), ("_rel1", rels), ("_date2", dates), ("_rel2", rels)):
        keys = [column] if column.startswith("_date") else [column, "fetched_at"]
        frame = frame.join(
            values.rename({"_v": column, "_p": f"{column}_p"}),
            on=keys,
            how="left",
            maintain_order="left",
            nulls_equal=True,
        )
    return frame.select(
        pl.coalesce("_date1_p", "_rel1_p", "_date2_p", "_rel2_p").alias("_published")
    ).to_series()


# --------------------------------------------------------------------------- per-doc fields


def _text_fields(
    docs: pl.DataFrame, ref: Reference, site_lines: pl.DataFrame | None = None
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """docs (doc, raw_text, fetched_at) → (docs with the ``publisher``, labelled lines,
    (doc, n_dropped), distinct-text frame): the input of ``_collect_fields``."""
    lines = _lines(docs, "raw_text")
    f, dropped, shapes, publishers = _classify(lines, ref, site_lines)
    docs = docs.join(publishers, on="doc", how="left", maintain_order="left")
    return docs, f, dropped, shapes


def _body_fields(bodies: list[pl.DataFrame], ref: Reference) -> pl.DataFrame:
    """Body lines (doc, idx, text) of text and JSON records → (doc, _body, dateline_src,
    dateline_place, tail_src): credit markers stripped from each body's edges, paragraphs
    joined. One pass for both kinds of record (the credit regexes are compiled once)."""
    lines = pl.concat(
        [
            pl.DataFrame(schema={"doc": pl.UInt32, "idx": pl.Int64, "text": pl.String}),
            *[
                b.select(pl.col("doc").cast(pl.UInt32), pl.col("idx").cast(pl.Int64), "text")
                for b in bodies
            ],
        ]
    )
    if len(bodies) > 1:  # each part is in doc order; together they must be too
        lines = lines.sort("doc", maintain_order=True)
    body = _strip_credits(lines, ref)
    return body.group_by("doc", maintain_order=True).agg(
        pl.col("text").str.join("\n\n").alias("_body"),
        pl.col("dateline_src").drop_nulls().first(),
        pl.col("dateline_place").drop_nulls().first(),
        pl.col("tail_src").drop_nulls().first(),
    )


#: Meta strings of a distinct text (``_line_shapes``) that the per-doc fields read.
_META_STRINGS = (
    "by_name", "by_tail", "by_role", "date_text", "relative_date", "view_num", "view_mult",
    "comment_num", "credit_variant", "bare_variant", "credit_unknown",
)  # fmt: skip


def _collect_fields(
    docs: pl.DataFrame,
    f: pl.DataFrame,
    dropped: pl.DataFrame,
    shapes: pl.DataFrame,
    ref: Reference,
    *,
    bodies: pl.DataFrame,
) -> pl.DataFrame:
    """Per-doc fields of text dumps; ``bodies`` from ``_body_fields``. The byline is left in
    ``_author_byline`` for ``_clean_authors``."""
    doc = "doc"
    meta_strings = shapes.filter(
        pl.any_horizontal(
            pl.col(c).is_not_null() if c != "relative_date" else pl.col(c) for c in _META_STRINGS
        )
    ).select("tid", *_META_STRINGS)
    lab = pl.col("label")
    live = ~pl.col("after_end")
    body_agg = bodies.rename({"_body": "body"})
    # "31" on one line, "Comments" on the next
    prev_text = pl.col("_prev_text")
    split = (
        f.select(doc, "n_words", "text", _near(pl.col("text"), 1).alias("_prev_text"))
        .filter((pl.col("n_words") == 1) & (prev_text.str.len_chars() < 12))
        .filter(pl.col("text").str.contains(_COMMENT_WORD_LINE))
        .select(doc, prev_text.str.extract(r"^(\d[\d,.]*)$", 1).alias("_split_comments"))
    )
    counts = (
        f.group_by(doc)
        .agg(
            pl.len().alias("_n_lines"),
            (lab == "body").sum().alias("_n_body"),
            lab.is_in(["furniture"]).sum().alias("_n_furn"),
            lab.is_in(["title", "byline", "date", "counter", "credit"]).sum().alias("_n_meta"),
        )
        .join(
            f.select(doc, "tid")
            .join(
                meta_strings.select("tid", "comment_num").drop_nulls(),
                on="tid",
                how="inner",
                maintain_order="left",
            )
            .group_by(doc, maintain_order=True)
            .agg(pl.col("comment_num").first().alias("_comments")),
            on=doc,
            how="left",
        )
        .join(
            split.group_by(doc).agg(pl.col("_split_comments").drop_nulls().first()),
            on=doc,
            how="left",
        )
        .with_columns(pl.coalesce("_comments", "_split_comments").alias("_comments"))
        .join(dropped, on=doc, how="left")
        .with_columns(
            (pl.col("_n_lines") + pl.col("n_dropped").fill_null(0)).alias("_n_lines"),
            (pl.col("_n_furn") + pl.col("n_dropped").fill_null(0)).alias("_n_furn"),
        )
    )
    # header fields come from the few lines that can hold them: filtered first, so that the
    # regexes below run on those rows only
    meta_lines = f.filter(
        (lab == "title")
        | (
            lab.is_in(["byline", "date", "counter", "credit", "furniture"])
            & (pl.col("n_words") <= META_MAX_WORDS)
            & (lab.is_in(["title", "byline", "date", "counter", "credit"]) | pl.col("dated"))
        )
    ).join(meta_strings, on="tid", how="left", maintain_order="left")
    meta_lines = meta_lines.with_columns(pl.col("relative_date").fill_null(False))
    by_ok = (lab == "byline") & live
    # the byline's name part, its credited outlet and "Updated" dates: once per distinct text
    bl = pl.col("_bl_text")
    per_text = (
        meta_lines.unique("tid")
        .select(
            "tid",
            pl.when(pl.col("by_tail").is_not_null())
            .then(pl.col("by_tail"))
            .when(pl.col("by_role").is_not_null())
            .then(pl.col("by_role"))
            .when(pl.col("by_name").is_not_null())
            .then(pl.col("by_name").str.replace(_BYLINE_CUT, "").str.replace(DATE_RE + ".*$", ""))
            .otherwise(pl.col("text").str.replace(_BYLINE_CUT, ""))
            .str.strip_chars(" ,;:-–—")
            .alias("_bl_text"),
            pl.when(pl.col("date_text").is_not_null() | pl.col("relative_date"))
            .then(pl.col("text").str.contains(UPDATED_RE))
            .fill_null(False)
            .alias("_updated"),
        )
        .with_columns(
            pl.coalesce(
                _known(bl.str.extract(BYLINE_SOURCE_RE, 1), ref),
                _known(bl.str.extract(CAPS_BYLINE_RE, 2), ref),
            ).alias("_src_text")
        )
    )
    meta_lines = meta_lines.join(per_text, on="tid", how="left", maintain_order="left")
    byline: pl.Expr = pl.when(by_ok).then(bl)
    updated = pl.col("_updated")
    by_src = pl.when(by_ok).then(pl.col("_src_text"))
    after_title = pl.col("idx") > pl.col("title_idx").fill_null(-1)
    is_meta = lab.is_in(["byline", "date", "counter", "title", "furniture"])
    # a date on a header line that a furniture pattern also matched still counts
    date_ok = (
        pl.col("date_text").is_not_null()
        & (lab.is_in(["date", "byline", "counter"]) | ((lab == "furniture") & pl.col("header")))
        & live
    )
    rel_ok = pl.col("relative_date") & lab.is_in(["date", "byline", "counter"]) & live
    view = _view_value(pl.col("view_num"), pl.col("view_mult"))
    agg = meta_lines.group_by(doc, maintain_order=True).agg(
        pl.col("text").filter(lab == "title").first().alias("title"),
        # the byline nearest after the title wins over one above it (a site's tagline)
        pl.coalesce(byline.filter(by_ok & after_title).first(), byline.filter(by_ok).first()).alias(
            "_byline"
        ),
        pl.coalesce(by_src.filter(by_ok & after_title).first(), by_src.filter(by_ok).first()).alias(
            "_by_src"
        ),
        pl.col("date_text").filter(date_ok & ~updated).drop_nulls().first().alias("_date1"),
        pl.col("date_text").filter(date_ok).drop_nulls().first().alias("_date2"),
        pl.col("text").filter(rel_ok & ~updated).first().alias("_rel1"),
        pl.col("text").filter(rel_ok).first().alias("_rel2"),
        view.filter(is_meta & live).drop_nulls().first().alias("view_count"),
        pl.coalesce("credit_variant", "bare_variant")
        .filter((lab == "credit") & live)
        .drop_nulls()
        .first()
        .alias("_credit"),
        pl.col("credit_unknown")
        .filter((lab == "credit") & live)
        .drop_nulls()
        .first()
        .alias("_credit_raw"),
    )
    # the site's own name, as its masthead (first line) or copyright line has it
    first_line = f.filter((pl.col("idx") == 0) & (pl.col("n_words") <= 5)).select(
        doc, pl.col("text").alias("_first_line")
    )
    out = (
        docs.select(doc, "fetched_at", "publisher")
        .join(first_line, on=doc, how="left")
        .join(counts, on=doc, how="left")
        .join(agg, on=doc, how="left")
        .join(body_agg, on=doc, how="left")
    )
    # "By Jane Doe, Metro Journal": the site's own name after the author is not part of it
    own = pl.concat_str(pl.lit(", "), pl.col("_first_line").str.to_lowercase())
    own_pub = pl.concat_str(pl.lit(", "), pl.col("publisher").str.to_lowercase())
    low = pl.col("_byline").str.to_lowercase()
    bl = pl.col("_byline")
    byline = (
        pl.when(low.str.ends_with(own).fill_null(False))
        .then(bl.str.slice(0, bl.str.len_chars() - own.str.len_chars()))
        .when(low.str.ends_with(own_pub).fill_null(False))
        .then(bl.str.slice(0, bl.str.len_chars() - own_pub.str.len_chars()))
        .otherwise(bl)
    )
    out = out.with_columns(byline.alias("_author_byline"))
    out = out.with_columns(_published(out).alias("_published"))
    by_as_source = _canonical(pl.col("_byline"), ref)
    n = pl.col("_n_lines").fill_null(0)
    nf, nm = pl.col("_n_furn").fill_null(0), pl.col("_n_meta").fill_null(0)
    reason = (
        pl.when(n == 0)
        .then(pl.lit("empty text"))
        .when(pl.col("body").is_null())
        .then(
            pl.format(
                "no article body found: 0 body lines among {} lines ({})",
                n,
                pl.when(nf == n)
                .then(pl.lit("all furniture"))
                .otherwise(
                    pl.format(
                        "{} furniture, {} header/meta, {} short text lines", nf, nm, n - nf - nm
                    )
                ),
            )
        )
    )
    published = pl.col("_published")
    return out.select(
        doc,
        "title",
        "_author_byline",
        "body",
        pl.col("view_count").cast(pl.Int64),
        pl.col("_comments")
        .str.replace_all(r"[,.]", "")
        .cast(pl.Int64, strict=False)
        .alias("comment_count"),
        published.alias("published_raw"),
        pl.coalesce(
            _canonical(pl.col("dateline_src"), ref),
            _canonical(pl.col("_credit"), ref),
            _canonical(pl.col("tail_src"), ref),
            pl.col("_credit_raw").str.strip_chars(),
            _canonical(pl.col("_by_src"), ref),
            by_as_source,
        ).alias("original_source"),
        pl.col("dateline_place"),
        reason.alias("extract_error"),
        "publisher",
    )


def _structured_lines(docs: pl.DataFrame, ref: Reference) -> tuple[pl.DataFrame, pl.DataFrame]:
    """docs (doc, body) of JSON records → (body lines that are no credit line (doc, idx,
    text), (doc, credit_variant, credit_unknown)): the first found of each doc."""
    lines = _lines(docs, "body").filter(~pl.col("blank"))
    lines = lines.with_columns(_doc_row_index().alias("idx"))
    # credit lines are short and start like one: the credit regexes see only those lines
    t = pl.col("text")
    cands = lines.with_row_index("_row").filter(t.str.contains(_CREDIT_START))
    cands = cands.filter(t.str.count_matches(r"\S+") <= META_MAX_WORDS).select(
        "_row",
        _credit_line(t, ref).alias("credit_variant"),
        t.str.extract(CREDIT_UNKNOWN_RE, 1).alias("credit_unknown"),
    )
    lines = (
        lines.with_row_index("_row")
        .join(cands, on="_row", how="left", maintain_order="left")
        .drop("_row")
    )
    is_credit = pl.col("credit_variant").is_not_null() | pl.col("credit_unknown").is_not_null()
    credits = (
        lines.filter(is_credit)
        .group_by("doc")
        .agg(
            pl.col("credit_variant").drop_nulls().first(),
            pl.col("credit_unknown").drop_nulls().first(),
        )
    )
    return lines.filter(~is_credit).select("doc", "idx", "text"), credits


def _structured_fields(
    docs: pl.DataFrame, credits: pl.DataFrame, bodies: pl.DataFrame, ref: Reference
) -> pl.DataFrame:
    """docs (doc, body) of JSON records → body without credit markers, original_source;
    the byline is left in ``_byline`` for ``_clean_authors``."""
    body_agg = bodies.rename({"_body": "new_body"})
    out = docs.join(credits, on="doc", how="left").join(body_agg, on="doc", how="left")
    changed = pl.any_horizontal(
        [
            pl.col(c).is_not_null()
            for c in ("credit_variant", "credit_unknown", "dateline_src", "tail_src")
        ]
    )
    raw_author = pl.col("author").str.strip_chars()
    byline = (
        pl.coalesce(raw_author.str.extract(BYLINE_RE, 1), raw_author)
        .str.replace(_BYLINE_CUT, "")
        .str.strip_chars(" ,;:-–—")
    )
    by_source = pl.coalesce(
        _canonical(byline.str.extract(BYLINE_SOURCE_RE, 1), ref), _canonical(byline, ref)
    )
    has_body = pl.col("body").fill_null("").str.strip_chars().str.len_chars() > 0
    out = out.with_columns(byline.alias("_byline"))
    return out.select(
        "doc",
        pl.when(changed).then(pl.col("new_body")).otherwise(pl.col("body")).alias("body"),
        "_byline",
        pl.coalesce(
            _canonical(pl.col("dateline_src"), ref),
            _canonical(pl.col("credit_variant"), ref),
            _canonical(pl.col("tail_src"), ref),
            pl.col("credit_unknown").str.strip_chars(),
            by_source,
        ).alias("original_source"),
        pl.col("dateline_place"),
        pl.when(~has_body).then(pl.lit("record has no body text")).alias("extract_error"),
    )


def _clean_authors(bylines: pl.Series, ref: Reference) -> pl.Series:
    """Bylines without "By" → the author field: no credited outlet, place or role; several
    authors joined with ", "; a name in capitals ("MARISOL TREJO") in title case. Worked out
    once per distinct byline (of text and JSON records alike)."""
    frame = bylines.rename("_byline").to_frame()
    values = frame.select(pl.col("_byline").unique())
    values = values.with_columns(_clean_bylines(values, "_byline", ref))
    return frame.join(
        values, on="_byline", how="left", maintain_order="left", nulls_equal=True
    ).get_column("author")


def _clean_bylines(frame: pl.DataFrame, byline: str, ref: Reference) -> pl.Series:
    """``_clean_author`` over every row of ``frame``, step by step: each step reads the
    previous one's column, so no expression tree repeats the steps before it."""
    a = pl.col("_a")
    b = pl.col(byline)
    df = frame.select(
        pl.when(_known(b.str.extract(BYLINE_SOURCE_RE, 1), ref).is_not_null())
        .then(b.str.replace(BYLINE_SOURCE_RE, ""))
        .when(_known(b.str.extract(CAPS_BYLINE_RE, 2), ref).is_not_null())
        .then(b.str.extract(CAPS_BYLINE_RE, 1))
        .otherwise(b)
        .alias("_a")
    ).with_columns(a.str.replace(_AUTHOR_PLACE, "").str.strip_chars(" ,;:-–—").alias("_a"))
    # "Jane Doe, Staff Writer": a desk-like role after the name is not part of it
    df = df.with_columns(
        pl.when(_is_desk(a.str.extract(r",\s*([^,]+)$", 1), ref))
        .then(a.str.replace(r",\s*[^,]+$", ""))
        .otherwise(a)
        .alias("_a")
    ).with_columns(_is_desk(a, ref).alias("_desk"))
    # several authors are joined with ", " ("Ana Ruiz and Tom Hale" → "Ana Ruiz, Tom Hale");
    # "HANNA KOVAL" → "Hanna Koval" (agency style); "AFP", "TNN" stay
    df = df.with_columns(
        pl.when(pl.col("_desk")).then(a).otherwise(a.str.replace_all(_AUTHOR_SEP, ", ")).alias("_a")
    ).with_columns(
        pl.when(~pl.col("_desk") & ~a.str.contains(_HAS_LOWER) & a.str.contains(_TWO_CAPS_WORDS))
        .then(a.str.to_titlecase())
        .otherwise(a)
        .alias("_a")
    )
    return df.select(pl.when(a.str.len_chars() > 0).then(a).alias("author")).to_series()


def _is_desk(author: pl.Expr, ref: Reference) -> pl.Expr:
    norm = author.str.to_lowercase().str.replace_all(r"\s+", " ").str.strip_chars(_STRIP)
    desk = norm.is_in(ref.lookups["desk_exact"].implode()) | norm.is_in(
        ref.lookups["source_variants"].implode()
    )
    if ref.desk_regex:
        desk = desk | author.str.contains(ref.desk_regex)
    return desk.fill_null(False)


# --------------------------------------------------------------------------- per-site learning

#: Lines up to this many words are looked at by the per-site furniture learning.
SITE_LINE_MAX_WORDS = 40
#: A line is a site's furniture when at least this many of the site's dumps have it.
SITE_MIN_DOCS = 3


def _site_key(records: pl.DataFrame) -> pl.Expr:
    """The key that groups dumps of one site: the declared site, else the publisher that the
    page's copyright line names (lower case)."""
    declared = pl.col("site_raw") if "site_raw" in records.columns else pl.lit(None, pl.String)
    return (
        pl.coalesce(declared, _publisher(pl.col("raw_text")))
        .str.to_lowercase()
        .str.replace(r"^the\s+", "")
        .str.strip_chars()
    )


def _norm_line(text: pl.Expr) -> pl.Expr:
    return text.str.replace_all(r"\s\s+|[\t\u00a0]", " ").str.to_lowercase().str.strip_chars(_STRIP)


@on_polars_pool
def site_lines(records: pl.DataFrame) -> pl.DataFrame:
    """RAW_RECORD text dumps → (site, doc, line): the distinct normalised short lines of each
    dump, keyed by site (declared site, else the copyright line's publisher) and ``doc`` (the
    record's 0-based position in ``records``). The input of ``learn_site_furniture``.

    Only the live part of a page counts: lines after its first end-of-article heading ("Most
    read", "Related", "Comments" after some long text) are left out, because those lists
    repeat the headlines of the site's other stories, and a headline must not become
    furniture on its own page."""
    ref = _reference()
    df = schema.conform(records, schema.RAW_RECORD).with_row_index("doc")
    df = df.filter(pl.col("format") == "text").select(
        "doc", _site_key(df).alias("site"), "raw_text"
    )
    lines = _lines(df.select("doc", "raw_text"), "raw_text").filter(~pl.col("blank"))
    ends = [k for k, (_, act) in ref.furniture_exact.items() if act in ("end", "soft")]
    lines = lines.with_columns(
        (pl.col("text").str.count_matches(" ", literal=True) + 1).alias("_nw"),
        _norm_line(pl.col("text")).alias("line"),
    ).with_columns(
        # "so far in the doc" as running sums (rows are in doc order; a window per doc costs
        # far more)
        (_doc_cum_sum((pl.col("_nw") >= 20).cast(pl.Int32)) > 0).alias("_long_seen"),
    )
    cut = _doc_cum_sum((pl.col("line").is_in(ends) & pl.col("_long_seen")).cast(pl.Int32)) > 0
    lines = lines.filter(~cut & (pl.col("_nw") <= SITE_LINE_MAX_WORDS)).select("doc", "line")
    return (
        lines.filter(pl.col("line").str.len_chars() > 0)
        .unique()
        .join(df.select("doc", "site"), on="doc", how="left")
        .filter(pl.col("site").is_not_null())
        .select("site", pl.col("doc").cast(pl.Int64), "line")
        .sort("site", "doc", "line")
    )


@on_polars_pool
def learn_site_furniture(lines: pl.DataFrame, min_docs: int = SITE_MIN_DOCS) -> pl.DataFrame:
    """(site, doc, line) rows → (site, line, docs): the normalised lines that at least
    ``min_docs`` different dumps of one site contain (menus, footers, promos the site puts on
    every page). A site with fewer dumps than ``min_docs`` contributes nothing, so with the
    default one dump never teaches anything. Pure: the caller keeps the profile (e.g. in the
    warehouse); to carry counts across runs, learn a batch with ``min_docs=1``, add its
    ``docs`` to the stored ones per (site, line), and pass the rows with ``docs >=
    SITE_MIN_DOCS`` to ``extract``."""
    if min_docs < 1:
        raise ValueError(f"min_docs must be at least 1, not {min_docs}")
    if lines.height == 0:
        return pl.DataFrame(schema={"site": pl.String, "line": pl.String, "docs": pl.Int64})
    return (
        lines.select("site", "doc", "line")
        .unique()
        .group_by("site", "line")
        .agg(pl.len().cast(pl.Int64).alias("docs"))
        .filter(pl.col("docs") >= min_docs)
        .sort("site", "docs", "line", descending=[False, True, False])
    )


def _site_furniture_for(
    text_records: pl.DataFrame, site_furniture: pl.DataFrame | None
) -> pl.DataFrame | None:
    """(doc, norm) of every learnt furniture line of each text record's site."""
    if site_furniture is None or site_furniture.height == 0:
        return None
    sites = text_records.select("doc", _site_key(text_records).alias("site"))
    return sites.join(
        site_furniture.select("site", pl.col("line").alias("norm")), on="site", how="inner"
    ).select("doc", "norm")


# --------------------------------------------------------------------------- public API


@on_polars_pool
def extract(records: pl.DataFrame, site_furniture: pl.DataFrame | None = None) -> pl.DataFrame:
    """RAW_RECORD rows → EXTRACTED rows. Never raises for bad content: see ``extract_error``.

    ``site_furniture`` (site, line, docs) from ``learn_site_furniture``: lines a site repeats
    on many pages are furniture in that site's dumps (sentence-like lines excepted).
    """
    ref = _reference()
    df = schema.conform(records, schema.RAW_RECORD).with_row_index("doc")
    is_text = pl.col("format") == "text"
    text_docs = df.filter(is_text).select(
        "doc",
        "raw_text",
        "fetched_at",
        "site_raw",
    )
    other = df.filter(~is_text).select("doc", "body", "author")
    classified = (
        _text_fields(text_docs, ref, _site_furniture_for(text_docs, site_furniture))
        if text_docs.height
        else None
    )
    structured = _structured_lines(other, ref) if other.height else None
    # the body lines of both kinds of record lose their credit markers in one pass, and
    # their bylines become authors in one pass
    body_lines = []
    if classified is not None:
        body_lines.append(classified[1].filter(pl.col("label") == "body"))
    if structured is not None:
        body_lines.append(structured[0])
    bodies = _body_fields(body_lines, ref)
    tf = _collect_fields(*classified, ref, bodies=bodies) if classified is not None else None
    sf = _structured_fields(other, structured[1], bodies, ref) if structured is not None else None
    bylines = [
        p.get_column(c) for p, c in ((tf, "_author_byline"), (sf, "_byline")) if p is not None
    ]
    authors = _clean_authors(pl.concat(bylines), ref) if bylines else None
    if tf is not None and authors is not None:
        tf = tf.with_columns(authors.head(tf.height).alias("author")).drop("_author_byline")
    if sf is not None and authors is not None:
        sf = sf.with_columns(authors.tail(sf.height).alias("author")).drop("_byline")
    parts = []
    if tf is not None:
        t = df.filter(is_text).join(tf, on="doc", how="left", suffix="_x")
        parts.append(
            t.with_columns(
                *[pl.coalesce(c, f"{c}_x").alias(c) for c in ("title", "author", "published_raw")],
                pl.coalesce("body", "body_x").alias("body"),
                pl.coalesce("site_raw", "publisher").alias("site_raw"),
            )
        )
    if sf is not None:
        s = df.filter(~is_text).join(sf, on="doc", how="left", suffix="_x")
        parts.append(
            s.with_columns(
                pl.col("body_x").alias("body"),
                pl.col("author_x").alias("author"),
                pl.lit(None, pl.Int64).alias("view_count"),
                pl.lit(None, pl.Int64).alias("comment_count"),
            )
        )
    if not parts:
        return schema.empty(schema.EXTRACTED)
    out = pl.concat(
        [schema.conform(p, {"doc": pl.UInt32(), **schema.EXTRACTED}) for p in parts]
    ).sort("doc")
    out = out.with_columns(_is_desk(pl.col("author"), ref).alias("is_desk_byline"))
    return schema.conform(out, schema.EXTRACTED)


#: "© 2025 The Harbour Post. All rights reserved." → "The Harbour Post" (the publisher).
_COPYRIGHT_RE = fast_regex(
    r"(?im)^[ \t]*(?:copyright\s*)?(?:©|\(c\)|copyright)\s*(?:\d{4}(?:\s*[-–]\s*\d{4})?\s*,?\s*)?"
    r"([\p{Lu}][^.|\n]{1,60}?)\s*(?:\.|\||$|\s+all\s+rights|\s+\d{4}\b|\s+[-–]\s)"
)


def _publisher(text: pl.Expr) -> pl.Expr:
    """The publisher a page's copyright line names (the normalise stage maps it to a site)."""
    return text.str.extract(_COPYRIGHT_RE, 1).str.strip_chars(" ,")


def _furniture_kind(f: pl.DataFrame, ref: Reference) -> pl.Series:
    kind = pl.lit(None, pl.String)
    for k, action, rx in reversed(ref.furniture_kinds):
        kind = (
            pl.when(pl.col("text").str.contains(rx)).then(pl.lit(f"{k}/{action}")).otherwise(kind)
        )
    return f.select(kind.alias("k")).to_series()


def explain(raw_text: str) -> pl.DataFrame:
    """One row per line of a text dump: ``line_no`` (1-based), ``text``, ``label``, ``reason``."""
    ref = _reference()
    docs = pl.DataFrame({"doc": [0], "raw_text": [raw_text]})
    lines = _lines(docs, "raw_text")
    f, _, shapes, _ = _classify(lines, ref)
    f = f.join(shapes.select("tid", *_META_STRINGS), on="tid", how="left", maintain_order="left")
    f = f.with_columns(_furniture_kind(f, ref).alias("fkind"))
    b = pl.col("base")
    reason = (
        pl.when(pl.col("label") == "title")
        .then(
            pl.format(
                "title: heading-like line before the body (score {}{})",
                pl.col("title_score"),
                pl.when(pl.col("repeated"))
                .then(pl.lit(", repeated by the page"))
                .otherwise(pl.lit("")),
            )
        )
        .when(pl.col("label") == "body")
        .then(
            pl.when(pl.col("list_item"))
            .then(pl.lit("body: item of a list introduced by a line ending in ':'"))
            .when(pl.col("strong"))
            .then(
                pl.format(
                    "body: sentence-like line in the main run ({} of {} words stopwords)",
                    pl.col("n_stop"),
                    pl.col("n_words"),
                )
            )
            .otherwise(pl.lit("body: short line between body paragraphs"))
        )
        .when(pl.col("after_end"))
        .then(
            pl.format(
                "after end-of-article marker on line {}",
                pl.when(pl.col("idx") == pl.col("end_idx")).then(pl.col("line_no") + 1).min(),
            )
        )
        .when((b == "furniture") & pl.col("masthead"))
        .then(pl.lit("furniture: the publisher's name (masthead)"))
        .when((b == "furniture") & pl.col("pull_quote"))
        .then(pl.lit("furniture: pull quote repeating the paragraph next to it"))
        .when((b == "furniture") & pl.col("fkind").is_null() & pl.col("site_furniture"))
        .then(pl.lit("furniture: a line this site repeats on many pages"))
        .when((b == "furniture") & pl.col("fkind").is_null() & pl.col("numeric"))
        .then(pl.lit("furniture: mostly digits (page number, counter)"))
        .when(b == "furniture")
        .then(pl.format("furniture phrase ({})", pl.col("fkind").fill_null("list")))
        .when(pl.col("label") == "byline")
        .then(
            pl.when(pl.col("desk"))
            .then(pl.lit("byline: desk name"))
            .when(pl.col("by_name").is_not_null())
            .then(pl.lit("byline: 'By ...' line"))
            .otherwise(pl.lit("byline: a name next to the date/title"))
        )
        .when(pl.col("label") == "date")
        .then(pl.format("date: {}", pl.col("date_text").fill_null("relative time")))
        .when(pl.col("label") == "counter")
        .then(pl.lit("counter: view count"))
        .when(pl.col("label") == "credit")
        .then(
            pl.format("credit: {}", pl.coalesce("credit_variant", "bare_variant", "credit_unknown"))
        )
        .when(pl.col("short_block"))
        .then(pl.lit("block of short lines (menu or link list)"))
        .when(pl.col("header"))
        .then(pl.lit("header text that is not the title"))
        .when(pl.col("strong"))
        .then(pl.lit("sentence-like text outside the main body run"))
        .when(pl.col("use_sw") & (pl.col("n_words") >= STRONG_MIN_WORDS))
        .then(
            pl.format(
                "text outside the body: not sentence-like ({} of {} words stopwords, '{}')",
                pl.col("n_stop"),
                pl.col("n_words"),
                pl.col("lang"),
            )
        )
        .otherwise(pl.lit("short text outside the body"))
    )
    f = f.with_columns(reason.alias("reason"))
    out = lines.join(
        f.select("line_no", pl.col("label").cast(pl.String), "reason"), on="line_no", how="left"
    )
    # lines an exact furniture phrase explains never reach the classifier (see _features)
    gone = ~pl.col("blank") & pl.col("label").is_null()
    out = out.with_columns(_furniture_kind(out, ref).alias("fkind")).with_columns(
        pl.when(gone).then(pl.lit("furniture")).otherwise(pl.col("label")).alias("label"),
        pl.when(gone)
        .then(pl.format("furniture phrase ({})", pl.col("fkind").fill_null("exact")))
        .otherwise(pl.col("reason"))
        .alias("reason"),
    )
    return out.select(
        (pl.col("line_no") + 1).cast(pl.Int64).alias("line_no"),
        "text",
        pl.col("label").fill_null("blank"),
        pl.col("reason").fill_null(""),
    ).sort("line_no")
