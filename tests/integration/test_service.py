"""The HTTP service against a stand-in classifier: routes, limits, and clear 4xx for bad input."""

from __future__ import annotations

import base64
import io
import json
import re

import pytest
from conftest import make_poster
from serving_helpers import GENRES, FakeClassifier

pytest.importorskip("fastapi")


@pytest.fixture
def client():
    from fastapi.testclient import TestClient

    from moviegenre.serving.app import ServiceLimits, create_app

    app = create_app(classifier=FakeClassifier(), limits=ServiceLimits(max_batch=4, max_body_bytes=2 * 2**20))
    with TestClient(app) as c:
        yield c


@pytest.fixture
def poster_bytes(tmp_path):
    return make_poster(tmp_path / "p.jpg", (200, 40, 30)).read_bytes()


def test_health_and_genres(client):
    assert client.get("/health").json()["status"] == "ok"
    body = client.get("/genres").json()
    assert body["genres"] == GENRES
    assert set(body["thresholds"]) == set(body["genres"])


def test_predict_json_with_base64_poster(client, poster_bytes):
    r = client.post(
        "/predict",
        json={
            "title": "Funny Ghost",
            "overview": "a family trip",
            "companies": "Acme; Beta",
            "poster_b64": base64.b64encode(poster_bytes).decode(),
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert {"Comedy", "Horror", "Drama"} <= set(body["genres"])
    assert set(body["scores"]) == set(GENRES)
    assert body["weights"]["poster"] > 0 and abs(sum(body["weights"].values()) - 1) < 1e-6


def test_predict_multipart_upload(client, poster_bytes):
    r = client.post(
        "/predict",
        data={"title": "Love in Paris", "companies": "Acme"},
        files={"poster": ("p.jpg", poster_bytes, "image/jpeg")},
    )
    assert r.status_code == 200, r.text
    assert r.json()["genres"] == ["Romance"]
    assert r.json()["weights"]["poster"] > 0


def test_missing_inputs_are_fine_but_nothing_at_all_is_422(client):
    assert client.post("/predict", json={"title": "Explosion"}).json()["genres"] == ["Action"]
    r = client.post("/predict", json={"title": "  "})
    assert r.status_code == 422 and "at least one" in r.json()["detail"]


def test_batch(client):
    r = client.post("/predict/batch", json={"movies": [{"title": "ghost"}, {"overview": "love"}]})
    assert r.status_code == 200
    assert [p["genres"] for p in r.json()["predictions"]] == [["Horror"], ["Romance"]]


@pytest.mark.parametrize("path", ["/predict", "/predict/batch"])
def test_malformed_json_is_400(client, path):
    r = client.post(path, content=b'{"title": "oops', headers={"content-type": "application/json"})
    assert r.status_code == 400 and "malformed JSON" in r.json()["detail"]


def test_schema_errors_are_422(client):
    r = client.post("/predict", json={"title": 5, "plot": "x"})
    assert r.status_code == 422
    assert r.json()["detail"] and r.json()["errors"]
    assert client.post("/predict/batch", json={"films": []}).status_code == 422


def test_non_image_upload_is_400(client):
    r = client.post(
        "/predict", data={"title": "x"}, files={"poster": ("notes.txt", b"just some words", "text/plain")}
    )
    assert r.status_code == 400 and "not an image" in r.json()["detail"]
    r = client.post("/predict", json={"title": "x", "poster_b64": base64.b64encode(b"words").decode()})
    assert r.status_code == 400
    r = client.post("/predict", json={"title": "x", "poster_b64": "***not base64***"})
    assert r.status_code == 400 and "base64" in r.json()["detail"]


def test_truncated_image_is_400(client, poster_bytes):
    r = client.post(
        "/predict", data={"title": "x"}, files={"poster": ("p.jpg", poster_bytes[:200], "image/jpeg")}
    )
    assert r.status_code == 400


def test_50_megapixel_image_is_413(client):
    from PIL import Image

    buf = io.BytesIO()
    Image.new("L", (10_000, 5_000), 128).save(buf, format="PNG")  # 50 MP, but only ~50 kB on the wire
    r = client.post(
        "/predict", data={"title": "x"}, files={"poster": ("big.png", buf.getvalue(), "image/png")}
    )
    assert r.status_code == 413 and "pixels" in r.json()["detail"]


def test_oversized_batch_is_413(client):
    r = client.post("/predict/batch", json={"movies": [{"title": f"m{i}"} for i in range(5)]})
    assert r.status_code == 413 and "limit of 4" in r.json()["detail"]


def test_oversized_body_is_413(client):
    big = json.dumps({"title": "x", "overview": "y" * (3 * 2**20)})
    r = client.post("/predict", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413 and "limit" in r.json()["detail"]

    def chunks():  # no Content-Length: the limit is enforced while streaming
        yield b'{"title": "x", "overview": "'
        for _ in range(3):
            yield b"y" * 2**20
        yield b'"}'

    r = client.post("/predict", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_page_and_docs_are_served(client):
    r = client.get("/")
    assert r.status_code == 200 and "<form" in r.text
    assert client.get("/static/app.js").status_code == 200
    spec = client.get("/openapi.json").json()
    assert {"/predict", "/predict/batch", "/health", "/genres"} <= set(spec["paths"])
    assert "multipart/form-data" in spec["paths"]["/predict"]["post"]["requestBody"]["content"]
    # the docs page loads its assets from the package, not a CDN, so it renders offline
    docs = client.get("/docs")
    assert docs.status_code == 200 and "cdn.jsdelivr" not in docs.text
    asset = re.search(r'src="([^"]*swagger-ui-bundle\.js)"', docs.text).group(1)
    assert client.get(asset).status_code == 200


def test_concurrent_requests_are_batched():
    import asyncio

    import httpx

    from moviegenre.serving.app import create_app

    fake = FakeClassifier()
    app = create_app(classifier=fake)
    assert fake.calls == [1]  # the warm-up
    fake.calls.clear()

    async def run():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            rs = await asyncio.gather(*[c.post("/predict", json={"title": f"ghost {i}"}) for i in range(16)])
        return rs

    rs = asyncio.run(run())
    assert all(r.status_code == 200 for r in rs)
    assert sum(fake.calls) == 16 and len(fake.calls) < 16  # some requests shared a forward pass


def test_urlencoded_form_without_poster(client):
    r = client.post("/predict", data={"title": "Funny Ghost"})  # httpx sends urlencoded without files
    assert r.status_code == 200 and set(r.json()["genres"]) == {"Comedy", "Horror"}


def test_slow_prediction_is_503_not_a_hang():
    import time

    from fastapi.testclient import TestClient

    from moviegenre.serving.app import ServiceLimits, create_app

    class Slow(FakeClassifier):
        def predict_details(self, movies):
            time.sleep(0.5)
            return super().predict_details(movies)

    with TestClient(create_app(classifier=Slow(), limits=ServiceLimits(timeout_s=0.1), warm_up=False)) as c:
        r = c.post("/predict", json={"title": "ghost"})
    assert r.status_code == 503 and "longer than" in r.json()["detail"]


def test_unknown_form_field_is_422(client):
    r = client.post(
        "/predict", data={"title": "x", "plot": "y"}, files={"poster": ("p.jpg", b"", "image/jpeg")}
    )
    assert r.status_code == 422 and "plot" in r.json()["detail"]
