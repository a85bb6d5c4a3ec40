"""Image clients: OpenAI images (b64 -> PNG) and Flux, against their fakes."""

from __future__ import annotations

import pytest

from roundhouse.core.errors import ProviderError, Unavailable
from roundhouse.providers.generation import Retry, build_image, nearest_size
from tests.fakes.flux import FakeFlux
from tests.fakes.loopback import Answer
from tests.fakes.openai import FakeOpenAI
from tests.fakes.png import colour_for, read_png

FAST = Retry(attempts=2, backoff_s=0.01)


def dalle(url: str, model: str = "dall-e-3"):  # noqa: ANN201
    snap = {
        "image": {"provider": "dalle", "model": model},
        "openai": {"api_key": "sk-test", "base_url": url + "/v1"},
    }
    return build_image(snap, retry=FAST)


def flux(url: str):  # noqa: ANN201
    return build_image({"image": {"provider": "flux", "base_url": url}}, retry=FAST)


def test_dalle_returns_the_png_bytes() -> None:
    with FakeOpenAI() as fake:
        png = dalle(fake.url).generate("a red fox", width=512, height=512)
    assert read_png(png) == (64, 64, colour_for("a red fox"))
    body = fake.calls[0][2]
    assert body["response_format"] == "b64_json" and body["size"] == "1024x1024"


def test_gpt_image_models_are_not_sent_response_format() -> None:
    with FakeOpenAI() as fake:
        dalle(fake.url, "gpt-image-1").generate("x", width=1536, height=1024)
    assert "response_format" not in fake.calls[0][2]
    assert fake.calls[0][2]["size"] == "1536x1024"


@pytest.mark.parametrize(
    ("model", "w", "h", "size"),
    [
        ("dall-e-3", 512, 512, (1024, 1024)),
        ("dall-e-3", 1536, 768, (1792, 1024)),
        ("dall-e-3", 512, 1024, (1024, 1792)),
        ("dall-e-2", 256, 320, (256, 256)),
        ("dall-e-2", 768, 768, (512, 512)),
        ("gpt-image-1", 768, 1152, (1024, 1536)),
        ("some-new-model", 256, 256, (1024, 1024)),
    ],
)
def test_nearest_allowed_size(model: str, w: int, h: int, size: tuple[int, int]) -> None:
    assert nearest_size(model, w, h) == size


def test_flux_posts_the_generate_contract() -> None:
    with FakeFlux() as fake:
        png = flux(fake.url).generate("a boat", width=768, height=512, seed=7)
    assert read_png(png)[2] == colour_for("a boat")
    assert fake.calls == [
        (
            "POST",
            "/generate",
            {"prompt": "a boat", "width": 768, "height": 512, "steps": 4, "seed": 7},
        )
    ]


def test_flux_at_requested_size() -> None:
    with FakeFlux(image_size=None) as fake:
        png = flux(fake.url).generate("big", width=320, height=256)
    assert read_png(png)[:2] == (320, 256)


def test_flux_rejects_bad_size_without_retry() -> None:
    with FakeFlux() as fake, pytest.raises(ProviderError, match="multiple of 16"):
        flux(fake.url).generate("x", width=300, height=256)
    assert len(fake.calls) == 1


def test_flux_down_names_flux_and_the_fix() -> None:
    with FakeFlux(down=True) as fake, pytest.raises(Unavailable) as err:
        flux(fake.url).generate("x", width=256, height=256)
    assert err.value.message.startswith("Flux: cannot connect")
    assert "start the Flux service" in (err.value.hint or "")


def test_image_that_is_not_a_png_is_a_provider_error() -> None:
    with FakeFlux() as fake:
        fake.generate = lambda request: Answer(200, {"image": "aGVsbG8="})  # type: ignore[method-assign]
        with pytest.raises(ProviderError, match="not a PNG"):
            flux(fake.url).generate("x", width=256, height=256)
