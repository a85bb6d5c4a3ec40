"""The Flask app factory: settings in, a ready app out; one blueprint per area."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import redis
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from roundhouse.api import access, access_log, errors, metrics, routes
from roundhouse.api.deps import AppContext
from roundhouse.api.relay import Relay
from roundhouse.api.warm import warm
from roundhouse.core.feed import Feed
from roundhouse.core.job_types import Job
from roundhouse.core.keys import Keys
from roundhouse.core.redis import connect
from roundhouse.core.settings import Settings
from roundhouse.core.stores import Stores

if TYPE_CHECKING:
    from roundhouse.tasks.sent_events import BatchedSender


def create_app(
    settings: Settings | None = None,
    *,
    client: redis.Redis | None = None,
    enqueue: Callable[[Job], None] | None = None,
    background: bool = False,
) -> Flask:
    """Build the app; `background` starts this process's watchdog (servers, not tests)."""
    settings = settings or Settings.from_env()
    # requests fail fast (a 503 at once when Redis is down); the relay keeps reconnecting
    patient = client or connect(settings.redis_url)
    client = client or connect(settings.redis_url, patient=False)
    keys = Keys(settings.key_prefix)
    stores = Stores(client, keys, settings)
    app = Flask(__name__, static_folder=None)
    if settings.trusted_proxies:  # the caller's address and scheme as the proxy saw them
        n = settings.trusted_proxies
        # Flask's documented way to add WSGI middleware; mypy sees a method replaced
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)  # type: ignore[method-assign]
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.config["SOCK_SERVER_OPTIONS"] = {"ping_interval": 25}
    app.json.sort_keys = False  # type: ignore[attr-defined]  # DefaultJSONProvider's, not the base's
    relay = Relay(Feed(patient, keys, settings.feed_max))
    broker = None
    if enqueue is None:  # servers send through Celery; tests may pass their own
        enqueue = broker = _broker(settings)
    ctx = AppContext(settings, stores, enqueue, relay)
    app.extensions["roundhouse"] = ctx
    errors.register(app)
    access_log.install(app)
    access.install(app)
    for bp in routes.blueprints():
        app.register_blueprint(bp)
    if background:
        _start_background(ctx, broker)
    return app


def _broker(settings: Settings) -> BatchedSender:
    """Sends through an app with no tasks (it connects on the first send): no handler loaded."""
    from roundhouse.tasks.app import broker_app
    from roundhouse.tasks.sent_events import BatchedSender

    return BatchedSender(broker_app(settings))


def _start_background(ctx: AppContext, broker: BatchedSender | None) -> None:
    from roundhouse.tasks.watchdog import start_thread

    warm(ctx, broker)
    start_thread(ctx.stores, ctx.enqueue, ctx.settings)
    ctx.relay.start()
    metrics.start_publisher(ctx)
