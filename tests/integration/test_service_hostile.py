"""The service against abusive or odd requests (in process, stand-in classifier): always a documented
4xx, never a 500; the API key, security headers, CORS; every field a movie may carry."""

from __future__ import annotations

import asyncio
import base64
import logging

import pytest
from conftest import make_poster
from serving_helpers import ALL_INPUTS, FakeClassifier

pytest.importorskip("fastapi")

KEY = "test-key-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {KEY}"}
FULL_MOVIE = {
    "title": "The Vault",
    "overview": "A crew plans one last job.",
    "companies": ["Acme Pictures"],
    "keywords": "heist; bank robbery",
    "director": "Jane Doe",
    "cast": ["First Actor", "Second Actor"],
    "tagline": "Nobody gets out.",
    "year": 2001,
    "runtime": 104,
    "language": "EN",
    "country": "us",
}


def make_client(classifier=None, **kw):
    from fastapi.testclient import TestClient

    from moviegenre.serving.app import ServiceLimits, create_app

    app = create_app(
        classifier=classifier or FakeClassifier(),
        limits=kw.pop("limits", ServiceLimits(max_batch=4, max_body_bytes=2 * 2**20)),
        warm_up=False,
        **kw,
    )
    return TestClient(app)


@pytest.fixture
def client():
    with make_client() as c:
        yield c


def check_error_body(r, status: int) -> dict:
    """The answer has ``status`` and an ``ErrorOut`` body (what the OpenAPI document promises)."""
    from moviegenre.serving.schemas import ErrorOut

    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    ErrorOut.model_validate(body)
    assert "\n" not in body["detail"]
    return body


# --- malformed and abusive bodies: 4xx, never 500 -------------------------------------------------
@pytest.mark.parametrize("path", ["/predict", "/predict/batch"])
@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000,  # deeply nested
        b'{"title": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        b'{"title": ' + b"7" * 5000 + b"}",  # a 5,000-digit number
        b'{"movies": [{"year": ' + b"9" * 5000 + b"}]}",
        b'{"title": "\xff\xfe"}',  # not UTF-8
        b'{"title": "oops',
        b"",
    ],
)
def test_malformed_json_is_400(client, path, body):
    detail = check_error_body(
        client.post(path, content=body, headers={"content-type": "application/json"}), 400
    )
    assert detail["detail"].startswith("malformed JSON")


@pytest.mark.parametrize("path", ["/predict", "/predict/batch"])
def test_json_only_as_application_json(client, path):
    body = '{"title": "ghost"}' if path == "/predict" else '{"movies": [{"title": "ghost"}]}'
    for ctype in ("text/plain", "text/plain; charset=utf-8", "application/x-json", None):
        headers = {"content-type": ctype} if ctype else {}
        r = client.post(path, content=body.encode(), headers=headers)
        assert "application/json" in check_error_body(r, 415)["detail"]
    r = client.post(path, content=body.encode(), headers={"content-type": "application/json; charset=utf-8"})
    assert r.status_code == 200


def test_batch_refuses_forms(client):
    r = client.post("/predict/batch", data={"title": "ghost"})
    check_error_body(r, 415)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("year", "2001"),  # JSON is strict: a string is not a year (a form field is text, and fine)
        ("year", 1869),
        ("year", 2101),
        ("year", True),
        ("runtime", 0),
        ("runtime", 1001),
        ("language", "English"),
        ("language", ""),
        ("country", "USA"),
        ("cast", ["x"] * 51),
        ("cast", "x" * 15101),
        ("keywords", ["k" * 301]),
        ("companies", [["nested"]]),
        ("title", 5),
        ("title", "x" * 1001),
        ("plot", "unknown field"),
    ],
)
def test_out_of_bounds_fields_are_422(client, field, value):
    body = check_error_body(client.post("/predict", json={"overview": "a ghost", field: value}), 422)
    assert field in body["detail"] and body["errors"][0]["loc"][0] == field


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e5000"])
def test_non_finite_runtime_is_4xx(client, value):
    r = client.post(
        "/predict",
        content=b'{"title": "x", "runtime": ' + value.encode() + b"}",
        headers={"content-type": "application/json"},
    )
    assert r.status_code in (400, 422) and r.json()["detail"]


