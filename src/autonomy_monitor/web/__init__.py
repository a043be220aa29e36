"""The web dashboard (``autonomy serve``): FastAPI + Jinja2 over :mod:`autonomy_monitor.api`."""

from autonomy_monitor.web.app import create_app

__all__ = ["create_app"]
