"""Staffing simulation of workshop days on SimPy (issue 5; not built yet)."""
