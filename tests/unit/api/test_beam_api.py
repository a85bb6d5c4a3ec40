"""POST /api/beam-search and GET /media/beam/... through Flask's test client."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from roundhouse.api import create_app
from roundhouse.core.media import beam_url, save_beam_image
from roundhouse.core.settings import Settings
from tests.fakes.png import render

GOOD = {
    "prompt": "a fox in the snow at dusk",
    "beam_width": 2,
    "candidates": 3,
    "depth": 2,
    "width": 512,
    "height": 512,
}


@pytest.fixture
def sent() -> list[dict]:
    return []


@pytest.fixture
def media(tmp_path: Path) -> Path:
    return tmp_path / "media"


@pytest.fixture
def client(fake_redis, sent: list[dict], media: Path) -> FlaskClient:  # type: ignore[no-untyped-def]
    settings = Settings(media_dir=media, data_dir=media.parent)
    return create_app(settings, client=fake_redis, enqueue=sent.append).test_client()


def test_a_valid_search_is_queued_on_the_beam_queue(client: FlaskClient, sent: list[dict]) -> None:
    r = client.post("/api/beam-search", json={**GOOD, "prompt": "  a fox  "})
    assert r.status_code == 202, r.json
    job = r.json
    assert job["kind"] == "beam.search" and job["queue"] == "beam" and job["state"] == "queued"
    assert job["params"] == {**GOOD, "prompt": "a fox", "concurrency": 4, "seed": None}
    assert sent[0]["id"] == job["id"] and r.headers["Location"] == f"/api/jobs/{job['id']}"


def test_defaults_fill_what_is_left_out(client: FlaskClient) -> None:
    r = client.post("/api/beam-search", json={"prompt": "a fox"})
    assert r.status_code == 202
    assert r.json["params"]["beam_width"] == 2 and r.json["params"]["depth"] == 3


@pytest.mark.parametrize(
    ("body", "field", "needle"),
    [
        ({**GOOD, "beam_width": 0}, "beam_width", "from 1 to 8"),
        ({**GOOD, "beam_width": 9}, "beam_width", "from 1 to 8"),
        ({**GOOD, "candidates": 100}, "candidates", "from 1 to 8"),
        ({**GOOD, "depth": 6}, "depth", "from 1 to 5"),
        ({**GOOD, "width": 500}, "width", "multiple of 64"),
        ({**GOOD, "height": 4096}, "height", "from 256 to 1536"),
        ({**GOOD, "depth": "3"}, "depth", "must be an integer"),
        ({**GOOD, "depth": True}, "depth", "must be an integer"),
        ({**GOOD, "prompt": "   "}, "prompt", "non-empty"),
        ({**GOOD, "prompt": "x" * 2001}, "prompt", "limit is 2000"),
        ({k: v for k, v in GOOD.items() if k != "prompt"}, "prompt", "non-empty"),
        ({**GOOD, "temperature": 2}, "temperature", "unknown parameter"),
    ],
)
def test_out_of_bounds_is_a_400_that_queues_nothing(
    client: FlaskClient, sent: list[dict], body: dict, field: str, needle: str
) -> None:
    r = client.post("/api/beam-search", json=body)
    assert r.status_code == 400
    assert needle in r.json["errors"][field] and field in r.json["message"]
    assert "beam_width" in r.json["allowed"] and "prompt" in r.json["allowed"]
    assert sent == [] and client.get("/api/jobs").json["jobs"] == []


def test_every_problem_is_listed_at_once(client: FlaskClient) -> None:
    r = client.post("/api/beam-search", json={"prompt": "", "depth": 0, "width": 1})
    assert r.status_code == 400 and set(r.json["errors"]) == {"prompt", "depth", "width"}


def test_non_object_body_is_a_400(client: FlaskClient) -> None:
    r = client.post("/api/beam-search", data="[1]", content_type="application/json")
    assert r.status_code == 400 and "JSON object" in r.json["message"]


def test_the_form_can_ask_for_ranges(client: FlaskClient) -> None:
    body = client.get("/api/beam-search").json
    assert body["defaults"]["depth"] == 3 and "1-5" in body["allowed"]["depth"]


def test_a_saved_image_is_served_as_png(client: FlaskClient, media: Path) -> None:
    png = render("a fox", 16, 16)
    url = save_beam_image(media, "abc123", "r1-b0-c0", png)
    assert url == beam_url("abc123", "r1-b0-c0") == "/media/beam/abc123/r1-b0-c0.png"
    r = client.get(url)
    assert r.status_code == 200 and r.data == png and r.mimetype == "image/png"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert [p.name for p in (media / "beam" / "abc123").iterdir()] == ["r1-b0-c0.png"]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/media/beam/abc123/missing.png", 404),
        ("/media/beam/nojob/r1-b0-c0.png", 404),
        ("/media/beam/abc123/r1-b0-c0.txt", 400),
        ("/media/beam/abc123/..png", 400),
        ("/media/beam/abc123/%2e%2e%2fsecret.png", 404),
        ("/media/beam/..%2f..%2fetc/passwd.png", 404),
        ("/media/beam/abc123/.r1-b0-c0.png", 400),
        ("/media/beam/abc123/../../secret.png", 404),
    ],
)
def test_no_path_leaves_the_media_folder(
    client: FlaskClient, media: Path, path: str, status: int
) -> None:
    save_beam_image(media, "abc123", "r1-b0-c0", render("a fox", 16, 16))
    (media.parent / "secret.png").write_bytes(b"secret")
    r = client.get(path)
    assert r.status_code == status and b"secret" not in r.data


def test_saving_refuses_bad_names_and_non_png(media: Path) -> None:
    png = render("a fox", 8, 8)
    for job_id, cand in (("../x", "r1"), ("abc", "../../x"), ("abc", "a/b"), ("", "r1")):
        with pytest.raises(Exception, match="invalid"):
            save_beam_image(media, job_id, cand, png)
    with pytest.raises(Exception, match="not a PNG"):
        save_beam_image(media, "abc", "r1-b0-c0", b"GIF89a")
    assert not (media / "beam").exists() or not any((media / "beam").rglob("*"))


def test_an_image_made_on_another_host_is_served_from_redis(
    client: FlaskClient, media: Path, fake_redis, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """gpu's worker saved it on gpu's disk (not this API's) and in Redis: it still loads."""
    from roundhouse.core.keys import Keys
    from roundhouse.core.media import MediaStore, keep_beam_image

    png = render("a fox", 16, 16)
    gpu_store = MediaStore(fake_redis, Keys("rh:"), 1 << 20, 3600)
    url = keep_beam_image(tmp_path / "gpu-media", gpu_store, "job9", "r1-b0-c0", png)
    assert not (media / "beam" / "job9").exists()
    r = client.get(url)
    assert r.status_code == 200 and r.data == png and r.mimetype == "image/png"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert 0 < fake_redis.ttl("rh:media:beam:job9") <= 3600
    big = MediaStore(fake_redis, Keys("rh:"), len(png) - 1, 3600)
    assert not big.put("job9", "r1-b0-c1", png)  # over the cap: its host's disk only
    assert client.get("/media/beam/job9/r1-b0-c1.png").status_code == 404
