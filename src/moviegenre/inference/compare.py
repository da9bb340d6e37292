"""How much a bundle's predictions differ from its model's: what ``moviegenre export`` prints.

``compare(model, bundle, movies)`` → ``{"movies", "max_abs_diff", "mean_abs_diff", "decisions_changed",
"movies_changed", and with labelled movies "micro_f1_model" / "micro_f1_bundle"}``. The model may
read its feature cache; the bundle computes every feature itself (``cache=False``), so the numbers
measure the bundle's own networks. ``probe_movies()`` are made-up movies (text written for this,
generated posters) for when no ``--data`` is given.
"""

from __future__ import annotations

import io

import numpy as np

from ..records import Movie

_PROBES = [
    (
        "Night Shift",
        "A retired detective is pulled back for one last case in a rain-soaked city.",
        "Warner Bros.",
    ),
    (
        "Big Day",
        "Two rival wedding planners fall in love while sabotaging the same ceremony.",
        "Universal Pictures",
    ),
    (
        "The Hollow",
        "Something in the old farmhouse wakes up every night at three and it is hungry.",
        "Blumhouse",
    ),
    (
        "Starfall",
        "A crew of miners stranded on a comet must fight a rogue AI to get home.",
        "20th Century Fox",
    ),
    ("Grandpa's Boat", "A family spends one last summer together on the lake before selling the house.", ""),
    (
        "Laugh Track",
        "A failed comedian accidentally becomes the mayor of a small town.",
        "Paramount Pictures",
    ),
    (
        "Paper Kingdoms",
        "A young princess leads a rebellion of animated origami creatures.",
        "Walt Disney Pictures",
    ),
    ("Ironclad", "", "Columbia Pictures"),
]


def _poster(seed: int) -> bytes:
    """A small JPEG: a colour gradient plus noise (different per seed)."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    h, w = 268, 182
    base = rng.integers(0, 255, 3)
    ramp = np.linspace(0, 1, h)[:, None, None] * rng.integers(-120, 120, 3)
    arr = np.clip(base + ramp + rng.normal(0, 20, (h, w, 3)), 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="JPEG", quality=90)
    return buf.getvalue()


def probe_movies() -> list[Movie]:
    """Eight made-up movies, most with every input, some missing one (no overview, no companies, no poster)."""
    movies = []
    for i, (title, overview, company) in enumerate(_PROBES):
        movies.append(
            Movie(
                key=f"probe-{i}",
                title=title,
                overview=overview or None,
                companies=(company,) if company else (),
                poster_bytes=_poster(i) if i != 5 else None,
            )
        )
    return movies


def compare(model, bundle, movies: list[Movie]) -> dict:
    """Score and decision differences of ``bundle`` against ``model`` on ``movies`` (see module doc)."""
    p_model = model.predict_proba(movies, cache=True)
    p_bundle = bundle.predict_proba(movies, cache=False)
    diff = np.abs(p_model - p_bundle)
    d_model, d_bundle = model.decide(p_model), bundle.decide(p_bundle)
    report = {
        "movies": len(movies),
        "max_abs_diff": float(diff.max()) if diff.size else 0.0,
        "mean_abs_diff": float(diff.mean()) if diff.size else 0.0,
        "decisions_changed": int((d_model != d_bundle).sum()),
        "movies_changed": int((d_model != d_bundle).any(1).sum()),
    }
    labelled = [i for i, m in enumerate(movies) if m.genres]
    if labelled:
        from ..metrics import evaluate_predictions

        y = model.vocabulary_.transform([movies[i] for i in labelled])
        for name, p, d in (("model", p_model, d_model), ("bundle", p_bundle, d_bundle)):
            r = evaluate_predictions(y, p[labelled], d[labelled], list(model.genres_))
            report[f"micro_f1_{name}"] = float(r["micro_f1"])
    return report


def describe(report: dict) -> str:
    """One paragraph for people: the measured change."""
    lines = [
        f"compared on {report['movies']} movies: scores differ by at most {report['max_abs_diff']:.4f} "
        f"(mean {report['mean_abs_diff']:.5f}); {report['decisions_changed']} genre decisions changed, "
        f"in {report['movies_changed']} movies"
    ]
    if "micro_f1_model" in report:
        delta = report["micro_f1_bundle"] - report["micro_f1_model"]
        lines.append(
            f"micro-F1: model {report['micro_f1_model']:.4f}, bundle {report['micro_f1_bundle']:.4f} ({delta:+.4f})"
        )
    return "\n".join(lines)
