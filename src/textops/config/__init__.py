"""The pipeline definition: its pydantic schema, loading and overrides."""

from textops.config.loader import load_config
from textops.config.schema import PipelineConfig

__all__ = ["PipelineConfig", "load_config"]
