"""Archive reader: members through their own readers with ``archive!/member`` lineage; every
unsafe member (traversal, absolute path, links, bombs, encryption, deep nesting)
quarantined with a reason; nothing written to disk."""

from __future__ import annotations

import gzip
import io
import json
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsdesk.readers import archive, read_bytes

LIMIT = 2_000_000

PAGE = (
    "<html><head><title>Harbour works</title></head><body><article><h1>Harbour works</h1>"
    + "".join(
        f"<p>Paragraph {k}: dredging of the inner harbour will begin in March after two years"
        " of delays, the harbour master said on Tuesday.</p>"
        for k in range(4)
    )
    + "</article></body></html>"
).encode()
TEXT = b"Harbour works begin\n\nBy Tom Hale\n\nDredging will begin in March, officials said.\n"
FEED = b'{"title": "a", "text": "Body one."}\n{"title": "b", "text": "Body two."}\n'


def zip_bytes(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def tar_bytes(members: dict[str, bytes], mode: str = "w") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def read(data: bytes, name: str) -> tuple[list[dict], list[dict]]:
    result = read_bytes(data, name, "h", LIMIT)
    return result.records, result.quarantine


MEMBERS = {"site/page.html": PAGE, "dump/story.txt": TEXT, "feed.jsonl": FEED}


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("bundle.zip", zip_bytes(MEMBERS)),
        ("bundle.tar", tar_bytes(MEMBERS)),
        ("bundle.tar.gz", tar_bytes(MEMBERS, "w:gz")),
        ("bundle.tgz", tar_bytes(MEMBERS, "w:gz")),
    ],
)
def test_members_are_read_by_their_own_readers(name: str, data: bytes) -> None:
    records, quarantine = read(data, f"in/{name}")
    assert quarantine == []
    got = sorted((r["source_path"], r["record_key"], r["format"]) for r in records)
    assert got == [
        (f"in/{name}!/dump/story.txt", "", "text"),
        (f"in/{name}!/feed.jsonl", "1", "json"),
        (f"in/{name}!/feed.jsonl", "2", "json"),
        (f"in/{name}!/site/page.html", "", "html"),
    ]
    assert all(r["file_hash"] == "h" for r in records)


def test_single_gz_of_any_format() -> None:
    records, _ = read(gzip.compress(FEED), "feed.jsonl.gz")
    assert [r["record_key"] for r in records] == ["1", "2"]
    records, _ = read(gzip.compress(PAGE), "page.htm.gz")
    assert records[0]["format"] == "html"


def test_archive_nested_once_is_read() -> None:
    inner = tar_bytes({"page.html": PAGE}, "w:gz")
    records, quarantine = read(zip_bytes({"inner.tar.gz": inner, "story.txt": TEXT}), "o.zip")
    assert quarantine == []
    assert sorted(r["source_path"] for r in records) == [
        "o.zip!/inner.tar.gz!/page.html",
        "o.zip!/story.txt",
    ]


def test_archive_nested_twice_is_quarantined() -> None:
    level2 = zip_bytes({"deep.txt": TEXT})
    level1 = tar_bytes({"level2.zip": level2, "ok.txt": TEXT})
    records, quarantine = read(zip_bytes({"level1.tar": level1}), "o.zip")
    assert [r["source_path"] for r in records] == ["o.zip!/level1.tar!/ok.txt"]
    (q,) = quarantine
    assert q["source_path"] == "o.zip!/level1.tar!/level2.zip"
    assert "nested archive 2 levels deep" in q["reason"]


