"""Near-duplicate clusters: the same story republished with small edits, on one site or many.

Exact copies are ``dedupe``'s business; this stage finds the *near* copies — a wire story
with a changed sentence, a trimmed last paragraph, an added "Also read:" line or other
quote marks — and gives every article a ``cluster_id``.

How:

1. ``signatures``: the body is lower-cased and split into words (``\\w+``, so quote marks
   and punctuation never matter); every run of ``shingle`` consecutive words is a shingle.
   Words are hashed once per distinct word with BLAKE2b (stable across processes and runs;
   only a change in the Unicode tables of Polars' regex or lower-casing could move a rare
   word), shingle hashes are combined from word hashes with 64-bit arithmetic in
   numpy, and the MinHash signature keeps, for each of ``num_perm`` hash functions
   ``h_j(x) = (a_j·x + b_j) mod 2⁶⁴ >> 32`` over the shingle's 32-bit hash, the minimum.
   ``a_j, b_j`` also come from BLAKE2b, so a signature is the same in every run.
2. ``assign_clusters``: LSH banding (``bands`` bands of ``num_perm / bands`` rows) proposes
   candidate pairs among the batch's signatures and the known ones; the share of equal
   signature positions estimates their Jaccard similarity. A new article joins the cluster
   of its most similar earlier member (estimate ≥ ``threshold``; ties → the earliest), or
   starts a cluster named by its own ``article_id``. Known articles keep their clusters.

"Earlier" is the cluster order: ``published_at`` (undated last), then known before new, then
``article_id``; every known article counts as earlier than the batch. An article is a near
copy of another site's article when its cluster's earliest member is on another site.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np
import numpy.typing as npt
import polars as pl

from newsdesk import schema
from newsdesk.polars_pool import on_polars_pool

#: One article's MinHash signature, as the warehouse stores it (``article_signatures``).
SIGNATURE: dict[str, pl.DataType] = {
    "article_id": pl.String(),
    "site": pl.String(),
    "published_at": schema.UTC_TS,
    "cluster_id": pl.String(),  # null until ``assign_clusters``
    # ``num_perm`` minima; null when the body has no words (such an article never clusters)
    "minhash": pl.List(pl.UInt32()),
}

#: Shingle hashes processed per numpy block in ``signatures`` (× 8 bytes).
_BLOCK = 1 << 18
#: Candidate pairs compared per numpy block in ``assign_clusters``.
_PAIR_BLOCK = 1 << 18
#: MinHash values per signature.
NUM_PERM = 64
#: New articles' groups whose candidate pairs are formed at once in ``_choose_parents``.
_NEW_GROUP_BLOCK = 32
#: LSH bands of a signature (``num_perm / BANDS`` positions each).
BANDS = 16
#: Known signatures screened per block, so that a large warehouse's signatures are never
#: unpacked into arrays all at once (only the near ones are).
_KNOWN_BLOCK = 1 << 13
_WORD = r"\w+"
_MUL = np.uint64(0x9E3779B97F4A7C15)  # odd; mixes word hashes into a shingle hash
_M1 = np.uint64(0xFF51AFD7ED558CCD)  # MurmurHash3 fmix64 constants
_M2 = np.uint64(0xC4CEB9FE1A85EC53)
_PERSON = b"newsdesk-mh"  # BLAKE2b personalisation: these hashes are ours only

U64 = npt.NDArray[np.uint64]
U32 = npt.NDArray[np.uint32]
I64 = npt.NDArray[np.int64]


# --------------------------------------------------------------------------- hashing


def _fmix(x: U64) -> U64:
    """MurmurHash3's 64-bit finaliser (in place on a fresh array)."""
    x ^= x >> np.uint64(33)
    x *= _M1
    x ^= x >> np.uint64(33)
    x *= _M2
    x ^= x >> np.uint64(33)
    return x


def _blake64(items: list[bytes], salt: bytes = b"") -> U64:
    """A stable 64-bit hash of each item (BLAKE2b, little-endian)."""
    digests = b"".join(
        hashlib.blake2b(item, digest_size=8, person=_PERSON, salt=salt).digest() for item in items
    )
    return np.frombuffer(digests, dtype="<u8").astype(np.uint64)


def _permutations(num_perm: int) -> tuple[U64, U64]:
    """The ``a_j`` (odd) and ``b_j`` of the ``num_perm`` hash functions."""
    a = _blake64([f"a{j}".encode() for j in range(num_perm)], salt=b"perm")
    b = _blake64([f"b{j}".encode() for j in range(num_perm)], salt=b"perm")
    return a | np.uint64(1), b


