"""greenmet's HTTP service: a JSON API (FastAPI, OpenAPI at ``/api/openapi.json``) over the library,
with login, roles, CSRF protection and an audit log of every write. The pages (``greenmet.web``)
sit on top of it; ``greenmet serve`` and ``greenmet demo`` start both."""

from greenmet.service.app import create_service
from greenmet.service.settings import ServiceSettings

__all__ = ["ServiceSettings", "create_service"]