@pytest.mark.parametrize(
    ("member", "reason"),
    [
        ("../../etc/evil.txt", "path traversal"),
        ("a/../../evil.txt", "path traversal"),
        ("/etc/evil.txt", "absolute path"),
        ("C:\\Windows\\evil.txt", "absolute path"),
    ],
)
@pytest.mark.parametrize("kind", ["zip", "tar"])
def test_unsafe_paths_are_quarantined(member: str, reason: str, kind: str) -> None:
    members = {member: TEXT, "good.txt": TEXT}
    data = zip_bytes(members) if kind == "zip" else tar_bytes(members)
    records, quarantine = read(data, f"a.{kind}")
    assert [r["source_path"] for r in records] == [f"a.{kind}!/good.txt"]
    (q,) = quarantine
    assert reason in q["reason"]
    assert q["stage"] == "read"


def test_tar_links_and_devices_are_quarantined() -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        for name, kind, target in [
            ("sym.txt", tarfile.SYMTYPE, "/etc/passwd"),
            ("hard.txt", tarfile.LNKTYPE, "good.txt"),
            ("fifo", tarfile.FIFOTYPE, ""),
        ]:
            info = tarfile.TarInfo(name)
            info.type = kind
            info.linkname = target
            tf.addfile(info)
        info = tarfile.TarInfo("good.txt")
        info.size = len(TEXT)
        tf.addfile(info, io.BytesIO(TEXT))
    records, quarantine = read(buf.getvalue(), "links.tar")
    assert [r["source_path"] for r in records] == ["links.tar!/good.txt"]
    reasons = {q["source_path"]: q["reason"] for q in quarantine}
    assert "symbolic link to '/etc/passwd'" in reasons["links.tar!/sym.txt"]
    assert "hard link" in reasons["links.tar!/hard.txt"]
    assert "not a regular file" in reasons["links.tar!/fifo"]


def test_zip_symlink_is_quarantined() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        info = zipfile.ZipInfo("link.txt")
        info.create_system = 3
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
        zf.writestr("good.txt", TEXT)
    records, quarantine = read(buf.getvalue(), "l.zip")
    assert [r["source_path"] for r in records] == ["l.zip!/good.txt"]
    assert "symbolic link" in quarantine[0]["reason"]


def test_zip_bomb_by_ratio_is_quarantined() -> None:
    bomb = b"\0" * (8 * 1024 * 1024)  # 8 MiB of zeros deflate ~1000:1
    records, quarantine = read(zip_bytes({"bomb.txt": bomb, "good.txt": TEXT}), "b.zip")
    assert [r["source_path"] for r in records] == ["b.zip!/good.txt"]
    assert "zip bomb" in quarantine[0]["reason"]
    assert "compression ratio" in quarantine[0]["reason"]


def test_total_uncompressed_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 150)
    members = {"a.txt": TEXT, "b.txt": TEXT, "c.txt": TEXT}  # 80 bytes each
    records, quarantine = read(zip_bytes(members), "t.zip")
    assert [r["source_path"] for r in records] == ["t.zip!/a.txt"]
    assert len(quarantine) == 2
    assert all("archive too large" in q["reason"] for q in quarantine)


def test_member_size_is_enforced_while_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "MAX_MEMBER_BYTES", 50)
    records, quarantine = read(tar_bytes({"big.txt": TEXT}), "s.tar")
    assert records == []
    assert "too large" in quarantine[0]["reason"]


def test_gzip_bomb_is_quarantined_without_expanding_it() -> None:
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024))
    records, quarantine = read(bomb, "bomb.txt.gz")
    assert records == []
    assert "gzip bomb" in quarantine[0]["reason"]
    records, quarantine = read(bomb, "bomb.tar.gz")
    assert "gzip bomb" in quarantine[0]["reason"]


def test_encrypted_member_is_quarantined() -> None:
    data = bytearray(zip_bytes({"secret.txt": b"\x12\x34" * 40, "good.txt": TEXT}))
    # zipfile cannot write encrypted members: set the PKWARE encryption flag (bit 0) in the
    # first member's local header and central directory entry, as an encrypting tool would
    data[6] |= 0x1
    central = data.index(b"PK\x01\x02")
    data[central + 8] |= 0x1
    records, quarantine = read(bytes(data), "e.zip")
    assert [r["source_path"] for r in records] == ["e.zip!/good.txt"]
    assert "encrypted member" in quarantine[0]["reason"]


