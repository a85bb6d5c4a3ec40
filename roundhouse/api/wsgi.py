"""The entry point production servers load: `gunicorn -k gevent roundhouse.api.wsgi:app`."""

from roundhouse.api import create_app

app = create_app(background=True)
