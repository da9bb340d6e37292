"""Locust scenario for ``moviegenre serve``: every request a movie with a poster, as the page sends it.

Run by ``benchmarks/bench_load.py`` (which starts the service and reads the figures); by hand:

    locust -f benchmarks/locustfile.py --headless -u 16 -r 16 -t 60s --host http://127.0.0.1:8000

Each simulated user posts a multipart form (title, overview, companies, a 182×268 JPEG poster made
here, not a real one) to ``/predict`` at most ``MOVIEGENRE_LOAD_USER_RATE`` times a second (default:
as fast as answers come). An answer counts as a failure unless it is a 200 with a score per genre.
``MOVIEGENRE_API_KEY`` is sent as the bearer token when set.
"""

from __future__ import annotations

import os
import random
import sys
import uuid
from pathlib import Path

from locust import FastHttpUser, constant_throughput, task

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_service import COMPANIES, OVERVIEWS, TITLES, make_posters

USER_RATE = float(os.environ.get("MOVIEGENRE_LOAD_USER_RATE", "1000"))


def multipart(fields: dict[str, str], poster: bytes) -> tuple[bytes, str]:
    """A ready-made multipart body (built once: the load generator should spend its CPU on sending)."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="poster"; filename="poster.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n".encode()
        + poster
        + b"\r\n"
    )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


BODIES = [
    multipart(
        {
            "title": TITLES[i % len(TITLES)],
            "overview": OVERVIEWS[i % len(OVERVIEWS)],
            "companies": "; ".join(COMPANIES[i % len(COMPANIES)]),
        },
        poster,
    )
    for i, poster in enumerate(make_posters(16))
]


class PosterUser(FastHttpUser):
    wait_time = constant_throughput(USER_RATE)

    @task
    def predict(self) -> None:
        body, ctype = random.choice(BODIES)
        headers = {"Content-Type": ctype}
        if key := os.environ.get("MOVIEGENRE_API_KEY"):
            headers["Authorization"] = f"Bearer {key}"
        with self.client.post("/predict", data=body, headers=headers, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"status {r.status_code}")
            elif not (r.json() or {}).get("scores"):
                r.failure("no scores in the answer")
