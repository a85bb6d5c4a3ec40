"""The server words its hints for REST callers ("GET /api/jobs"); in a terminal the same advice
names the command that does it."""

from __future__ import annotations

import re

#: An API call (exactly this path, not a longer one) -> the command that does the same.
COMMANDS = {
    "GET /api/jobs": "`roundhouse jobs`",
    "GET /api/providers/models/status": "`roundhouse models`",
    "GET /api/providers/llm/models": "`roundhouse models`",
}
_CALL = re.compile(
    "|".join(re.escape(call) + r"(?![\w/-])" for call in sorted(COMMANDS, key=len, reverse=True))
)


def for_terminal(text: str | None) -> str | None:
    """The text with every API call that has a command replaced by that command."""
    if not text:
        return text
    return _CALL.sub(lambda m: COMMANDS[m.group(0)], text)
