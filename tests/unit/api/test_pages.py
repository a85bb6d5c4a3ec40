"""The page's own files: index.html names its icon, and /favicon.ico is that icon, not a 404."""

from __future__ import annotations

import fakeredis
from flask.testing import FlaskClient

from roundhouse.api import create_app
from roundhouse.core.settings import Settings


def client() -> FlaskClient:
    app = create_app(
        Settings(), client=fakeredis.FakeRedis(decode_responses=True), enqueue=lambda job: None
    )
    return app.test_client()


def test_page_names_its_icon_and_favicon_ico_serves_it() -> None:
    c = client()
    page = c.get("/").get_data(as_text=True)
    assert '<link rel="icon" href="/static/favicon.svg"' in page
    icon = c.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert icon.get_data(as_text=True).startswith("<svg")
    assert c.get("/static/favicon.svg").status_code == 200
