"""Letters as code-point ranges, for regexes that Polars compiles on every call.

Polars keeps 32 compiled regexes per thread and the extract and entity stages use more, so
each of their regexes is compiled on every call. A Unicode class (``\\p{L}``, ``\\p{Lu}``) is
hundreds of ranges that take Rust's regex compiler milliseconds each time (a byline pattern:
4.2 ms with ``\\p{..}``, 0.5 ms with these ranges). These cover Latin, Greek and Cyrillic; the
mixed-case Latin Extended blocks count as both cases. Bodies in other scripts are kept and
processed all the same: only these letter tests (a capitalised name, a lower-case letter) do
not see their letters.
"""

from __future__ import annotations

#: Upper-case letters (character-class ranges, without the brackets).
UPPER = "A-ZÀ-ÖØ-ÞĀ-ɏḀ-ỿΆ-ΫЀ-Я"
#: Lower-case letters.
LOWER = "a-zß-öø-ÿĀ-ɏḀ-ỿά-ώа-џ"
#: Combining diacritics (text in decomposed form: "e" + U+0301).
MARKS = "\u0300-\u036f"
