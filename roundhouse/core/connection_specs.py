"""Which addresses and keys can be changed at runtime, their settings, and where to change them.

Pure data and small functions, no Redis (the store is core/connections.py), so provider code can
name the exact place in the page and the CLI command in its "fix the URL" / "give the key" hints.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from roundhouse.core.errors import InvalidRequest


@dataclass(frozen=True)
class Connection:
    """One service's runtime-settable address and/or key, by the Settings field they override."""

    name: str
    title: str
    url_field: str | None = None
    key_field: str | None = None
    url_env: str | None = None
    key_env: str | None = None


CONNECTIONS: dict[str, Connection] = {
    c.name: c
    for c in (
        Connection("ollama", "Ollama", "ollama_base_url", url_env="OLLAMA_BASE_URL"),
        Connection("lmstudio", "LM Studio", "lmstudio_base_url", url_env="LMSTUDIO_BASE_URL"),
        Connection(
            "openai-compatible",
            "OpenAI-compatible server",
            "compat_base_url",
            "compat_api_key",
            "ROUNDHOUSE_COMPAT_BASE_URL",
            "ROUNDHOUSE_COMPAT_API_KEY",
        ),
        Connection("flux", "Flux", "flux_api_url", url_env="FLUX_API_URL"),
        Connection(
            "vision", "Vision service", "local_vision_api_url", url_env="LOCAL_VISION_API_URL"
        ),
        Connection("openai", "OpenAI", None, "openai_api_key", key_env="OPENAI_API_KEY"),
        Connection("huggingface", "Hugging Face", None, "hf_token", key_env="HF_TOKEN"),
    )
}
#: Other names people use for a connection.
ALIASES = {
    "lm-studio": "lmstudio",
    "lm_studio": "lmstudio",
    "compat": "openai-compatible",
    "openai_compatible": "openai-compatible",
    "local": "vision",
    "hf": "huggingface",
    "hugging-face": "huggingface",
}
SECRET_FIELDS = frozenset(c.key_field for c in CONNECTIONS.values() if c.key_field)
URL_FIELDS = frozenset(c.url_field for c in CONNECTIONS.values() if c.url_field)
MAX_URL = 2048
MAX_KEY = 4096


def lookup(name: str) -> Connection:
    """The connection called `name` (or an alias of it); a 400 listing the known ones."""
    key = name.strip().lower() if isinstance(name, str) else ""
    found = CONNECTIONS.get(ALIASES.get(key, key))
    if found is None:
        raise InvalidRequest(
            f"Unknown connection {name!r}.", hint="Connections: " + ", ".join(CONNECTIONS)
        )
    return found


def page_link(name: str) -> str:
    """The place in the page where this connection is set."""
    return f"/#connections/{name}"


def fix_url(name: str) -> str:
    """How to point Roundhouse at the service: the page's place and the CLI command."""
    env = CONNECTIONS[name].url_env
    return (
        f"fix the URL in Connections ({page_link(name)}), run "
        f"`roundhouse connect {name} --url http://host:port`, or set {env}"
    )


def give_key(name: str) -> str:
    """How to give Roundhouse a key: the page's place and the CLI command."""
    env = CONNECTIONS[name].key_env
    return (
        f"give the key in Connections ({page_link(name)}), run "
        f"`roundhouse connect {name} --key <key>`, or set {env}"
    )


def mask(secret: str) -> str:
    """What may be shown of a secret: its start and last four characters (`sk-…abcd`)."""
    if not secret:
        return ""
    if len(secret) < 12:
        return "…"
    return f"{secret[:3]}…{secret[-4:]}"


def check_url(value: object) -> str:
    """An http(s) base URL without credentials, query or fragment; a 400 saying what is wrong."""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_URL:
        raise InvalidRequest(
            f"'url' must be an http:// or https:// address of at most {MAX_URL} characters.",
            hint="e.g. http://127.0.0.1:11434",
        )
    url = value.strip()
    if not url.isprintable() or any(ch.isspace() for ch in url):
        raise InvalidRequest("'url' must not contain spaces or control characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidRequest(f"'url' is not a valid address: {exc}.") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidRequest(
            "Only http:// and https:// URLs with a host are accepted.",
            hint="e.g. http://127.0.0.1:11434 or https://llm.example.com/v1",
        )
    if parts.username is not None or parts.password is not None:
        raise InvalidRequest(
            "Credentials inside a URL are refused: they would be shown and logged.",
            hint="Give the address without user:password@ and set a key with --key instead.",
        )
    if parts.query or parts.fragment:
        raise InvalidRequest("'url' must be a base address, without ?query or #fragment.")
    del port  # parsed only to reject a malformed one
    return url.rstrip("/")


def check_key(value: object) -> str:
    """A printable key without spaces; a 400 otherwise."""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_KEY:
        raise InvalidRequest(f"'key' must be a non-empty string of at most {MAX_KEY} characters.")
    key = value.strip()
    if not key.isprintable() or any(ch.isspace() for ch in key):
        raise InvalidRequest("'key' must not contain spaces or control characters.")
    return key
