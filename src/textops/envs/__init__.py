"""Step environments: conda-format files and checks of the running interpreter."""
