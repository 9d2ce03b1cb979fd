"""Runs the pipeline by itself when new data lands: the landing folder's watcher."""

from textops.watching.triggers import LOG, Trigger, TriggerLog
from textops.watching.watcher import Watcher, WatchSettings

__all__ = ["LOG", "Trigger", "TriggerLog", "WatchSettings", "Watcher"]
