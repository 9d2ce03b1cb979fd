"""The scoring service: a registered model in ONNX Runtime behind FastAPI.

``model`` loads a registry version's files (never a pickle) into a
:class:`~textops.serving.scoring.Scorer`; ``holder`` keeps the served one and
swaps in a new version when the alias moves; ``app`` is the FastAPI app;
``batch`` is what each request hands to the request log.
"""