def test_nothing_to_read_is_422(client):
    check_error_body(client.post("/predict", json={}), 422)
    for blank in ({"title": "   "}, {"companies": " ; "}, {"cast": []}, {"tagline": "\t"}):
        body = check_error_body(client.post("/predict", json=blank), 422)
        assert "at least one of" in body["detail"]
    # fields the model does not read: said so, instead of predicting from nothing
    body = check_error_body(client.post("/predict", json={"year": 2001, "director": "Jane Doe"}), 422)
    assert "reads only overview, title, companies, poster" in body["detail"]
    assert "ignores director, year" in body["detail"]
    r = client.post("/predict/batch", json={"movies": [{"title": "ghost"}, {"keywords": ["heist"]}]})
    assert "movies[1].keywords" in check_error_body(r, 422)["detail"]


def test_form_abuse_is_4xx(client, tmp_path):
    poster = make_poster(tmp_path / "p.jpg", (10, 20, 30)).read_bytes()
    files = {"poster": ("p.jpg", poster, "image/jpeg")}
    r = client.post("/predict", data={"title": ["a", "b"]})
    assert "more than once" in check_error_body(r, 422)["detail"]
    r = client.post("/predict", data={"year": "nineteen"}, files=files)
    check_error_body(r, 422)
    r = client.post("/predict", data={"title": "x", "poster": "not a file"})
    check_error_body(r, 422)
    r = client.post("/predict", files={"title": ("t.txt", b"a file", "text/plain")})
    check_error_body(r, 422)
    r = client.post(
        "/predict",
        content=b'--xyz\r\nContent-Disposition: form-data; name="title"\r\n\r\nunterminated',
        headers={"content-type": "multipart/form-data; boundary=xyz"},
    )
    assert r.status_code in (400, 422)
    r = client.post("/predict", content=b"--", headers={"content-type": "multipart/form-data"})
    check_error_body(r, 400)


# --- every field a movie may carry --------------------------------------------------------------------
def test_json_carries_every_field_to_the_model():
    fake = FakeClassifier(inputs=ALL_INPUTS)
    with make_client(fake) as c:
        r = c.post("/predict", json=FULL_MOVIE)
    assert r.status_code == 200, r.text
    m = fake.seen[-1]
    assert (m.keywords, m.director, m.cast, m.tagline) == (
        ("heist", "bank robbery"),
        "Jane Doe",
        ("First Actor", "Second Actor"),
        "Nobody gets out.",
    )
    assert (m.year, m.runtime, m.language, m.country) == (2001, 104.0, "en", "US")
    weights = r.json()["weights"]
    assert list(weights) == ALL_INPUTS  # "how much each input counted" shows every input the model has
    assert all(weights[i] > 0 for i in ALL_INPUTS if i != "poster") and weights["poster"] == 0


def test_form_carries_every_field_and_blank_fields_are_absent(tmp_path):
    fake = FakeClassifier(inputs=ALL_INPUTS)
    poster = make_poster(tmp_path / "p.jpg", (10, 20, 30)).read_bytes()
    form = {k: "; ".join(v) if isinstance(v, list) else str(v) for k, v in FULL_MOVIE.items()}
    with make_client(fake) as c:
        r = c.post("/predict", data=form, files={"poster": ("p.jpg", poster, "image/jpeg")})
        assert r.status_code == 200, r.text
        full = fake.seen[-1]
        r = c.post("/predict", data={"title": "ghost", "year": "", "language": "", "cast": "  "})
        assert r.status_code == 200, r.text
        sparse = fake.seen[-1]
    assert full.companies == ("Acme Pictures",) and full.cast == ("First Actor", "Second Actor")
    assert (full.year, full.runtime, full.language, full.country) == (2001, 104.0, "en", "US")
    assert full.poster_bytes == poster and r.json()["weights"]["poster"] == 0
    assert (sparse.year, sparse.language, sparse.cast) == (None, None, None)


