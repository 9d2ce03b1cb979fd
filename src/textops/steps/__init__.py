"""One module per pipeline step, gluing the library modules together.

``base`` declares what a step is.
"""
