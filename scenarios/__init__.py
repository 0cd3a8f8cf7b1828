"""Bundled workshop and demand data; loaded and checked by scheduler.scenarios."""
