"""Near-duplicate clusters: MinHash signatures of bodies, LSH clusters, the other-site flag."""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import numpy as np
import polars as pl
import pytest

from newsdesk import schema
from newsdesk.extract import extract
from newsdesk.readers import discover, read_bytes
from newsdesk.syndication import SIGNATURE, assign_clusters, signatures

from .conftest import ROOT, SAMPLE

T0 = datetime(2025, 9, 1, 8, 0, tzinfo=UTC)

#: A wire story of about 400 words, written for these tests.
STORY = """\
The regional water authority said on Tuesday that reservoir levels across the northern \
catchment had fallen to their lowest point in almost three decades, after a summer with \
less than half the usual rainfall and a spring that was the warmest on record.

Officials told a briefing in the city council chamber that a hosepipe ban covering about \
1.2 million households would take effect from Friday morning and remain in place until \
levels recovered, which engineers expected would take at least until the new year.

"We have not taken this decision lightly," said the authority's chief executive, who \
added that leakage from ageing pipes had been cut by a fifth over the past five years \
but that demand during the heatwave had outstripped anything the network was built for.

Farmers' groups said the restrictions would hit vegetable growers hardest, because many \
smaller farms draw water from the same rivers that feed the reservoirs and have no \
storage of their own. Several asked for emergency licences to abstract water at night.

Environmental campaigners welcomed the ban but said it came weeks too late, pointing to \
stretches of two chalk streams that had dried out completely in August, leaving fish \
stranded in isolated pools that volunteers tried to rescue with nets and buckets.

The authority said it would fast-track a pipeline linking the northern system to a \
larger reservoir in the west, a project first proposed in 2012 and shelved twice because \
of its cost, now estimated at around 340 million.

Ministers are expected to publish a national drought plan next month. A spokesperson for \
the environment department said the government was in close contact with all water \
companies and would not hesitate to use emergency powers if supplies were threatened.

Weather forecasters said there was little sign of a change in the pattern, with high \
pressure expected to dominate for at least another fortnight and only scattered showers \
forecast for coastal areas in the far west of the region.

Residents were urged to report leaks, to avoid watering lawns and washing cars, and to \
take shorter showers, which the authority said could save as much as a tenth of daily \
demand if enough households took part over the coming weeks."""


Row = tuple[str, str | None, datetime | None, str | None]


def frame(rows: Sequence[Row]) -> pl.DataFrame:
    """Articles (article_id, site, published_at, body)."""
    return pl.DataFrame(
        rows,
        schema={
            "article_id": pl.String,
            "site": pl.String,
            "published_at": schema.UTC_TS,
            "body": pl.String,
        },
        orient="row",
    )


def cluster_of(out: pl.DataFrame) -> dict[str, str]:
    return dict(zip(out["article_id"], out["cluster_id"], strict=True))


def flag_of(out: pl.DataFrame) -> dict[str, bool]:
    return dict(zip(out["article_id"], out["is_near_copy_of_other_site"], strict=True))


def no_known() -> pl.DataFrame:
    return schema.empty(SIGNATURE)


def shingles(body: str, k: int = 5) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", body.lower())
    return {tuple(words[i : i + k]) for i in range(max(1, len(words) - k + 1))}


def jaccard(a: str, b: str) -> float:
    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb)


@lru_cache(maxsize=1)
def sample_bodies() -> tuple[str, ...]:
    """The distinct bodies of the bundled sample, after extraction."""
    records = []
    for path in sorted(discover([SAMPLE])):
        if "bad" not in path.parts:
            records += read_bytes(path.read_bytes(), str(path), "", 10**7).records
    raw = schema.conform(pl.DataFrame(records, infer_schema_length=None), schema.RAW_RECORD)
    bodies = extract(raw)["body"].drop_nulls().unique(maintain_order=True)
    return tuple(bodies.to_list())


# --------------------------------------------------------------------------- signatures


def test_signature_frame_shape_and_types() -> None:
    sigs = signatures(frame([("a", "x.com", T0, STORY), ("b", None, None, "Too short.")]))
    assert sigs.schema == pl.Schema(SIGNATURE)
    assert sigs["article_id"].to_list() == ["a", "b"]
    assert sigs["cluster_id"].null_count() == 2
    assert sigs["minhash"].list.len().to_list() == [64, 64]
    assert signatures(frame([("a", "x", T0, STORY)]), num_perm=128)["minhash"].list.len()[0] == 128


