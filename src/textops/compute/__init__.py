"""Where fanned-out work runs: the executor protocol, its inline and Dask backends.

A low layer: ``models``, ``tuning`` and ``steps`` submit work through
:class:`~textops.compute.base.Executor`; the runner (``execution``) picks the
backend for a step's compute target (:mod:`textops.compute.targets`). This
package imports only :mod:`textops.errors` and :mod:`textops.config`.
"""
