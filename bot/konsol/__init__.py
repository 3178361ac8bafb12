"""Konsol, the staff web console: Starlette routes under ``/konsol/``, Jinja2
templates and vendored static files (``bot/konsol/templates``, ``static``)."""
