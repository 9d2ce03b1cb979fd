"""textops: a local-first, cloud-portable MLOps pipeline for text classification."""

__version__ = "0.1.0"