def test_case_punctuation_and_quote_marks_do_not_matter() -> None:
    curly = STORY.replace('"', "“", 1).replace('"', "”", 1).replace("'", "’")
    variants = [STORY, STORY.upper(), curly, STORY.replace(",", "").replace("\n\n", "\n")]
    sigs = signatures(frame([(str(i), "x", T0, b) for i, b in enumerate(variants)]))
    assert sigs["minhash"].n_unique() == 1


def test_bodies_without_words_have_no_signature() -> None:
    sigs = signatures(frame([("a", "x", T0, ""), ("b", "x", T0, None), ("c", "x", T0, " — … ")]))
    assert sigs["minhash"].null_count() == 3


def test_short_bodies_get_one_shingle_of_all_their_words() -> None:
    sigs = signatures(frame([("a", "x", T0, "Polls close"), ("b", "y", T0, "polls, close!")]))
    first, second = sigs["minhash"].to_list()
    assert first == second
    assert len(set(first)) > 1  # 64 different hash functions of the one shingle


def test_estimate_tracks_the_true_jaccard() -> None:
    words = STORY.split()
    rng = random.Random(3)
    bodies = [STORY]
    for cut in (20, 60, 120, 200):  # replace a growing run of words
        edited = words.copy()
        start = rng.randrange(len(words) - cut)
        edited[start : start + cut] = [f"w{rng.randrange(10**6)}" for _ in range(cut)]
        bodies.append(" ".join(edited))
    sigs = signatures(frame([(str(i), "x", T0, b) for i, b in enumerate(bodies)]), num_perm=256)
    m = np.array(sigs["minhash"].to_list())
    for i in range(1, len(bodies)):
        estimate = float((m[0] == m[i]).mean())
        assert abs(estimate - jaccard(STORY, bodies[i])) < 0.1


#: A signature pinned in the repository: stored signatures stay comparable across versions.
PINNED_TEXT = "The quick brown fox jumps over the lazy dog while the cat sleeps soundly."
PINNED = [418593434, 342840404, 511638116, 42262467, 177870142, 297764060, 62968188, 256859966]


def reference_minhash(body: str, num_perm: int, k: int = 5) -> list[int] | None:
    """The documented algorithm, one shingle at a time in plain Python."""
    mask = (1 << 64) - 1

    def h64(data: bytes, salt: bytes = b"") -> int:
        digest = hashlib.blake2b(data, digest_size=8, person=b"newsdesk-mh", salt=salt)
        return int.from_bytes(digest.digest(), "little")

    words = [h64(w.lower().encode()) for w in re.findall(r"\w+", body)]
    if not words:
        return None
    windows = [words[i : i + k] for i in range(len(words) - k + 1)] or [words]
    xs = []
    for window in windows:
        acc = window[0]
        for w in window[1:]:
            acc = ((acc * 0x9E3779B97F4A7C15) & mask) ^ w
        xs.append(acc >> 32)
    out = []
    for j in range(num_perm):
        a = h64(f"a{j}".encode(), b"perm") | 1
        b = h64(f"b{j}".encode(), b"perm")
        out.append(min(((a * x + b) & mask) >> 32 for x in xs))
    return out


def _pinned_signature() -> list[int]:
    out = signatures(frame([("p", "x", T0, PINNED_TEXT)]), num_perm=8)["minhash"][0]
    return [int(v) for v in out]


def test_signature_is_the_same_in_another_process() -> None:
    here = _pinned_signature()
    code = (
        "import json, polars as pl\n"
        "from newsdesk.syndication import signatures\n"
        f"df = pl.DataFrame({{'article_id': ['p'], 'site': ['x'], 'published_at': [None],"
        f" 'body': [{PINNED_TEXT!r}]}})\n"
        "print(json.dumps([int(v) for v in signatures(df, num_perm=8)['minhash'][0]]))\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345", "POLARS_MAX_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True, cwd=ROOT
    )
    assert json.loads(done.stdout) == here


