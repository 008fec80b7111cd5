"""Login, sessions, CSRF, roles on every route, rate limit, headers, error shape."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from tests.service.conftest import PASSWORD, log_in

from greenmet.errors import InputError
from greenmet.storage import users

ERROR_KEYS = set(InputError("x").to_dict())
# Reachable without logging in: the login page and form, the login call, the API schema and
# docs, the static files and the Plotly library.
PUBLIC = {
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/api/session"),
    ("GET", "/api/openapi.json"),
    ("GET", "/api/docs"),
    ("GET", "/api/docs/oauth2-redirect"),
    ("GET", "/vendor/plotly.min.js"),
}


def _minimum_role(route: APIRoute) -> str | None:
    for dependency in route.dependant.dependencies:
        role = getattr(dependency.call, "minimum_role", None)
        if role is not None:
            return str(role)
    return None


def _api_routes(routes):
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):  # FastAPI keeps included routers as branches
            yield from _api_routes(route.original_router.routes)


def _routes(app):
    for route in _api_routes(app.routes):
        for method in sorted(route.methods - {"HEAD"}):
            yield method, route


def test_every_route_declares_a_role_or_is_public(service):
    routes = list(_routes(service.app))
    assert len(routes) >= 15
    for method, route in routes:
        if (method, route.path) in PUBLIC:
            assert _minimum_role(route) is None
        else:
            assert _minimum_role(route) in users.ROLES, f"{method} {route.path} declares no role"


def test_each_role_is_refused_below_and_admitted_at_its_level(service):
    sessions = {}
    for role in users.ROLES:
        service.cookies.clear()
        sessions[role] = (log_in(service, role), service.cookies.get("greenmet_session"))
    checked = 0
    for method, route in _routes(service.app):
        minimum = _minimum_role(route)
        if minimum is None or route.path in ("/api/session", "/logout"):  # logging out ends the session
            continue
        path = re.sub(r"\{[^}]+\}", "0" * 64 + ".toml", route.path)
        for role in users.ROLES:
            csrf, cookie = sessions[role]
            service.cookies.clear()
            service.cookies.set("greenmet_session", cookie)
            response = service.request(method, path, headers={"X-CSRF-Token": csrf}, follow_redirects=False)
            if users.role_at_least(role, minimum):
                assert response.status_code not in (401, 403), (role, method, path, response.text[:200])
            else:
                assert response.status_code == 403, (role, method, path, response.status_code)
            checked += 1
    assert checked >= 4 * 8


def test_nothing_is_readable_without_login(service):
    assert service.get("/api/me").status_code == 401
    assert service.get("/api/furnaces").json()["error"] == "not_authenticated"
    page = service.get("/carbon", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login"


def test_session_cookie_is_secure_httponly_strict(service):
    response = service.post("/api/session", json={"user_name": "viewer", "password": PASSWORD})
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "secure" in cookie and "samesite=strict" in cookie


def test_writes_need_the_sessions_csrf_token(service):
    other = log_in(service, "engineer")  # a token of an earlier session
    service.cookies.clear()
    csrf = log_in(service, "viewer")
    body = {"language": "zh"}
    assert service.put("/api/me/language", json=body).status_code == 403
    assert service.put("/api/me/language", json=body, headers={"X-CSRF-Token": other}).status_code == 403
    assert service.put("/api/me/language", json=body, headers={"X-CSRF-Token": csrf}).status_code == 200


def test_after_logout_the_old_cookie_opens_nothing(service):
    csrf = log_in(service, "viewer")
    cookie = service.cookies.get("greenmet_session")
    assert service.request("DELETE", "/api/session", headers={"X-CSRF-Token": csrf}).status_code == 200
    service.cookies.clear()
    service.cookies.set("greenmet_session", cookie)  # a copy kept from before the logout
    assert service.get("/api/me").status_code == 401


def test_login_is_rate_limited(service):
    for _ in range(5):
        assert (
            service.post("/api/session", json={"user_name": "admin", "password": "wrong"}).status_code == 401
        )
    blocked = service.post("/api/session", json={"user_name": "admin", "password": PASSWORD})
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
    # another user from the same address is not blocked
    assert service.post("/api/session", json={"user_name": "viewer", "password": PASSWORD}).status_code == 200


def test_security_headers_forbid_inline_script_and_framing(service):
    for response in (service.get("/login"), service.get("/api/me")):
        csp = response.headers["content-security-policy"]
        script = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
        assert "unsafe-inline" not in script and "frame-ancestors 'none'" in csp
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in service.get("/login").text  # no inline script in the pages


def test_errors_have_one_shape(service):
    malformed = service.post(
        "/api/session", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert malformed.status_code == 422 and set(malformed.json()) == ERROR_KEYS
    log_in(service, "viewer")
    for response in (
        service.get("/api/furnaces?limit=0"),
        service.get("/api/carbon/uploads/nothing/report"),
        service.get("/api/no/such/route"),
    ):
        assert response.status_code in (404, 422) and set(response.json()) == ERROR_KEYS, response.text


def test_an_api_token_works_without_cookie_or_csrf(service):
    csrf = log_in(service, "operator")
    token = service.post("/api/me/tokens", json={"name": "shift script"}, headers={"X-CSRF-Token": csrf})
    secret = token.json()["token"]
    service.cookies.clear()
    me = service.get("/api/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.json()["user_name"] == "operator" and me.json()["authenticated_via"] == "token"
    changed = service.put(
        "/api/me/language", json={"language": "zh"}, headers={"Authorization": f"Bearer {secret}"}
    )
    assert changed.status_code == 200
    assert service.get("/api/me", headers={"Authorization": "Bearer forged"}).status_code == 401


@pytest.mark.parametrize("password", ["short", ""])
def test_short_passwords_are_refused(password):
    from greenmet.service.auth import hash_password

    with pytest.raises(InputError, match="too short"):
        hash_password(password)
