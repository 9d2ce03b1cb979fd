"""Immutable, content-addressed dataset versions.

Layout: ``datasets/<name>/<version>/{train,test,train_subset,test_subset}.parquet``
and ``manifest.json``. A version exists once its manifest exists: on a local
store the whole folder is written under a temporary name and renamed into place;
on an object store the manifest is written last. A version's content never
changes; only a part that was deleted or damaged is written again
(:meth:`DatasetRepository.restore`), with the same rows, since ingest derives
them from the raw files. A manifest that cannot be read is no commit.
"""

from __future__ import annotations

import io
import uuid
from typing import TYPE_CHECKING, Any

from textops.errors import StoreError

if TYPE_CHECKING:
    import polars as pl

    from textops.store.store import Store

PARTS = ("train", "test", "train_subset", "test_subset")


class DatasetRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    def names(self) -> list[str]:
        return [n for n in self.store.listdir("datasets") if not n.startswith(".")]

    def versions(self, name: str, *, skip_damaged: bool = False) -> list[dict[str, Any]]:
        """Manifests of every committed version of ``name``, oldest first.

        A manifest that is there but cannot be read is a StoreError naming it (a
        listing must not hide a damaged version), unless ``skip_damaged``: ingest
        numbers its version without it, and rewrites it when its drop comes again.
        """
        manifests = []
        for version in self.store.listdir("datasets", name):
            if version.startswith(".") or not self.store.exists(
                "datasets", name, version, "manifest.json"
            ):
                continue
            if skip_damaged and not self.exists(name, version):
                continue
            manifests.append(self._read_manifest(name, version))
        return sorted(manifests, key=lambda m: (m.get("sequence", 0), m.get("created", "")))

    def latest(self, name: str, *, skip_damaged: bool = False) -> dict[str, Any] | None:
        versions = self.versions(name, skip_damaged=skip_damaged)
        return versions[-1] if versions else None

    def exists(self, name: str, version: str) -> bool:
        """Whether the version is committed: its manifest is there and reads as JSON."""
        if not self.store.exists("datasets", name, version, "manifest.json"):
            return False
        try:
            return isinstance(self.store.read_json("datasets", name, version, "manifest.json"),
                              dict)
        except StoreError:
            return False

    def restore(self, name: str, version: str, parts: dict[str, pl.DataFrame]) -> list[str]:
        """Write again the parts of a committed version that are missing or do not hold
        ``parts``' rows; returns the parts written."""
        written = []
        for part in PARTS:
            try:
                intact = self.load({"name": name, "version": version}, part).equals(parts[part])
            except StoreError:
                intact = False
            if not intact:
                self.store.write_bytes(_parquet(parts[part]), "datasets", name, version,
                                       f"{part}.parquet")
                written.append(part)
        return written

    def manifest(self, name: str, version: str) -> dict[str, Any]:
        if not self.exists(name, version):
            known = ", ".join(m["version"] for m in self.versions(name)) or "none"
            raise StoreError(
                f"dataset '{name}' has no version '{version}' (versions: {known})",
                hint="'textops datasets list' shows what exists",
            )
        return self._read_manifest(name, version)

    def _read_manifest(self, name: str, version: str) -> dict[str, Any]:
        """A version's manifest; a StoreError naming the file when it is damaged."""
        import json

        where = f"datasets/{name}/{version}/manifest.json"
        try:
            manifest = self.store.read_json("datasets", name, version, "manifest.json")
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise StoreError(
                f"store '{self.store.url}': {where} is not valid JSON ({exc})",
                hint=f"restore the file, or move the folder datasets/{name}/{version} away "
                "and run again to ingest the drop anew",
            ) from None
        if not isinstance(manifest, dict) or "version" not in manifest:
            raise StoreError(
                f"store '{self.store.url}': {where} is not a dataset manifest "
                f"(a JSON {type(manifest).__name__} without 'version')",
                hint=f"restore the file, or move the folder datasets/{name}/{version} away "
                "and run again to ingest the drop anew",
            )
        return manifest

    def resolve(
        self, name: str, version: str | None, *, include_refused: bool = False
    ) -> dict[str, Any]:
        """A manifest by version id, unique id prefix, sequence number or ``latest``.

        ``latest`` is the latest version validation did not refuse (one never
        validated counts), or with ``include_refused`` the latest of all; a
        version named by id, prefix or number is returned whatever its verdict.
        """
        versions = self.versions(name)
        if not versions:
            raise StoreError(
                f"dataset '{name}' has no versions yet", hint="run 'textops run' first"
            )
        if version in (None, "latest"):
            return versions[-1] if include_refused else self._latest_not_refused(name, versions)
        wanted = str(version)
        matches = [m for m in versions if m["version"] == wanted]
        matches = matches or [m for m in versions if str(m.get("sequence")) == wanted]
        matches = matches or [m for m in versions if m["version"].startswith(wanted)]
        if len(matches) != 1:
            raise StoreError(
                f"dataset '{name}': '{version}' matches {len(matches)} versions",
                hint="give more characters of the version id, or its sequence number",
            )
        return matches[0]

    def _latest_not_refused(self, name: str, versions: list[dict[str, Any]]) -> dict[str, Any]:
        from textops.store.validations import standings

        standing = standings(self.store, name, [m["version"] for m in versions])
        kept = [m for m in versions if not standing[m["version"]].is_refused]
        if not kept:
            raise StoreError(
                f"dataset '{name}' has no accepted version: validation refused all "
                f"{len(versions)} (latest {versions[-1]['version']})",
                hint="name a version, or pass --include-refused to take the latest anyway",
            )
        return kept[-1]

    def load(
        self, ref: dict[str, Any], part: str, *, columns: list[str] | None = None
    ) -> pl.DataFrame:
        """One part (train, test, train_subset, test_subset) of a version as Polars."""
        import polars as pl

        if part not in PARTS:
            raise ValueError(f"part must be one of {PARTS}, got {part!r}")
        data = self.store.read_bytes("datasets", ref["name"], ref["version"], f"{part}.parquet")
        try:
            return pl.read_parquet(io.BytesIO(data), columns=columns)
        except (pl.exceptions.PolarsError, OSError) as exc:
            raise StoreError(
                f"dataset part 'datasets/{ref['name']}/{ref['version']}/{part}.parquet' in "
                f"store '{self.store.url}' is damaged: {type(exc).__name__}",
                hint="run 'textops run' again: ingest rewrites a damaged part from the raw "
                "files (or 'textops doctor' lists what else is damaged)",
            ) from exc

    def write(self, manifest: dict[str, Any], parts: dict[str, pl.DataFrame]) -> bool:
        """Commit a new version; False (and nothing written) if it already exists."""
        name, version = manifest["name"], manifest["version"]
        if self.exists(name, version):
            return False
        encoded = {part: _parquet(parts[part]) for part in PARTS}
        if self.store.is_local and self.store.exists("datasets", name, version):
            self.store.remove("datasets", name, version)  # no manifest: never committed
        staging = f".staging-{version}-{uuid.uuid4().hex[:8]}" if self.store.is_local else version
        try:
            for part, data in encoded.items():
                self.store.write_bytes(data, "datasets", name, staging, f"{part}.parquet")
            self.store.write_json(manifest, "datasets", name, staging, "manifest.json")
            if staging != version:
                self.store.move(("datasets", name, staging), ("datasets", name, version))
        except BaseException:
            if staging != version:
                self.store.remove("datasets", name, staging)
            raise
        return True


def _parquet(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer, compression="zstd", statistics=True)
    return buffer.getvalue()