def test_pinned_signature() -> None:
    assert _pinned_signature() == PINNED


def test_vectorised_signatures_match_the_plain_algorithm() -> None:
    bodies = [STORY, "", "Two words", "One", "five words are exactly here", None, "A b c d e f"]
    bodies += [b for b in sample_bodies()[:5]]
    sigs = signatures(frame([(str(i), "x", T0, b) for i, b in enumerate(bodies)]), num_perm=16)
    for body, got in zip(bodies, sigs["minhash"].to_list(), strict=True):
        assert got == (None if body is None else reference_minhash(body, 16))


# --------------------------------------------------------------------------- clusters


def edits_of(story: str) -> dict[str, str]:
    paragraphs = story.split("\n\n")
    changed = paragraphs.copy()
    changed[2] = (
        '"This was a difficult call," the chief executive said, adding that the network '
        "had never faced such demand."
    )
    return {
        "changed_sentence": "\n\n".join(changed),
        "also_read": story + "\n\nAlso read: Heatwave warnings extended for a third week",
        "trimmed": "\n\n".join(paragraphs[:-1]),
        "curly_quotes": story.replace('"', "“", 1).replace('"', "”", 1).replace("'", "’"),
        "furniture": "Advertisement\n\n" + story + "\n\nShare this article",
    }


def test_identical_bodies_cluster() -> None:
    sigs = signatures(
        frame([("a", "x.com", T0, STORY), ("b", "y.com", T0 + timedelta(hours=1), STORY)])
    )
    out = assign_clusters(sigs, no_known())
    assert cluster_of(out) == {"a": "a", "b": "a"}
    assert flag_of(out) == {"a": False, "b": True}


def test_light_edits_cluster_with_the_original() -> None:
    edits = edits_of(STORY)
    rows = [("orig", "wire.com", T0, STORY)]
    rows += [(name, f"{name}.com", T0 + timedelta(hours=1), body) for name, body in edits.items()]
    for name, body in edits.items():
        assert jaccard(STORY, body) >= 0.8, name  # the edits really are light
    out = assign_clusters(signatures(frame(rows)), no_known())
    assert set(cluster_of(out).values()) == {"orig"}
    assert flag_of(out) == {"orig": False} | dict.fromkeys(edits, True)


def test_different_stories_never_cluster() -> None:
    bodies = sample_bodies()
    assert len(bodies) >= 50
    rows = [(f"s{i}", f"site{i}.com", T0, b) for i, b in enumerate(bodies)]
    rows.append(("story", "x.com", T0, STORY))
    out = assign_clusters(signatures(frame(rows)), no_known())
    assert out["cluster_id"].to_list() == out["article_id"].to_list()
    assert not out["is_near_copy_of_other_site"].any()


def test_sample_syndicated_copies_cluster() -> None:
    """The sample republishes a few bodies on other sites (exact copies): they cluster too."""
    records = []
    for path in sorted(discover([SAMPLE / "dailymeridian", SAMPLE / "northstarherald"])):
        records += read_bytes(path.read_bytes(), str(path), "", 10**7).records
    raw = schema.conform(pl.DataFrame(records, infer_schema_length=None), schema.RAW_RECORD)
    bodies = extract(raw).select(
        pl.col("source_path").alias("article_id"),
        pl.col("source_path").str.extract(r"sample/(\w+)/").alias("site"),
        pl.lit(T0).alias("published_at"),
        "body",
    )
    out = assign_clusters(signatures(bodies), no_known())
    copies = out.filter(pl.col("cluster_id") != pl.col("article_id"))
    assert copies.height >= 1
    assert copies.filter(pl.col("article_id").str.contains("uk-economy"))[
        "is_near_copy_of_other_site"
    ].to_list() == [True]
    same_site = copies.filter(pl.col("article_id").str.contains("edinburgh"))
    assert same_site["is_near_copy_of_other_site"].to_list() == [False]  # a _v2 on its own site


