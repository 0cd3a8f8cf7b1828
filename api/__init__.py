"""The HTTP service on FastAPI: a thin layer over the planning service (issue 4; not built yet)."""
