"""Log in on the page: the token goes into an HttpOnly, SameSite=Strict cookie."""

from __future__ import annotations

from flask import Blueprint, jsonify, make_response

from roundhouse.api.access import COOKIE, same_secret, token_ok
from roundhouse.api.body import json_object
from roundhouse.api.deps import settings
from roundhouse.core.errors import InvalidRequest, Unauthorized

bp = Blueprint("auth", __name__)


@bp.get("/api/session")
def session():  # type: ignore[no-untyped-def]
    required = bool(settings().api_token)
    return jsonify({"auth_required": required, "authenticated": not required or token_ok()})


@bp.post("/api/login")
def login():  # type: ignore[no-untyped-def]
    token = json_object({"token"}).get("token")
    if not isinstance(token, str) or not token:
        raise InvalidRequest('Send the API token as {"token": "..."}.')
    expected = settings().api_token
    if not expected:
        return jsonify({"authenticated": True, "message": "No token is needed here."})
    if not same_secret(token, expected):
        raise Unauthorized("That token is not this Roundhouse's API token.")
    response = make_response(jsonify({"authenticated": True}))
    response.set_cookie(
        COOKIE, token, httponly=True, samesite="Strict", path="/", max_age=30 * 24 * 3600
    )
    return response


@bp.post("/api/logout")
def logout():  # type: ignore[no-untyped-def]
    response = make_response(jsonify({"authenticated": False}))
    response.delete_cookie(COOKIE, path="/")
    return response
