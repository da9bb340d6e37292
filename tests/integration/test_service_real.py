"""The service around a real saved GenreClassifier (tiny, trained on synthetic movies)."""

from __future__ import annotations

import base64

import pytest
from conftest import make_poster
from serving_helpers import tiny_model_dir

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client():
    from fastapi.testclient import TestClient

    from moviegenre.serving.app import create_app

    with TestClient(create_app(tiny_model_dir())) as c:
        yield c


def test_health_reports_the_loaded_model(client):
    h = client.get("/health").json()
    assert h["status"] == "ok" and h["model"] == "model"
    assert h["inputs"] == ["overview", "title", "companies", "poster"] and h["genres"] == 5


def test_predict_json_and_multipart_agree(client, tmp_path):
    poster = make_poster(tmp_path / "p.jpg", (20, 10, 10), seed=7).read_bytes()
    movie = {
        "title": "The Haunted Story",
        "overview": "ghost blood haunted scream night",
        "companies": ["Horror Studios"],
    }
    a = client.post("/predict", json={**movie, "poster_b64": base64.b64encode(poster).decode()})
    b = client.post(
        "/predict",
        data={**movie, "companies": "Horror Studios"},
        files={"poster": ("p.jpg", poster, "image/jpeg")},
    )
    assert a.status_code == 200 and b.status_code == 200, (a.text, b.text)
    assert a.json()["scores"] == pytest.approx(b.json()["scores"], abs=1e-6)
    genres = client.get("/genres").json()["genres"]
    assert set(a.json()["scores"]) == set(genres) and a.json()["genres"]
    w = a.json()["weights"]
    assert set(w) == {"overview", "title", "companies", "poster"} and w["poster"] > 0


def test_missing_inputs_get_zero_weight(client):
    r = client.post("/predict", json={"title": "A Funny Party"})
    assert r.status_code == 200
    w = r.json()["weights"]
    assert w["poster"] == 0 and w["overview"] == 0 and w["companies"] == 0 and w["title"] > 0


def test_batch_matches_single(client):
    movies = [{"title": "Love Story", "overview": "love kiss wedding"}, {"overview": "explosion chase"}]
    batch = client.post("/predict/batch", json={"movies": movies}).json()["predictions"]
    singles = [client.post("/predict", json=m).json() for m in movies]
    for b, s in zip(batch, singles, strict=True):
        assert b["scores"] == pytest.approx(s["scores"], abs=1e-5)


def test_concurrent_requests_match_one_at_a_time(tmp_path):
    """Two model threads and micro-batching must not mix movies up."""
    import asyncio

    import httpx

    from moviegenre.serving.app import create_app

    app = create_app(tiny_model_dir())
    posters = [
        make_poster(tmp_path / f"p{i}.jpg", (40 * i, 200 - 30 * i, 90), seed=i).read_bytes() for i in range(6)
    ]
    words = ["ghost blood", "love kiss", "explosion chase", "funny prank", "family grief", "haunted night"]
    movies = [
        {"title": f"Film {i}", "overview": words[i], "poster_b64": base64.b64encode(posters[i]).decode()}
        for i in range(6)
    ]

    async def run():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            alone = [(await c.post("/predict", json=m)).json() for m in movies]
            together = await asyncio.gather(*[c.post("/predict", json=m) for m in movies * 3])
        return alone, [r.json() for r in together]

    alone, together = asyncio.run(run())
    for i, r in enumerate(together):
        assert r["scores"] == pytest.approx(alone[i % 6]["scores"], abs=1e-5)
