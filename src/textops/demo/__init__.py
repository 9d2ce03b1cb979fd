"""Demo data: a seeded series of realistic drops that exercise the whole story."""

from textops.demo.drops import DEMO_CLASSES, write_demo

__all__ = ["DEMO_CLASSES", "write_demo"]
