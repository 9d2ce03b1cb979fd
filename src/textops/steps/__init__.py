"""One module per pipeline step, gluing the library modules together."""