def _word_hashes(bodies: pl.Series) -> tuple[U64, I64]:
    """(hash of every lower-cased word of every body in order, number of words per body)."""
    words = bodies.str.extract_all(_WORD)
    counts = words.list.len().fill_null(0).cast(pl.Int64).to_numpy()
    flat = words.explode().drop_nulls()
    if flat.is_empty():
        return np.zeros(0, dtype=np.uint64), counts
    vocab = flat.unique().sort()
    lowered = vocab.str.to_lowercase().to_list()
    hashes = _blake64([w.encode("utf-8") for w in lowered])
    codes = flat.cast(pl.Enum(vocab)).to_physical().to_numpy()
    return hashes[codes], counts


def _shingle_hashes(words: U64, counts: I64, shingle: int) -> tuple[U64, I64]:
    """(32-bit hash of every shingle in body order, shingles per body).

    A body of ``n ≥ shingle`` words has ``n - shingle + 1`` shingles; a shorter non-empty body
    has one, all its words. Word hashes are BLAKE2b, so chaining them with a multiply and an
    xor gives well-spread, order-sensitive shingle hashes.
    """
    n = len(words)
    ends = np.cumsum(counts)
    starts = ends - counts
    short = (counts > 0) & (counts < shingle)
    short_value = np.zeros(len(counts), dtype=np.uint64)
    valid = np.ones(n, dtype=bool)  # positions where a full window starts
    acc = words.copy()
    for k in range(1, shingle):
        at_k = short & (counts == k)
        short_value[at_k] = acc[starts[at_k]]
        acc *= _MUL
        acc[: n - k] ^= words[k:]
        valid[ends[counts >= k] - k] = False
    full_count = np.where(counts >= shingle, counts - shingle + 1, 0)
    x = acc[valid]
    if short.any():  # each short body's one shingle, at its place among the others
        before = np.cumsum(full_count) - full_count
        x = np.insert(x, before[short], short_value[short])
    per_doc = np.where(short, 1, full_count).astype(np.int64)
    return x >> np.uint64(32), per_doc


def _minhash(x: U64, per_doc: I64, num_perm: int) -> U32:
    """Per-body minima of the ``num_perm`` hash functions: (bodies with shingles, num_perm).

    Blocks of whole bodies, one hash function at a time, so that a block stays in cache.
    """
    a, b = _permutations(num_perm)
    sizes = per_doc[per_doc > 0]
    docs = len(sizes)
    ends = np.cumsum(sizes)
    out = np.empty((docs, num_perm), dtype=np.uint64)
    buf = np.empty(0, dtype=np.uint64)
    d0 = 0
    while d0 < docs:
        # A body longer than a block gets a block to itself.
        lo = int(ends[d0] - sizes[d0])
        d1 = max(int(np.searchsorted(ends, lo + _BLOCK, side="right")), d0 + 1)
        hi = int(ends[d1 - 1])
        if hi - lo > len(buf):
            buf = np.empty(max(hi - lo, _BLOCK), dtype=np.uint64)
        block = buf[: hi - lo]
        offsets = (ends[d0:d1] - sizes[d0:d1] - lo).astype(np.intp)
        for j in range(num_perm):
            np.multiply(x[lo:hi], a[j], out=block)
            block += b[j]
            out[d0:d1, j] = np.minimum.reduceat(block, offsets)
        d0 = d1
    return (out >> np.uint64(32)).astype(np.uint32)


@on_polars_pool
def signatures(articles: pl.DataFrame, num_perm: int = NUM_PERM, shingle: int = 5) -> pl.DataFrame:
    """MinHash signatures of ``articles``' bodies (word ``shingle``-grams, lower-cased).

    ``articles`` needs ``article_id``, ``site``, ``published_at`` and ``body``; the result is a
    ``SIGNATURE`` frame in the same order, ``cluster_id`` null, ``minhash`` null for a body
    without words. Deterministic across runs, processes and machines.
    """
    if num_perm < 1 or shingle < 1:
        raise ValueError("num_perm and shingle must be positive")
    if articles.is_empty():
        return schema.empty(SIGNATURE)
    words, counts = _word_hashes(articles["body"])
    x, per_doc = _shingle_hashes(words, counts, shingle)
    sigs = _minhash(x, per_doc, num_perm)
    has = per_doc > 0
    full = np.zeros((len(per_doc), num_perm), dtype=np.uint32)
    full[has] = sigs
    minhash = pl.Series("minhash", full).cast(pl.List(pl.UInt32))
    out = articles.select("article_id", "site", "published_at").with_columns(
        pl.lit(None, pl.String).alias("cluster_id"),
        pl.when(pl.Series(has)).then(minhash).otherwise(None).alias("minhash"),
    )
    return schema.conform(out, SIGNATURE)


