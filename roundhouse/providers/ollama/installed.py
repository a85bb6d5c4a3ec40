"""Rows of /api/tags as typed records, with Go's nanosecond timestamps parsed tolerantly."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class InstalledModel:
    """One row of /api/tags, flattened for the UI."""

    name: str
    size: int
    family: str
    parameter_size: str
    quantization: str
    digest: str
    modified: datetime | None

    @classmethod
    def from_tags(cls, row: dict[str, Any]) -> InstalledModel:
        details = row.get("details") or {}
        return cls(
            name=str(row.get("name") or row.get("model") or ""),
            size=int(row.get("size") or 0),
            family=str(details.get("family") or ""),
            parameter_size=str(details.get("parameter_size") or ""),
            quantization=str(details.get("quantization_level") or ""),
            digest=str(row.get("digest") or ""),
            modified=parse_time(row.get("modified_at")),
        )

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["modified"] = self.modified.isoformat() if self.modified else None
        return out


def parse_time(value: Any) -> datetime | None:
    """Go's RFC3339Nano, tolerant of 9 fractional digits and of junk (returns None)."""
    if not value:
        return None
    text = str(value).replace("Z", "+00:00")
    head, dot, rest = text.partition(".")
    if dot:
        digits = len(rest) - len(rest.lstrip("0123456789"))
        text = f"{head}.{rest[: min(digits, 6)]}{rest[digits:]}"
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None
