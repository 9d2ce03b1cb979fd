"""Data quality of text datasets: profiles, the baseline, hard checks, drift, history.

Pure: no file I/O, no tracking. The modules, in the order a validation uses them:

* :mod:`~textops.quality.profile`: :class:`DatasetProfile` of a dataset part,
  from per-document stats (:mod:`textops.text.stats`).
* :mod:`~textops.quality.baseline`: the hand-edited baseline YAML (render,
  parse, hash).
* :mod:`~textops.quality.checks`: hard checks, the errors that stop a run.
* :mod:`~textops.quality.drift`: drift checks with ok / insufficient / warn /
  fail statuses (:mod:`~textops.quality.drift_tests` holds each test and the
  sample size it needs, :mod:`~textops.quality.distances` the statistics).
* :mod:`~textops.quality.report_html`: one HTML page per dataset part.
* :mod:`~textops.quality.history`: tidy rows for the historic profile.
"""
