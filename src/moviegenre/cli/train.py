"""``moviegenre train`` and ``moviegenre evaluate``: fit a GenreClassifier on a fixed split, measure it.

Option defaults and help texts come from ``moviegenre.config``. Heavy imports (torch, encoders)
happen inside the commands so ``moviegenre --help`` stays fast.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import typer

from ..config import DEFAULTS, INPUTS, ClassifierConfig, EncoderConfig, FusionName, TextModel, help_of
from ..data import read_movies
from ..data.info import poster_warning
from ..data.split import PARTS, Split, make_split
from ..encoders import build_encoder
from ..errors import DataError
from ..files import check_output_dir, jsonable
from ..metrics import HEADLINE_METRICS
from ..records import Dataset
from .common import CreditsOpt, KeywordsOpt, console, make_console, poster_failures, report_posters

DataOpt = typer.Option(
    ...,
    "--data",
    help="Movie file or folder (JSONL, movies_metadata.csv, tmdb_5000_movies.csv) "
    'or "default" (the embedded Wikidata table).',
)
FormatOpt = typer.Option(
    None,
    "--format",
    help="Override format detection: jsonl | parquet | movies_metadata | tmdb5000 | default.",
)
PostersOpt = typer.Option(None, "--posters", help="Folder of poster images for the CSV sources.")
JsonOpt = typer.Option(False, "--json", help="Print one JSON object (the metrics report) on stdout.")


def _read(data: str, fmt: str | None, posters: Path | None, keywords=None, credits=None):
    ds = read_movies(data, fmt, posters, keywords=keywords, credits=credits)
    if ds.skipped:
        console.print(
            f"[yellow]{sum(ds.skipped.values()):,} rows skipped[/]: "
            + ", ".join(f"{r} {c:,}" for r, c in ds.skipped.most_common())
        )
    if not len(ds):
        raise DataError(f"{data}: no usable movies")
    return ds


def _cell(report: dict, key: str) -> str:
    """One metric, with its bootstrap 95% interval when the report has one (``evaluate --bootstrap N``)."""
    value = report.get(key)
    if value is None:
        return "—"
    ci = report.get(f"{key}_ci")
    return f"{value:.4f} [{ci[0]:.4f}, {ci[1]:.4f}]" if ci else f"{value:.4f}"


def _table(reports: dict[str, dict], title: str) -> None:
    from rich.table import Table

    t = Table("metric", *reports, title=title)
    for k in HEADLINE_METRICS:
        t.add_row(k, *(_cell(r, k) for r in reports.values()))
    make_console().print(t)
    for name, r in reports.items():
        if r.get("skipped_genres"):
            console.print(
                f"{name}: genres without positives or negatives, left out of AUC/mAP: "
                f"{', '.join(r['skipped_genres'])}"
            )


def _say_unlabelled(report: dict, part: str = "") -> None:
    """The one line both train (its test part) and evaluate print about movies without genres."""
    if report.get("n_unlabelled_movies"):
        where = f" of the {part} part" if part else ""
        console.print(f"[yellow]{report['n_unlabelled_movies']:,} movies{where} without genres left out[/]")


def _json_report(report: dict) -> dict:
    first = (*HEADLINE_METRICS, "per_genre", "skipped_genres")  # the contracted keys lead
    rest = [k for k in report if k not in first]
    return jsonable({**{k: report.get(k) for k in first}, **{k: report[k] for k in rest}})


def _available_inputs(ds, config) -> list[str]:
    """The default inputs the data actually has (the embedded default table has no overview or poster)."""

    have = [
        n for n in config.inputs if any(build_encoder(n, config.encoders).content(m) is not None for m in ds)
    ]
    missing = [n for n in config.inputs if n not in have]
    if not have:
        raise DataError(f"the movies have none of the inputs {', '.join(config.inputs)}")
    if missing:
        console.print(f"[yellow]the data has no {', '.join(missing)}: training on {', '.join(have)}[/]")
    return have


def train(
    data: str = DataOpt,
    out: Path = typer.Option(..., "--out", help="Model folder to write (replaced atomically if it exists)."),
    inputs: str | None = typer.Option(
        None,
        "--inputs",
        help=f"Comma-separated, from: {', '.join(INPUTS)}. Default: {', '.join(DEFAULTS.inputs)}, "
        "minus those the data does not have.",
    ),
    fusion: FusionName = typer.Option(DEFAULTS.fusion, "--fusion", help=help_of(ClassifierConfig, "fusion")),
    split: Path | None = typer.Option(
        None,
        "--split",
        help="Split file (moviegenre data split); default: a stratified 70/15/15 split made with --seed.",
    ),
    seed: int = typer.Option(DEFAULTS.seed, "--seed", help=help_of(ClassifierConfig, "seed")),
    epochs: int = typer.Option(
        DEFAULTS.max_epochs, "--epochs", min=1, help=help_of(ClassifierConfig, "max_epochs")
    ),
    class_weighted: bool = typer.Option(
        DEFAULTS.class_weighted,
        "--class-weighted/--no-class-weighted",
        # the default in words: click would show "[default: no-class-weighted]"
        help=help_of(ClassifierConfig, "class_weighted")
        + f" Default: {'on' if DEFAULTS.class_weighted else 'off'}.",
        show_default=False,
    ),
    text_model: TextModel = typer.Option(
        DEFAULTS.encoders.text_model, "--text-model", help=help_of(EncoderConfig, "text_model")
    ),
    refit: bool = typer.Option(
        True,
        "--refit/--no-refit",
        help="After measuring on test, fit again on train+test (val still tunes) and save that model: it "
        "has seen more movies. The reported test metrics are those of the train-only model.",
    ),
    format: str | None = FormatOpt,
    posters: Path | None = PostersOpt,
    keywords: KeywordsOpt = None,
    credits: CreditsOpt = None,
    json_out: bool = JsonOpt,
) -> None:
    """Train on the train part, tune on val, report held-out test metrics, save the model folder."""
    import time

    chosen = [s.strip() for s in inputs.split(",") if s.strip()] if inputs else DEFAULTS.inputs
    config = DEFAULTS.replace(
        inputs=chosen,
        fusion=fusion,
        seed=seed,
        max_epochs=epochs,
        class_weighted=class_weighted,
        encoders=DEFAULTS.encoders.replace(text_model=text_model),
    )
    check_output_dir(out, replace_only="config.json")  # before the work, not after it
    ds = _read(data, format, posters, keywords, credits)
    uses_posters = "poster" in config.inputs
    warned = poster_warning(report_posters(ds, uses_posters=uses_posters)) is not None
    if inputs is None:
        config = config.replace(inputs=_available_inputs(ds, config))
    parts = Split.load(split) if split else make_split(ds, seed=seed, min_genre_count=config.min_genre_count)
    train_set, val_set, test_set = parts.apply(ds)
    console.print(
        f"{len(ds):,} movies → train {len(train_set):,} / val {len(val_set):,} / test {len(test_set):,}; "
        f"inputs {'+'.join(config.inputs)}, fusion {config.fusion}"
    )

    from ..modeling.classifier import GenreClassifier

    t0 = time.time()
    clf = GenreClassifier(config).fit(train_set, val_set, progress=True)
    seconds = time.time() - t0
    reports = {"validation": clf.val_report_}
    if any(m.genres for m in test_set):
        reports["test"] = clf.evaluate(test_set, bootstrap=200, progress=True)
        _say_unlabelled(reports["test"], "test")
    poster_report = report_posters(ds, poster_failures(clf), uses_posters=uses_posters, quiet=warned)
    extra = {
        "test": reports.get("test"),
        "split": {
            "file": str(split) if split else None,
            "seed": parts.seed,
            "sizes": {"train": len(train_set), "val": len(val_set), "test": len(test_set)},
        },
        "fit_seconds": round(seconds, 1),
        "fitted_on": "train",
    }
    if refit and len(test_set):
        console.print(
            f"refitting on train + test ({len(train_set) + len(test_set):,} movies) for the saved model"
        )
        clf = GenreClassifier(config).fit(
            Dataset(list(train_set) + list(test_set), source=str(data)), val_set, progress=True
        )
        extra["fitted_on"] = "train+test (test metrics above are from the train-only model)"
    clf.save(out, extra_metrics=extra)
    parts.save(out / "split.json")
    if json_out:
        report = _json_report(reports.get("test") or reports["validation"])
        print(json.dumps({**report, "posters": poster_report}, indent=1))
        return
    _table(reports, f"{'+'.join(config.inputs)} · {config.fusion} · fitted in {seconds:.0f} s")
    console.print(f"saved {out}")


def evaluate(
    model: Path = typer.Option(
        ..., "--model", help="Model folder written by moviegenre train, or its bundle (moviegenre export)."
    ),
    data: str = DataOpt,
    split: Path | None = typer.Option(None, "--split", help="Evaluate only one part of this split file."),
    part: str = typer.Option("test", "--part", help="Which part of --split: train | val | test."),
    bootstrap: int = typer.Option(
        0, "--bootstrap", help="Bootstrap resamples for 95% intervals of micro/macro F1."
    ),
    format: str | None = FormatOpt,
    posters: Path | None = PostersOpt,
    keywords: KeywordsOpt = None,
    credits: CreditsOpt = None,
    json_out: bool = JsonOpt,
) -> None:
    """Metrics of a saved model or bundle on labelled movies (for example a JSONL with posters beside it)."""
    from ..pretrained import load_predictor

    clf = load_predictor(model)
    ds = _read(data, format, posters, keywords, credits)
    uses_posters = "poster" in clf.inputs_
    warned = poster_warning(report_posters(ds, uses_posters=uses_posters)) is not None
    issues = ds.issues
    if split:
        if part not in PARTS:
            raise DataError(f"--part must be one of {', '.join(PARTS)}")
        ds = dict(zip(PARTS, Split.load(split).apply(ds), strict=True))[part]
    labelled = [m for m in ds if m.genres]
    if not labelled:
        raise DataError(f"{data}: no movie has genre labels to evaluate against")
    report = clf.evaluate(ds, bootstrap=bootstrap, progress=not json_out)
    _say_unlabelled(report)
    used = Dataset(labelled, str(data), issues=issues if not split else Counter())
    poster_report = report_posters(used, poster_failures(clf), uses_posters=uses_posters, quiet=warned)
    if json_out:
        print(json.dumps({**_json_report(report), "posters": poster_report}, indent=1))
        return
    boot = f"; [95% CI] from {bootstrap} bootstrap resamples" if bootstrap else ""
    _table({"evaluation": report}, f"{model} on {data} ({report['n_movies']:,} movies{boot})")
    if report.get("unknown_genres"):
        console.print(
            f"[yellow]labels the model has no column for (not scored)[/]: {report['unknown_genres']}"
        )


def register(app: typer.Typer) -> None:
    """Add ``train`` and ``evaluate`` to the main app."""
    app.command("train")(train)
    app.command("evaluate")(evaluate)