# --------------------------------------------------------------------------- clustering


def _matrix(minhash: pl.Series, what: str) -> U32:
    """A non-null ``List[UInt32]`` column of equal-length lists as a 2-D array."""
    if minhash.is_empty():
        return np.zeros((0, 0), dtype=np.uint32)
    lengths = minhash.list.len().unique()
    if len(lengths) != 1:
        raise ValueError(f"{what}: signatures of different lengths {sorted(lengths.to_list())}")
    k = int(lengths[0])
    flat = minhash.explode().cast(pl.UInt32).to_numpy()
    return np.ascontiguousarray(flat.reshape(len(minhash), k), dtype=np.uint32)


def _band_keys(sig: U32, bands: int) -> U64:
    """One 64-bit key per (row, band), the band's index mixed in: shape (rows, bands)."""
    rows, k = sig.shape
    if k % bands:
        raise ValueError(f"num_perm {k} is not a multiple of bands {bands}")
    r = k // bands
    parts = sig.reshape(rows, bands, r)  # a view; each slice is widened on its own
    key = np.broadcast_to(np.arange(bands, dtype=np.uint64) + np.uint64(1), (rows, bands)).copy()
    for i in range(r):
        key *= _MUL
        key ^= parts[:, :, i].astype(np.uint64)
    return _fmix(key)


def _near_known(
    known_rows: pl.DataFrame, sig_new: U32, threshold: float, bands: int
) -> npt.NDArray[np.bool_]:
    """Which known rows share enough LSH bands with the batch to be similar enough (a
    boolean mask), screened block by block."""
    k = sig_new.shape[1]
    new_keys = np.unique(_band_keys(sig_new, bands))
    need = _min_bands(_needed_matches(threshold, k), k, bands)
    near = np.zeros(len(known_rows), dtype=bool)
    for start in range(0, len(known_rows), _KNOWN_BLOCK):
        block = _matrix(known_rows["minhash"].slice(start, _KNOWN_BLOCK), "known")
        if block.shape[1] != k:
            raise ValueError(f"known signatures have {block.shape[1]} values, new ones {k}")
        hits = np.isin(_band_keys(block, bands), new_keys).sum(axis=1)
        near[start : start + len(block)] = hits >= need
    return near


def _sig_frame(df: pl.DataFrame) -> pl.DataFrame:
    return df.select(
        pl.col("article_id").cast(pl.String),
        pl.col("site").cast(pl.String),
        pl.col("published_at").cast(schema.UTC_TS),
        pl.col("minhash").cast(pl.List(pl.UInt32)),
    )


