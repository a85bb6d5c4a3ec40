"""Log in on the page: a signed session id (kept in Redis, revoked at logout) goes into an
HttpOnly, SameSite=Strict cookie, Secure when the page came over HTTPS; never the token."""

from __future__ import annotations

from flask import Blueprint, jsonify, make_response, request
from flask.typing import ResponseReturnValue

from roundhouse.api import credentials as cred
from roundhouse.api.body import json_object
from roundhouse.api.errors import Unauthorized
from roundhouse.core.auth_store import SESSION_TTL_S
from roundhouse.core.errors import InvalidRequest

bp = Blueprint("auth", __name__)
OLD_COOKIE = "roundhouse_token"  # held the token itself before sessions; cleared at logout


@bp.get("/api/session")
def session() -> ResponseReturnValue:
    required = bool(cred.settings().api_token)
    return jsonify({"auth_required": required, "authenticated": cred.check()[0]})


@bp.post("/api/login")
def login() -> ResponseReturnValue:
    token = json_object({"token"}).get("token")
    if not isinstance(token, str) or not token:
        raise InvalidRequest('Send the API token as {"token": "..."}.')
    expected = cred.settings().api_token
    if not expected:
        return jsonify({"authenticated": True, "message": "No token is needed here."})
    cred.refuse_if_blocked()
    if not cred.same_secret(token, expected):
        cred.failed("API token at login")
        raise Unauthorized("That token is not this Roundhouse's API token.")
    session_id = cred.sessions().create(cred.client_address())
    response = make_response(jsonify({"authenticated": True}))
    response.set_cookie(
        cred.COOKIE,
        cred.sign(session_id),
        httponly=True,
        samesite="Strict",
        secure=request.is_secure,  # HTTPS here, or a trusted proxy's X-Forwarded-Proto
        path="/",
        max_age=SESSION_TTL_S,
    )
    return response


@bp.post("/api/logout")
def logout() -> ResponseReturnValue:
    """Ends the session server-side: a copied cookie no longer works either."""
    session_id = cred.session_of(request.cookies.get(cred.COOKIE, ""))
    if session_id:
        cred.sessions().revoke(session_id)
    response = make_response(jsonify({"authenticated": False}))
    response.delete_cookie(cred.COOKIE, path="/")
    response.delete_cookie(OLD_COOKIE, path="/")
    return response
