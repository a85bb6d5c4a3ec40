from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from roundhouse.core.errors import NotFound
from roundhouse.providers import catalog
from roundhouse.providers.catalog import CatalogError

GB = catalog.GB
QUANT_IN_NAME = re.compile(r"(?i)[-._]Q[2-8]_(K_[SML]|0)\.gguf$")


@pytest.fixture(scope="module")
def entries() -> list[catalog.CatalogEntry]:
    return catalog.load()


def raw_catalog() -> dict:
    return json.loads(catalog.DEFAULT_PATH.read_text())


def test_packaged_catalog_is_valid_and_keeps_the_original_three(entries) -> None:
    by_id = {e.id: e for e in entries}
    assert {"capybarahermes-2.5-mistral-7b", "llama3.2", "mistral"} <= set(by_id)
    assert len(entries) >= 8
    assert by_id["capybarahermes-2.5-mistral-7b"].recommended
    assert round(by_id["llama3.2"].size_bytes / GB, 1) == 2.0
    assert round(by_id["mistral"].size_bytes / GB, 1) == 4.1
    for entry in entries:
        assert entry.hf.default_quant == "Q4_K_M"
        assert entry.hf.repo.endswith("-GGUF")
        assert all(QUANT_IN_NAME.search(f.file) for f in entry.hf.files.values())
        assert ":" in entry.ollama.rsplit("/", 1)[-1]  # the tag is always spelled out


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"ollama": "bad name"}, "'ollama' is not a valid Ollama name"),
        ({"size_bytes": -1}, "'size_bytes' must be a positive"),
        ({"ram_bytes": "8GB"}, "'ram_bytes' must be a int"),
        ({"id": "Has Spaces"}, "'id' must be lowercase"),
        ({"hf": {"repo": "no-slash", "files": {}}}, "hf.repo"),
        ({"hf": {"repo": "pub/Mödel-GGUF", "files": {}}}, "hf.repo"),  # ASCII only
    ],
)
def test_a_bad_entry_names_its_field(tmp_path: Path, change: dict, complaint: str) -> None:
    data = raw_catalog()
    data["models"][1].update(change)
    path = tmp_path / "models.json"
    path.write_text(json.dumps(data))
    with pytest.raises(CatalogError) as caught:
        catalog.load(path)
    assert complaint in str(caught.value)
    assert "models[1]" in str(caught.value)


def test_default_quant_must_exist_and_ids_unique(tmp_path: Path) -> None:
    data = raw_catalog()
    data["models"][0]["hf"]["default_quant"] = "Q3_K_S"
    (tmp_path / "a.json").write_text(json.dumps(data))
    with pytest.raises(CatalogError, match="default_quant"):
        catalog.load(tmp_path / "a.json")
    data = raw_catalog()
    data["models"].append(data["models"][0])
    (tmp_path / "b.json").write_text(json.dumps(data))
    with pytest.raises(CatalogError, match="duplicate"):
        catalog.load(tmp_path / "b.json")


@pytest.mark.parametrize(
    ("ram", "disk", "verdict"),
    [
        (32 * GB, 100 * GB, "fits"),
        (10 * GB, 100 * GB, "tight"),
        (32 * GB, 5 * GB, "tight"),
        (4 * GB, 100 * GB, "will not fit"),
        (32 * GB, 1 * GB, "will not fit"),
    ],
)
def test_fit(entries, ram: int, disk: int, verdict: str) -> None:
    mistral = catalog.find(entries, "mistral")
    result = catalog.fit(mistral, ram, disk)
    assert result.verdict == verdict
    assert result.message.lower().startswith(verdict)
    assert "8.0 GB of RAM" in result.message and f"{ram / GB:.1f} GB" in result.message


def test_fit_with_unknown_ram_judges_disk_only(entries) -> None:
    assert catalog.fit(entries[0], None, 100 * GB).verdict == "fits"


def test_machine_readings(tmp_path: Path) -> None:
    ram = catalog.total_ram_bytes()
    assert ram is None or ram > 0
    assert catalog.free_disk_bytes(tmp_path / "not" / "yet") > 0


def test_join_with_installed_names(entries) -> None:
    rows = catalog.with_installed(entries, ["LLAMA3.2:latest", "capybarahermes-2.5-mistral-7b"])
    installed = {r["id"]: r["installed_as"] for r in rows if r["installed"]}
    assert installed == {
        "llama3.2": "LLAMA3.2:latest",
        "capybarahermes-2.5-mistral-7b": "capybarahermes-2.5-mistral-7b",
    }


def test_find_and_recommendations(entries) -> None:
    assert catalog.find(entries, "qwen2.5:7b").id == "qwen2.5-7b"
    with pytest.raises(NotFound):
        catalog.find(entries, "nope")
    rows = catalog.recommendations(entries, [], 16 * GB, 500 * GB)
    assert rows[0]["id"] == "capybarahermes-2.5-mistral-7b"
    assert rows[0]["fit"]["verdict"] == "fits"