@on_polars_pool
def assign_clusters(
    new: pl.DataFrame, known: pl.DataFrame, threshold: float = 0.8, bands: int = BANDS
) -> pl.DataFrame:
    """``new`` with ``cluster_id`` and ``is_near_copy_of_other_site`` set.

    ``new`` holds the batch's ``SIGNATURE`` rows (extra columns are kept, rows stay in order);
    ``known`` those of the articles loaded before, with their clusters (a null ``cluster_id``
    counts as the article's own). A new article joins the cluster of its most similar earlier
    member with estimated Jaccard ≥ ``threshold`` (ties: the earliest member), else starts
    its own, named by its ``article_id``; an article without a signature is alone. A new
    article already known with the same signature keeps its cluster; with another signature
    (its body changed) its known row is ignored. Known clusters never change or merge.
    """
    if new.is_empty():
        return new.with_columns(
            pl.lit(None, pl.String).alias("cluster_id"),
            pl.lit(None, pl.Boolean).alias("is_near_copy_of_other_site"),
        )
    if not 0.0 < threshold <= 1.0:
        raise ValueError("threshold must be in (0, 1]")
    batch = _sig_frame(new)
    known = (
        schema.conform(known, SIGNATURE)
        .with_columns(pl.coalesce("cluster_id", "article_id").alias("cluster_id"))
        .unique("article_id", keep="first", maintain_order=True)
    )
    # The batch's articles already known: same signature → they keep their cluster; another
    # signature → the old version is gone.
    again = batch.select("article_id", "minhash").join(
        known.select("article_id", pl.col("minhash").alias("_old")), on="article_id"
    )
    unchanged = again.filter((pl.col("minhash") == pl.col("_old")).fill_null(False))
    changed = again.join(unchanged, on="article_id", how="anti")["article_id"]
    known = known.filter(~pl.col("article_id").is_in(changed.implode()))

    has_sig = batch["minhash"].is_not_null()
    batch_rows = batch.with_row_index("_pos").filter(has_sig)
    sig_new = _matrix(batch_rows["minhash"], "new")
    known_rows = known.filter(pl.col("minhash").is_not_null())
    if len(sig_new) and not known_rows.is_empty():
        # Only known articles sharing enough bands with the batch can be similar enough.
        known_rows = known_rows.filter(
            pl.Series(_near_known(known_rows, sig_new, threshold, bands))
        )
        sig_known = (
            _matrix(known_rows["minhash"], "known")
            if len(known_rows)
            else np.zeros((0, sig_new.shape[1]), dtype=np.uint32)
        )
    else:
        sig_known = np.zeros((0, sig_new.shape[1] if len(sig_new) else 0), dtype=np.uint32)
        known_rows = known_rows.clear()

    # All candidate rows: the near known ones first, then the batch's with a signature.
    rows = pl.concat(
        [
            known_rows.select(
                "article_id",
                "published_at",
                "cluster_id",
                pl.lit(None, pl.UInt32).alias("_pos"),
                pl.lit(False).alias("_is_new"),
            ),
            batch_rows.select(
                "article_id",
                "published_at",
                pl.col("article_id").alias("cluster_id"),
                "_pos",
                pl.lit(True).alias("_is_new"),
            ),
        ]
    ).with_row_index("_row")
    sig = np.concatenate([sig_known, sig_new])
    ordered = rows.sort(
        ["published_at", "_is_new", "article_id"], nulls_last=True, maintain_order=True
    )["_row"].to_numpy()
    rank = np.empty(len(rows), dtype=np.int64)
    rank[ordered] = np.arange(len(rows), dtype=np.int64)
    fixed = (
        rows.filter(
            pl.col("_is_new") & pl.col("article_id").is_in(unchanged["article_id"].implode())
        )
        .select("_row", "article_id")
        .join(
            rows.filter(~pl.col("_is_new")).select(pl.col("_row").alias("_to"), "article_id"),
            on="article_id",
        )
    )
    parent = _choose_parents(sig, rank, rows["_is_new"].to_numpy(), threshold, bands)
    parent[fixed["_row"].to_numpy()] = fixed["_to"].to_numpy()
    while True:  # follow chains: a new row points at an earlier one, known rows at themselves
        hop = parent[parent]
        if np.array_equal(hop, parent):
            break
        parent = hop
    clusters = np.asarray(batch["article_id"].to_list(), dtype=object)  # no signature: own
    n_known = len(known_rows)
    clusters[batch_rows["_pos"].to_numpy().astype(np.int64)] = rows["cluster_id"].to_numpy()[
        parent[n_known:]
    ]
    cluster = pl.Series("cluster_id", clusters.tolist(), dtype=pl.String)
    flag = _earliest_elsewhere(batch, cluster, known)
    return new.with_columns(cluster, flag)


def _needed_matches(threshold: float, k: int) -> int:
    """Equal signature positions (of ``k``) for an estimated Jaccard of at least ``threshold``."""
    return max(1, math.ceil(threshold * k - 1e-9))


def min_shared_bands(threshold: float, k: int, bands: int = BANDS) -> int:
    """LSH bands that two ``k``-value signatures at estimated Jaccard ≥ ``threshold`` share
    at the least: what a store of known signatures can pre-select candidates by."""
    return _min_bands(_needed_matches(threshold, k), k, bands)


def _min_bands(need: int, k: int, bands: int) -> int:
    """Bands two signatures with ``need`` equal positions share at the least: each of the
    ``k - need`` unequal positions spoils at most one band. A lossless pre-filter."""
    return max(1, bands - (k - need))


