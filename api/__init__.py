"""The HTTP service on FastAPI: a thin layer of routes over scheduler.service."""
