"""`textops doctor` on a store's files: what kills leave is found, and repaired."""

from __future__ import annotations

from pathlib import Path

from textops.store import Store
from textops.store.doctor import repair, store_problems


def _store_with_leftovers(root: Path) -> Store:
    (root / "runs" / "_cache").mkdir(parents=True)
    (root / "runs" / "r1" / "sweep").mkdir(parents=True)
    (root / "runs" / "r1" / "sweep" / "leaderboard.parquet.tmp-0123abcd").write_bytes(b"x" * 9)
    (root / "datasets" / "demo" / ".staging-abc-12345678").mkdir(parents=True)
    (root / "runs" / "_cache" / "k1.json").write_text('{"outputs": {')  # cut short
    (root / "runs" / "_cache" / "k2.json").write_text(
        '{"outputs": {}, "files": {"runs/r1/sweep/gone.parquet": {"size": 3, "sha256": null}}}'
    )
    (root / "runs" / "_cache" / "k3.json").write_text('{"outputs": {}, "files": {}}')  # sound
    (root / "tuning").mkdir()
    (root / "tuning" / "s.journal").write_bytes(b'{"op_code": 0}\n{"op_co')
    return Store(str(root))


def test_doctor_finds_leftovers_stale_entries_and_cut_journals(tmp_path: Path) -> None:
    store = _store_with_leftovers(tmp_path)
    found = {(p.kind, p.path) for p in store_problems(store)}
    assert found == {
        ("temporary", "runs/r1/sweep/leaderboard.parquet.tmp-0123abcd"),
        ("temporary", "datasets/demo/.staging-abc-12345678"),
        ("stale cache entry", "runs/_cache/k1.json"),
        ("stale cache entry", "runs/_cache/k2.json"),
        ("damaged", "tuning/s.journal"),
    }


def test_repair_leaves_a_sound_store(tmp_path: Path) -> None:
    store = _store_with_leftovers(tmp_path)
    problems = store_problems(store)
    repair(problems)
    assert all(p.is_repaired for p in problems)
    assert store_problems(store) == []
    assert (tmp_path / "runs" / "_cache" / "k3.json").is_file()
    assert (tmp_path / "tuning" / "s.journal").read_bytes() == b'{"op_code": 0}\n'
    assert not list(tmp_path.rglob("*.tmp-*"))