def _choose_parents(
    sig: U32, rank: I64, is_new: npt.NDArray[np.bool_], threshold: float, bands: int
) -> I64:
    """For each row, the row whose cluster it joins: a new row's most similar earlier row
    (ties: the earliest), itself when there is none; a known row, itself."""
    n = len(sig)
    parent = np.arange(n, dtype=np.int64)
    if n == 0 or not is_new.any():
        return parent
    never = np.iinfo(np.int64).max
    # Rows with identical signatures form one group; LSH runs between groups.
    uniq, inverse = np.unique(sig, axis=0, return_inverse=True)
    group = inverse.reshape(-1).astype(np.int64)
    n_groups = len(uniq)
    first = np.full(n_groups, never, dtype=np.int64)  # earliest rank in the group
    np.minimum.at(first, group, rank)
    first_known = np.full(n_groups, never, dtype=np.int64)  # earliest known rank
    np.minimum.at(first_known, group[~is_new], rank[~is_new])
    has_new = np.zeros(n_groups, dtype=bool)
    has_new[group[is_new]] = True

    keys = pl.DataFrame(
        {
            "g": np.repeat(np.arange(n_groups, dtype=np.int64), bands),
            "key": _band_keys(uniq, bands).reshape(-1),
        }
    )
    need = _needed_matches(threshold, sig.shape[1])
    min_bands = _min_bands(need, sig.shape[1], bands)
    # Candidate pairs (a new group, another group sharing a band), a block of new groups at a
    # time, keeping only the pairs similar enough: on text with many shared phrases most
    # groups share some band, and all candidate pairs at once would not fit in memory.
    new_groups = np.flatnonzero(has_new)
    found: list[tuple[I64, I64, I64]] = []
    for start in range(0, len(new_groups), _NEW_GROUP_BLOCK):
        in_block = np.zeros(n_groups, dtype=bool)
        in_block[new_groups[start : start + _NEW_GROUP_BLOCK]] = True
        pairs = (
            keys.filter(pl.Series(np.repeat(in_block, bands)))
            .join(keys.rename({"g": "h"}), on="key")
            .filter(pl.col("g") != pl.col("h"))
            .group_by("g", "h")
            .len()
            .filter(pl.col("len") >= min_bands)
        )
        g = pairs["g"].to_numpy()
        h = pairs["h"].to_numpy()
        same = np.empty(len(g), dtype=np.int64)
        for lo in range(0, len(g), _PAIR_BLOCK):
            hi = lo + _PAIR_BLOCK
            same[lo:hi] = np.count_nonzero(uniq[g[lo:hi]] == uniq[h[lo:hi]], axis=1)
        ok = same >= need
        found.append((g[ok], h[ok], same[ok]))
    own = new_groups  # a row's own group: its identical copies, all equal
    g = np.concatenate([*(f[0] for f in found), own])
    h = np.concatenate([*(f[1] for f in found), own])
    sim = np.concatenate([*(f[2] for f in found), np.full(len(own), sig.shape[1])])

    new_rows = np.flatnonzero(is_new)
    joined = pl.DataFrame({"row": new_rows, "g": group[new_rows]}).join(
        pl.DataFrame({"g": g, "h": h, "sim": sim}), on="g"
    )
    row = joined["row"].to_numpy()
    h = joined["h"].to_numpy()
    sim = joined["sim"].to_numpy()
    # The earliest eligible member of group h: its first row when earlier than this row, else
    # its first known row (known rows always count as earlier).
    cand = np.where(first[h] < rank[row], first[h], first_known[h])
    keep = cand < never
    row, sim, cand = row[keep], sim[keep], cand[keep]
    best = np.lexsort((cand, -sim, row))
    row, cand = row[best], cand[best]
    head = np.ones(len(row), dtype=bool)
    head[1:] = row[1:] != row[:-1]
    by_rank = np.empty(n, dtype=np.int64)
    by_rank[rank] = np.arange(n, dtype=np.int64)
    parent[row[head]] = by_rank[cand[head]]
    return parent


def _earliest_elsewhere(batch: pl.DataFrame, cluster: pl.Series, known: pl.DataFrame) -> pl.Series:
    """Whether each new article's cluster's earliest member is on another site."""
    members_new = batch.select("article_id", "site", "published_at").with_columns(
        cluster, pl.lit(True).alias("_is_new")
    )
    members_known = known.filter(
        pl.col("cluster_id").is_in(cluster.unique().drop_nulls().implode())
        & ~pl.col("article_id").is_in(batch["article_id"].implode())
    ).select("article_id", "site", "published_at", "cluster_id", pl.lit(False).alias("_is_new"))
    earliest = (
        pl.concat([members_known, members_new])
        .sort(["published_at", "_is_new", "article_id"], nulls_last=True, maintain_order=True)
        .group_by("cluster_id", maintain_order=True)
        .agg(pl.col("site").first().fill_null("").alias("_first_site"))
    )
    return (
        members_new.join(earliest, on="cluster_id", how="left", maintain_order="left")
        .select(
            (pl.col("_first_site") != pl.col("site").fill_null("")).alias(
                "is_near_copy_of_other_site"
            )
        )
        .to_series()
    )
