from __future__ import annotations

from pathlib import Path

import pytest

from roundhouse.core.errors import Conflict
from roundhouse.providers.hf.disk import free_bytes, human, preflight

GB = 1000**3


def test_human_units() -> None:
    assert human(512) == "512 B"
    assert human(4_100_000_000) == "4.1 GB"
    assert human(1500) == "1.5 kB"


def test_preflight_passes_when_it_fits() -> None:
    preflight(4 * GB, free_bytes=10 * GB, reserved_bytes=1 * GB, margin_bytes=GB // 2)


def test_preflight_message_has_the_numbers() -> None:
    with pytest.raises(Conflict) as err:
        preflight(4_100_000_000, free_bytes=2_300_000_000, reserved_bytes=GB, margin_bytes=GB // 2)
    assert err.value.message == (
        "not enough disk space: needs 4.1 GB + 0.5 GB margin, 2.3 GB free "
        "of which 1.0 GB is reserved by running downloads"
    )
    assert err.value.details["needed_bytes"] == 4_600_000_000


def test_reservations_of_other_downloads_count() -> None:
    preflight(3 * GB, free_bytes=4 * GB, margin_bytes=0)
    with pytest.raises(Conflict, match="reserved"):
        preflight(3 * GB, free_bytes=4 * GB, reserved_bytes=2 * GB, margin_bytes=0)


def test_free_bytes_of_a_folder_not_created_yet(tmp_path: Path) -> None:
    assert free_bytes(tmp_path / "models" / "org") > 0