def test_metadata_alone_is_enough_for_a_model_that_reads_it():
    fake = FakeClassifier(inputs=["title", "metadata"])
    with make_client(fake) as c:
        r = c.post("/predict/batch", json={"movies": [{"year": 1999}, {"country": "FR", "runtime": 90.5}]})
    assert r.status_code == 200, r.text
    assert [p["weights"] for p in r.json()["predictions"]] == [{"title": 0.0, "metadata": 1.0}] * 2


def test_openapi_documents_the_fields_and_every_answer(client):
    spec = client.get("/openapi.json").json()
    movie = spec["components"]["schemas"]["MovieIn"]["properties"]
    for field in ("keywords", "director", "cast", "tagline", "year", "runtime", "language", "country"):
        assert field in movie
    year = next(v for v in movie["year"]["anyOf"] if v.get("type") == "integer")
    assert (year["minimum"], year["maximum"]) == (1870, 2100)
    form = spec["paths"]["/predict"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert {"keywords", "year", "poster"} <= set(form["properties"]) and form["additionalProperties"] is False
    for path in ("/predict", "/predict/batch"):
        answers = spec["paths"][path]["post"]["responses"]
        assert set(answers) == {"200", "400", "408", "413", "415", "422", "503"}
        assert answers["422"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ErrorOut"
        }
    assert "HTTPValidationError" not in spec["components"]["schemas"]  # FastAPI's 422 shape is not ours


# --- API key --------------------------------------------------------------------------------------------
def test_api_key_guards_the_api_not_the_page(monkeypatch):
    from moviegenre.serving import security

    compared = []
    real = security.hmac.compare_digest
    monkeypatch.setattr(security.hmac, "compare_digest", lambda a, b: compared.append(1) or real(a, b))
    with make_client(api_key=KEY) as c:
        for headers in (
            {},
            {"Authorization": "Bearer wrong-key-0123456789"},
            {"Authorization": f"Basic {KEY}"},
        ):
            r = c.post("/predict", json={"title": "ghost"}, headers=headers)
            assert check_error_body(r, 401) and r.headers["www-authenticate"] == "Bearer"
            check_error_body(c.post("/predict/batch", json={"movies": []}, headers=headers), 401)
            check_error_body(c.get("/genres", headers=headers), 401)
        assert c.post("/predict", json={"title": "ghost"}, headers=AUTH).json()["genres"] == ["Horror"]
        assert c.get("/genres", headers=AUTH).status_code == 200
        for open_path in ("/", "/health", "/static/app.js", "/docs", "/openapi.json"):
            assert c.get(open_path).status_code == 200, open_path
        assert c.get("/health").json()["api_key_required"] is True
        spec = c.get("/openapi.json").json()
    assert compared  # the key is compared in constant time
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert "401" in spec["paths"]["/predict"]["post"]["responses"]
    assert spec["paths"]["/predict"]["post"]["security"] == [{"HTTPBearer": []}]


def test_bad_api_keys_are_refused_up_front():
    from moviegenre.errors import MovieGenreError
    from moviegenre.serving.security import check_api_key

    for key in ("short", "with space in it 12345", "clé-non-ascii-0123456789"):
        with pytest.raises(MovieGenreError) as e:
            check_api_key(key)
        assert key not in str(e.value)


def test_without_a_key_the_api_is_open_and_says_so(client):
    assert client.get("/health").json()["api_key_required"] is False
    assert client.get("/genres").status_code == 200


# --- headers, CORS ----------------------------------------------------------------------------------
def test_security_headers_on_page_api_and_errors(client):
    for r in (
        client.get("/"),
        client.get("/static/app.js"),
        client.post("/predict", json={"title": "ghost"}),
        client.post("/predict", content=b"x", headers={"content-type": "text/plain"}),
    ):
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        csp = r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self';" in csp
        assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in client.get("/docs").headers["content-security-policy"]


def test_cors_is_off_by_default_and_opt_in():
    preflight = {
        "Origin": "https://evil.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    with make_client() as c:
        r = c.options("/predict", headers=preflight)
        assert "access-control-allow-origin" not in r.headers
        r = c.post("/predict", json={"title": "ghost"}, headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in r.headers
    with make_client(cors_origins=["https://ok.example"]) as c:
        r = c.options("/predict", headers=preflight | {"Origin": "https://ok.example"})
        assert r.headers["access-control-allow-origin"] == "https://ok.example"
        assert "authorization" in r.headers["access-control-allow-headers"].lower()
        r = c.options("/predict", headers=preflight)
        assert "access-control-allow-origin" not in r.headers


def test_cors_origins_are_checked():
    from moviegenre.errors import MovieGenreError
    from moviegenre.serving.security import check_origins

    assert check_origins(["https://ok.example", "http://localhost:3000"]) == [
        "https://ok.example",
        "http://localhost:3000",
    ]
    for bad in ("ok.example", "https://ok.example/path", "javascript:alert(1)"):
        with pytest.raises(MovieGenreError, match="not an origin"):
            check_origins([bad])


# --- slow and vanishing clients (the ASGI app alone; the real server: test_service_process.py) -------
def run_asgi(app, receive_messages, delay: float = 0.0):
    """Call ``app`` with a POST /predict whose body parts come from ``receive_messages`` (each after
    ``delay`` s; then the client hangs); returns what the app sent."""
    sent = []
    parts = list(receive_messages)

    async def receive():
        if parts:
            await asyncio.sleep(delay)
            return parts.pop(0)
        await asyncio.sleep(3600)  # a client that never sends the rest

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/predict",
        "raw_path": b"/predict",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json"), (b"content-length", b"100")],
        "client": ("127.0.0.1", 5555),
        "server": ("127.0.0.1", 8000),
    }
    asyncio.run(asyncio.wait_for(app(scope, receive, send), timeout=20))
    return sent


def test_a_trickling_body_gets_408():
    from moviegenre.serving.app import ServiceLimits, create_app

    app = create_app(classifier=FakeClassifier(), limits=ServiceLimits(body_timeout_s=0.5), warm_up=False)
    trickle = [{"type": "http.request", "body": b"{", "more_body": True}] * 50
    sent = run_asgi(app, trickle, delay=0.05)
    start = sent[0]
    assert start["status"] == 408 and (b"connection", b"close") in start["headers"]
    assert b"did not arrive within 0.5 s" in sent[1]["body"]


def test_a_client_that_goes_away_is_one_log_line(caplog):
    from moviegenre.serving.app import create_app

    app = create_app(classifier=FakeClassifier(), warm_up=False)
    with caplog.at_level(logging.INFO):
        for _ in range(20):
            sent = run_asgi(
                app, [{"type": "http.request", "body": b"{", "more_body": True}, {"type": "http.disconnect"}]
            )
            assert sent == []  # nobody to answer
    lines = [r for r in caplog.records if "went away" in r.getMessage()]
    assert len(lines) == 20 and all(r.exc_info is None for r in caplog.records)
    assert "Traceback" not in caplog.text


def test_base64_poster_in_batch_with_new_fields(client, tmp_path):
    poster = base64.b64encode(make_poster(tmp_path / "p.jpg", (1, 2, 3)).read_bytes()).decode()
    r = client.post(
        "/predict/batch",
        json={"movies": [{"poster_b64": poster, "keywords": ["ghost"]}, {"title": "funny", "year": 1990}]},
    )
    assert r.status_code == 200, r.text
    assert len(r.json()["predictions"]) == 2


def test_serve_caps_malloc_arenas(monkeypatch):
    """Memory creep under load came from per-thread malloc arenas; serve caps them (glibc only)."""
    import platform

    from moviegenre.serving.server import limit_malloc_arenas

    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert limit_malloc_arenas() is False  # the user's own setting wins
    monkeypatch.delenv("MALLOC_ARENA_MAX")
    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        assert limit_malloc_arenas() is True