def test_new_articles_join_known_clusters() -> None:
    known = signatures(
        frame([("k1", "wire.com", T0, STORY), ("k2", "x.com", T0, "Other news.")])
    ).with_columns(
        pl.when(pl.col("article_id") == "k1").then(pl.lit("cluster-7")).alias("cluster_id")
    )
    new = signatures(
        frame(
            [
                ("n1", "y.com", T0 + timedelta(days=1), edits_of(STORY)["also_read"]),
                ("n2", "wire.com", T0 + timedelta(days=1), edits_of(STORY)["trimmed"]),
                ("n3", "z.com", T0, "Other news."),  # null cluster_id in known: its own id
            ]
        )
    )
    out = assign_clusters(new, known)
    assert cluster_of(out) == {"n1": "cluster-7", "n2": "cluster-7", "n3": "k2"}
    assert flag_of(out) == {"n1": True, "n2": False, "n3": True}


def test_known_signatures_screened_in_blocks_give_the_same_clusters(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A large warehouse's signatures are screened a block at a time; the block size never
    changes which known cluster a new article joins."""
    from newsdesk import syndication  # noqa: PLC0415

    bodies = list(sample_bodies()[:20])
    known = assign_clusters(
        signatures(frame([(f"k{i}", "a.com", T0, b) for i, b in enumerate([*bodies, STORY])])),
        no_known(),
    )
    edits = edits_of(STORY)
    new = signatures(
        frame([("n1", "b.com", T0 + timedelta(days=1), edits["also_read"])])
        .vstack(frame([("n2", "c.com", T0 + timedelta(days=1), bodies[7])]))
        .vstack(frame([("n3", "c.com", T0, "Something else entirely, in a few words.")]))
    )
    whole = assign_clusters(new, known)
    assert cluster_of(whole) == {"n1": "k20", "n2": "k7", "n3": "n3"}
    monkeypatch.setattr(syndication, "_KNOWN_BLOCK", 3)  # 21 known rows: 7 blocks
    assert assign_clusters(new, known).equals(whole)


def test_candidate_pairs_formed_in_blocks_give_the_same_clusters(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Candidate pairs are formed a block of new articles at a time (memory); the block size
    never changes a cluster."""
    from newsdesk import syndication  # noqa: PLC0415

    rows = [
        (f"{name}-{i}", f"s{i % 3}.com", T0 + timedelta(hours=i), body)
        for i, (name, body) in enumerate(edits_of(STORY).items())
    ]
    rows += [(f"b{i}", "o.com", T0, b) for i, b in enumerate(sample_bodies()[:15])]
    sigs = signatures(frame(rows))
    whole = assign_clusters(sigs, no_known())
    assert whole["cluster_id"].n_unique() < len(rows)  # the edits cluster together
    monkeypatch.setattr(syndication, "_NEW_GROUP_BLOCK", 2)
    assert assign_clusters(sigs, no_known()).equals(whole)


def test_earliest_member_decides_the_flag() -> None:
    later = edits_of(STORY)["changed_sentence"]
    rows = [
        ("z-late", "a.com", T0 + timedelta(days=2), STORY),
        ("m-first", "b.com", T0, later),  # published first: the cluster is named after it
        ("a-mid", "b.com", T0 + timedelta(days=1), STORY),
        ("undated", "c.com", None, STORY),  # undated members come last
    ]
    out = assign_clusters(signatures(frame(rows)), no_known())
    assert set(cluster_of(out).values()) == {"m-first"}
    assert flag_of(out) == {"z-late": True, "m-first": False, "a-mid": False, "undated": True}


def test_known_before_new_at_the_same_time_then_article_id() -> None:
    known = assign_clusters(signatures(frame([("zz", "a.com", T0, STORY)])), no_known())
    new = signatures(frame([("aa", "b.com", T0, STORY), ("ab", "a.com", T0, STORY)]))
    out = assign_clusters(new, known)
    assert set(cluster_of(out).values()) == {"zz"}
    assert flag_of(out) == {"aa": True, "ab": False}
    # without the known copy, article_id breaks the tie
    out = assign_clusters(new, no_known())
    assert cluster_of(out) == {"aa": "aa", "ab": "aa"}
    assert flag_of(out) == {"aa": False, "ab": True}


def test_most_similar_earlier_member_wins() -> None:
    other = edits_of(STORY)["changed_sentence"]
    near_other = other + "\n\nAlso read: Heatwave warnings extended"
    assert jaccard(near_other, other) > jaccard(near_other, STORY) >= 0.8
    known = signatures(
        frame(
            [("k-story", "a.com", T0, STORY), ("k-other", "b.com", T0 + timedelta(days=1), other)]
        )
    ).with_columns(pl.Series("cluster_id", ["C1", "C2"]))  # two clusters from earlier runs
    late = T0 + timedelta(days=2)
    out = assign_clusters(signatures(frame([("n", "c.com", late, near_other)])), known)
    assert cluster_of(out) == {"n": "C2"}
    assert flag_of(out) == {"n": True}
    # published before every known member (a backfill): it is its cluster's earliest member
    out = assign_clusters(signatures(frame([("n", "c.com", T0, near_other)])), known)
    assert cluster_of(out) == {"n": "C2"}
    assert flag_of(out) == {"n": False}
    # equally similar to both: the earliest wins
    out = assign_clusters(
        signatures(frame([("n", "c.com", T0, STORY)])),
        known.with_columns(pl.col("minhash").first()),
    )
    assert cluster_of(out) == {"n": "C1"}


def test_clusters_are_stable_when_articles_are_run_again() -> None:
    edits = edits_of(STORY)
    rows = [
        (name, f"{name}.com", T0 + timedelta(hours=i), b)
        for i, (name, b) in enumerate(edits.items())
    ]
    rows += [(f"s{i}", "s.com", T0, b) for i, b in enumerate(sample_bodies()[:20])]
    sigs = signatures(frame(rows))
    first = assign_clusters(sigs, no_known())
    # the same batch again, with the first run's rows known (a re-run): same clusters
    again = assign_clusters(sigs, schema.conform(first, SIGNATURE))
    assert again.equals(first)
    # in two batches, the second one then re-run: same clusters as one batch
    half = len(rows) // 2
    b1 = assign_clusters(sigs.head(half), no_known())
    b2 = assign_clusters(sigs.tail(-half), schema.conform(b1, SIGNATURE))
    both = pl.concat([b1, b2])
    assert cluster_of(both) == cluster_of(first)
    rerun = assign_clusters(sigs.tail(-half), schema.conform(both, SIGNATURE))
    assert rerun.equals(b2)


def test_a_changed_article_is_clustered_afresh() -> None:
    known = assign_clusters(
        signatures(frame([("k", "a.com", T0, STORY), ("v1", "b.com", T0, STORY)])), no_known()
    )
    assert cluster_of(known)["v1"] == "k"
    # v1 is loaded again with another body: its old signature is no longer a member
    out = assign_clusters(signatures(frame([("v1", "b.com", T0, "An entirely new text.")])), known)
    assert cluster_of(out) == {"v1": "v1"}
    assert flag_of(out) == {"v1": False}


def test_result_does_not_depend_on_row_order() -> None:
    edits = edits_of(STORY)
    rows: list[Row] = [
        (name, f"{name}.com", T0 + timedelta(hours=i % 3), b)
        for i, (name, b) in enumerate(edits.items())
    ]
    rows += [("orig", "o.com", T0 + timedelta(hours=1), STORY), ("solo", "o.com", None, "Hi.")]
    sigs = signatures(frame(rows))
    expected = assign_clusters(sigs, no_known())
    for seed in range(3):
        shuffled = sigs.sample(fraction=1.0, shuffle=True, seed=seed)
        out = assign_clusters(shuffled, no_known())
        assert out["article_id"].to_list() == shuffled["article_id"].to_list()  # order kept
        assert cluster_of(out) == cluster_of(expected)
        assert flag_of(out) == flag_of(expected)


def test_extra_columns_are_kept() -> None:
    sigs = signatures(frame([("a", "x", T0, STORY)])).with_columns(pl.lit(1).alias("extra"))
    out = assign_clusters(sigs, no_known())
    assert out.columns == [*SIGNATURE, "extra", "is_near_copy_of_other_site"]


def test_empty_frames() -> None:
    assert signatures(frame([])).schema == pl.Schema(SIGNATURE)
    out = assign_clusters(schema.empty(SIGNATURE), no_known())
    assert out.is_empty()
    assert out.schema["is_near_copy_of_other_site"] == pl.Boolean
    assert out.schema["cluster_id"] == pl.String
    sigs = signatures(frame([("a", "x", T0, STORY), ("b", "y", T0, None), ("c", "y", T0, "")]))
    out = assign_clusters(sigs, no_known())
    assert cluster_of(out) == {"a": "a", "b": "b", "c": "c"}
    assert not out["is_near_copy_of_other_site"].any()
    # a batch with no signature at all, against known signatures
    out = assign_clusters(sigs.tail(2), assign_clusters(sigs.head(1), no_known()))
    assert cluster_of(out) == {"b": "b", "c": "c"}


def test_signatures_of_another_length_are_refused() -> None:
    known = assign_clusters(signatures(frame([("k", "x", T0, STORY)]), num_perm=32), no_known())
    with pytest.raises(ValueError, match="values"):
        assign_clusters(signatures(frame([("n", "x", T0, STORY)])), known)
    with pytest.raises(ValueError, match="multiple of bands"):
        assign_clusters(signatures(frame([("n", "x", T0, STORY)]), num_perm=40), no_known())


# --------------------------------------------------------------------------- throughput


@pytest.mark.skipif(
    not os.environ.get("NEWSDESK_BENCH"), reason="benchmark: set NEWSDESK_BENCH=1 to run"
)
def test_throughput() -> None:
    """20,000 synthetic articles (~460 words) with 5% near copies on other sites, one batch and
    then a second batch against the first as known (prints the figures).

    NEWSDESK_BENCH=1 POLARS_MAX_THREADS=1 uv run pytest tests/test_syndication.py -k throughput -s
    """
    from newsdesk import synth  # noqa: PLC0415 - benchmark only
    from newsdesk.settings import get_settings  # noqa: PLC0415

    banks = synth._banks(get_settings().reference_dir / "synth")
    rng = random.Random(7)
    n = 20_000

    def batch(offset: int) -> pl.DataFrame:
        rows: list[Row] = []
        for i in range(n):
            if i % 20 == 19:  # a near copy of an earlier article of the batch, on another site
                _, _, when, body = rows[rng.randrange(len(rows))]
                paras = (body or "").split("\n\n")
                paras[rng.randrange(len(paras))] = "Also read: the latest on this story"
                rows.append((f"c{offset + i}", "copy.example", when, "\n\n".join(paras)))
                continue
            a = synth._article(rng, banks, offset + i)
            rows.append((f"a{offset + i}", a.site["domain"], a.when, "\n\n".join(a.paras)))
        return frame(rows)

    first, second = batch(0), batch(n)
    words = first.select(pl.col("body").str.count_matches(r"\w+").mean()).item()
    sig_s, sigs1 = _timed(lambda: signatures(first))
    one_s, out1 = _timed(lambda: assign_clusters(sigs1, no_known()))
    sigs2 = signatures(second)
    two_s, out2 = _timed(lambda: assign_clusters(sigs2, schema.conform(out1, SIGNATURE)))
    copies = out1.filter(pl.col("article_id").str.starts_with("c"))
    joined = copies.select((pl.col("cluster_id") != pl.col("article_id")).mean()).item()
    print(
        f"\nsyndication: {n} articles, {words:.0f} words on average; signatures {sig_s:.2f} s, "
        f"assign_clusters (no known) {one_s:.2f} s, second batch against {n} known "
        f"{two_s:.2f} s; near copies clustered {joined:.1%}; clusters with >1 member "
        f"{out1['cluster_id'].value_counts().filter(pl.col('count') > 1).height} "
        f"(POLARS_MAX_THREADS={os.environ.get('POLARS_MAX_THREADS', 'all')})"
    )
    assert sig_s + one_s < 10
    assert out2.height == n


def _timed(fn: Callable[[], pl.DataFrame]) -> tuple[float, pl.DataFrame]:
    """Best of three, in CPU seconds (per core with POLARS_MAX_THREADS=1), and the result."""
    best = float("inf")
    result = schema.empty(SIGNATURE)
    for _ in range(3):
        started = time.process_time()
        result = fn()
        best = min(best, time.process_time() - started)
    return best, result
