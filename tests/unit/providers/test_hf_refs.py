from __future__ import annotations

import pytest

from roundhouse.core.errors import InvalidRequest
from roundhouse.providers.hf.refs import (
    pick_files,
    quant_of,
    split_info,
    validate_filename,
    validate_quant,
    validate_repo_id,
)


@pytest.mark.parametrize(
    "repo", ["bartowski/Qwen3-8B-GGUF", "ggml-org/gemma-3-1b-it-GGUF", "a/b", "TheBloke/x_y.z"]
)
def test_valid_repo_ids(repo: str) -> None:
    assert validate_repo_id(repo) == repo


@pytest.mark.parametrize(
    ("repo", "rule"),
    [
        ("noslash", "<namespace>/<name>"),
        ("a/b/c", "<namespace>/<name>"),
        ("org/-bad", "not starting or ending"),
        ("org/bad.", "not starting or ending"),
        ("org/a..b", "'..'"),
        ("org/a--b", "'--'"),
        ("org/sp ace", "letters, digits"),
        ("../etc", "letters, digits"),
        ("org/" + "x" * 100, "allows 96"),
        ("org/model.git", ".git"),
    ],
)
def test_invalid_repo_ids_state_the_rule(repo: str, rule: str) -> None:
    with pytest.raises(InvalidRequest) as err:
        validate_repo_id(repo)
    assert rule in err.value.message


def test_valid_filenames_include_quant_subfolders() -> None:
    assert validate_filename("Q8_0/M-Q8_0-00001-of-00002.gguf")
    assert validate_filename("M-Q4_K_M.gguf")


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("/etc/passwd.gguf", "absolute"),
        ("../x.gguf", "'..'"),
        ("a/../../x.gguf", "'..'"),
        ("a//x.gguf", "empty"),
        ("a\\x.gguf", "backslashes"),
        ("model.bin", ".gguf"),
        ("x\n.gguf", "control"),
        ("", "empty"),
    ],
)
def test_invalid_filenames(name: str, rule: str) -> None:
    with pytest.raises(InvalidRequest) as err:
        validate_filename(name)
    assert rule in err.value.message


def test_quant_names() -> None:
    assert validate_quant("q4_k_m") == "Q4_K_M"
    for q in ("IQ3_XXS", "Q8_0", "F16", "BF16", "UD-Q4_K_XL", "Q4_0_L", "TQ1_0"):
        assert validate_quant(q) == q
    for bad in ("Q9_K", "Q4_K_MM", "fp16", "Q4 K M", ""):
        with pytest.raises(InvalidRequest, match="examples"):
            validate_quant(bad)


def test_quant_of_real_names() -> None:
    assert quant_of("gemma-2-9b-it-Q4_K_M.gguf") == "Q4_K_M"
    assert quant_of("llama-2-7b-chat.Q4_K_M.gguf") == "Q4_K_M"
    assert quant_of("Model.i1-IQ3_XS.gguf") == "IQ3_XS"
    assert quant_of("Q6_K/Qwen3-235B-A22B-Q6_K-00001-of-00004.gguf") == "Q6_K"
    assert quant_of("gemma-4-UD-Q4_K_XL.gguf") == "UD-Q4_K_XL"
    assert quant_of("mmproj-model-f16.gguf") == "F16"
    assert split_info("x-00002-of-00003.gguf") == ("x", 2, 3)
    assert split_info("x.gguf") is None


FILES = [
    "README.md",
    "mmproj-model-f16.gguf",
    "gemma-2-9b-it-f16.gguf",
    "gemma-2-9b-it-Q4_K_M.gguf",
    "gemma-2-9b-it-Q4_K_M-fp16.gguf",
    "gemma-2-9b-it-Q5_K_S.gguf",
    "Q8_0/gemma-2-9b-it-Q8_0-00002-of-00002.gguf",
    "Q8_0/gemma-2-9b-it-Q8_0-00001-of-00002.gguf",
    "gemma-2-9b-it-Q6_K-00001-of-00003.gguf",
    "gemma-2-9b-it-Q6_K-00003-of-00003.gguf",
]


def test_pick_single_file_prefers_exact_quant_and_skips_mmproj() -> None:
    assert pick_files(FILES, "q4_k_m") == ["gemma-2-9b-it-Q4_K_M.gguf"]
    assert pick_files(FILES, "F16") == ["gemma-2-9b-it-f16.gguf"]


def test_pick_split_returns_all_parts_in_order() -> None:
    assert pick_files(FILES, "Q8_0") == [
        "Q8_0/gemma-2-9b-it-Q8_0-00001-of-00002.gguf",
        "Q8_0/gemma-2-9b-it-Q8_0-00002-of-00002.gguf",
    ]


def test_pick_refuses_incomplete_split() -> None:
    with pytest.raises(InvalidRequest, match=r"incomplete.*\[2\]"):
        pick_files(FILES, "Q6_K")


def test_pick_missing_quant_lists_what_exists() -> None:
    with pytest.raises(InvalidRequest) as err:
        pick_files(FILES, "IQ2_M")
    assert "Q5_K_S" in err.value.details["available"]


def test_pick_ambiguous_asks_for_a_file_name() -> None:
    files = ["a/M-Q4_K_M.gguf", "b/M-Q4_K_M.gguf"]
    with pytest.raises(InvalidRequest, match="name the file"):
        pick_files(files, "Q4_K_M")