def test_unsupported_member_is_quarantined_with_its_lineage() -> None:
    records, quarantine = read(zip_bytes({"photo.png": b"\x89PNG", "s.txt": TEXT}), "m.zip")
    assert len(records) == 1
    assert quarantine[0]["source_path"] == "m.zip!/photo.png"
    assert "unsupported file type" in quarantine[0]["reason"]


def test_hidden_files_and_folders_are_passed_over() -> None:
    members = {"__MACOSX/._s.txt": b"junk", ".DS_Store": b"junk", "s.txt": TEXT}
    records, quarantine = read(zip_bytes(members), "h.zip")
    assert [r["source_path"] for r in records] == ["h.zip!/s.txt"]
    assert quarantine == []


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("c.zip", b"PK\x03\x04 not really", "corrupt zip"),
        ("c.tar", b"not a tar at all" * 40, "corrupt tar"),
        ("c.tar.gz", gzip.compress(b"not a tar" * 100)[:-30], "gzip"),
        ("e.zip", zip_bytes({}), "empty zip"),
    ],
)
def test_corrupt_and_empty_archives(name: str, data: bytes, reason: str) -> None:
    records, quarantine = read(data, name)
    assert records == []
    assert reason in quarantine[0]["reason"]


def test_truncated_tar_keeps_the_members_before_the_damage() -> None:
    data = tar_bytes({"a.txt": TEXT, "b.txt": TEXT * 200})
    records, quarantine = read(data[:1600], "cut.tar")
    assert [r["source_path"] for r in records] == ["cut.tar!/a.txt"]
    assert quarantine and all(q["reason"] for q in quarantine)


def test_nothing_is_written_to_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    evil = {"../escape.txt": TEXT, "/tmp/abs.txt": TEXT, "ok/s.txt": TEXT}
    for data, name in [(zip_bytes(evil), "x.zip"), (tar_bytes(evil, "w:gz"), "x.tgz")]:
        read(data, name)
    assert list(tmp_path.rglob("*")) == []
    assert not (tmp_path.parent / "escape.txt").exists()
    assert not Path("/tmp/abs.txt").exists()


def test_gunzip_limited_handles_several_members() -> None:
    data = gzip.compress(b"one ") + gzip.compress(b"two")
    assert archive.gunzip_limited(data, 100) == b"one two"
    with pytest.raises(archive.GzipTooLargeError):
        archive.gunzip_limited(data, 5)
    with pytest.raises(EOFError):
        archive.gunzip_limited(data[:-12], 100)


@settings(max_examples=120, deadline=None)
@given(
    data=st.binary(max_size=3000),
    name=st.sampled_from(["a.zip", "a.tar", "a.tgz", "a.tar.gz"]),
)
def test_any_bytes_give_records_or_reasons(data: bytes, name: str) -> None:
    result = read_bytes(data, name, "h", LIMIT)
    assert result.records or result.quarantine
    for q in result.quarantine:
        assert q["reason"]
        assert q["source_path"].startswith(name)


@settings(max_examples=40, deadline=None)
@given(
    names=st.lists(
        st.text(alphabet="abc./\\:", min_size=1, max_size=12), min_size=1, max_size=5, unique=True
    )
)
def test_member_names_never_escape(names: list[str]) -> None:
    """Property: whatever the member names, each member is read or quarantined (a reason),
    and no record claims a path outside the archive."""
    members = {n: TEXT for n in names}
    result = read_bytes(zip_bytes(members), "p.zip", "h", LIMIT)
    for rec in result.records:
        member = rec["source_path"].split("!/", 1)[1]
        assert ".." not in member.replace("\\", "/").split("/")
        assert not member.startswith(("/", "\\"))
    assert json.dumps(result.quarantine)  # serialisable rows
