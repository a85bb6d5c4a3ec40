"""Vision clients: GPT vision's strict JSON score and the local vision service."""

from __future__ import annotations

import base64

import pytest

from roundhouse.core.errors import ProviderError, Unavailable
from roundhouse.providers.generation import Retry, build_vision, parse_score
from tests.fakes.loopback import Answer
from tests.fakes.openai import FakeOpenAI
from tests.fakes.png import render
from tests.fakes.vision import FakeVision, score_for

FAST = Retry(attempts=2, backoff_s=0.01)
PNG = render("a lighthouse")


def gpt(url: str):  # noqa: ANN201
    snap = {"vision": {"provider": "gpt-vision"}, "openai": {"api_key": "sk-test", "base_url": url}}
    return build_vision(snap, retry=FAST)


def local(url: str):  # noqa: ANN201
    return build_vision({"vision": {"provider": "local", "base_url": url}}, retry=FAST)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('{"score": 0.73}', 0.73),
        ('{"score": 1}', 1.0),
        ('```json\n{"score": 0.5}\n```', 0.5),
        ('Sure! {"score": 0.25} Hope that helps.', 0.25),
        ('{"score": 1.7}', None),
        ('{"score": -0.1}', None),
        ('{"score": "0.5"}', None),
        ('{"score": true}', None),
        ('{"score": NaN}', None),
        ('{"rating": 0.5}', None),
        ("0.8", None),
        ("I cannot grade images.", None),
    ],
)
def test_parse_score_is_strict_about_the_value(text: str, value: float | None) -> None:
    assert parse_score(text) == value


def test_gpt_vision_sends_the_image_as_a_data_url() -> None:
    with FakeOpenAI() as fake:
        score = gpt(fake.url).score(PNG, "a lighthouse, vivid")
    assert score.value == score_for("a lighthouse, vivid")
    body = fake.calls[0][2]
    parts = body["messages"][1]["content"]
    assert parts[1]["image_url"]["url"] == "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert body["response_format"] == {"type": "json_object"}


def test_gpt_vision_tolerates_a_fenced_answer() -> None:
    with FakeOpenAI(vision_style="fenced") as fake:
        assert gpt(fake.url).score(PNG, "x").value == score_for("x")


@pytest.mark.parametrize("style", ["prose", "out_of_range", "garbage"])
def test_gpt_vision_unusable_answers_are_provider_errors(style: str) -> None:
    expected = 'GPT vision: expected {"score": 0..1}'
    with FakeOpenAI(vision_style=style) as fake, pytest.raises(ProviderError, match=expected):
        gpt(fake.url).score(PNG, "x")


def test_local_vision_score_and_details() -> None:
    with FakeVision() as fake:
        score = local(fake.url).score(PNG, "a lighthouse, vivid vivid")
    assert score.value == score_for("a lighthouse, vivid vivid")
    assert set(score.details) == {"clip_score", "aesthetic_score"}
    assert fake.calls[0][2]["image"] == base64.b64encode(PNG).decode()


def test_local_vision_rejects_non_png_and_bad_scores() -> None:
    with FakeVision() as fake:
        with pytest.raises(ProviderError, match="image is not a PNG"):
            local(fake.url).score(b"GIF89a...", "x")
        fake.score = lambda request: Answer(200, {"score": 3.2})  # type: ignore[method-assign]
        with pytest.raises(ProviderError, match="expected a score from 0 to 1"):
            local(fake.url).score(PNG, "x")


def test_local_vision_down() -> None:
    expected = "local vision service: cannot connect"
    with FakeVision(down=True) as fake, pytest.raises(Unavailable, match=expected) as err:
        local(fake.url).score(PNG, "x")
    assert "start the local vision service" in (err.value.hint or "")
