"""Text utilities: tokenising, per-document statistics, language and sentiment.

Pure and vectorised (Polars, NumPy); no file I/O. Import the submodules
directly (``textops.text.stats``); this package imports nothing heavy.
"""
