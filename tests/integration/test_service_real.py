"""The service around a real saved GenreClassifier (tiny, trained on synthetic movies)."""

from __future__ import annotations

import base64

import pytest
from serving_helpers import tiny_model_dir

from conftest import make_poster

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client():
    from fastapi.testclient import TestClient

    from moviegenre.service import create_app

    with TestClient(create_app(tiny_model_dir())) as c:
        yield c


def test_health_reports_the_loaded_model(client):
    h = client.get("/health").json()
    assert h["status"] == "ok" and h["model"] == "model"
    assert h["inputs"] == ["overview", "title", "companies", "poster"] and h["genres"] == 5


def test_predict_json_and_multipart_agree(client, tmp_path):
    poster = make_poster(tmp_path / "p.jpg", (20, 10, 10), seed=7).read_bytes()
    movie = {"title": "The Haunted Story", "overview": "ghost blood haunted scream night", "companies": ["Horror Studios"]}
    a = client.post("/predict", json={**movie, "poster_b64": base64.b64encode(poster).decode()})
    b = client.post("/predict", data={**movie, "companies": "Horror Studios"},
                    files={"poster": ("p.jpg", poster, "image/jpeg")})
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
