"""The ``textops report`` dashboard: one self-contained HTML page built from the store alone."""
