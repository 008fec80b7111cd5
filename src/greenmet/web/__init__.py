"""greenmet's pages: server-rendered (Jinja2) in Chinese and English, Plotly served from the
installed package (nothing fetched from the internet), on top of :mod:`greenmet.service`."""

from greenmet.web.app import create_app

__all__ = ["create_app"]
