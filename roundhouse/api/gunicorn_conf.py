"""gunicorn's settings for the API (`gunicorn -c python:roundhouse.api.gunicorn_conf ...`).

Its own lines (listening, booting workers) go through the same formatter as the app's, so
`ROUNDHOUSE_LOG_FORMAT=json` gives one JSON object per line from the first line on; the access
log is the app's own (api/access_log.py: no query strings, no tokens, no bodies).
"""

import logging

from gunicorn.glogging import Logger  # type: ignore[import-untyped]  # gunicorn ships no types

from roundhouse.core.logs import dict_config
from roundhouse.core.settings import Settings

_settings = Settings.from_env()
logconfig_dict = dict_config(_settings.log_format.lower(), host=_settings.hostname)
accesslog = None


class _AppLogger(Logger):
    """gunicorn's logger without its access line: the app writes its own, and gunicorn, given a
    logging config, built every request's atoms (headers, environ) for a logger nobody reads:
    ~0.1 ms of each request's CPU under bench.load."""

    def access(self, resp: object, req: object, environ: object, request_time: object) -> None:
        return None


logger_class = _AppLogger
logging.captureWarnings(True)  # Python's warnings become log lines too


class _GreenletErrors:
    """gevent prints a failed greenlet's traceback to stderr in pieces; this collects one
    report (it ends with a blank line) and logs it as one record."""

    def __init__(self) -> None:
        self.buffer = ""

    def write(self, text: str) -> None:
        self.buffer += text
        if self.buffer.endswith("\n\n"):
            report, self.buffer = self.buffer.strip(), ""
            level = logging.INFO if report.endswith("failed with SystemExit") else logging.ERROR
            logging.getLogger("gevent.hub").log(level, "%s", report)

    def flush(self) -> None:
        pass


def post_worker_init(worker: object) -> None:
    """In the worker process: gevent's greenlet reports go through logging too."""
    from gevent import get_hub

    get_hub().exception_stream = _GreenletErrors()
