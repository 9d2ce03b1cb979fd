"""The store: one root URL through fsspec, dataset versions, step outputs, reporting tables."""

from textops.store.store import Store

__all__ = ["Store"]
