"""``run_experiment``: the study's ablation redone on one split, every row, resumable.

One split (``DIR/split.json``: the data area's ``make_split``, seed 0; reused on rerun) and the
rows of ``moviegenre.experiment.rows`` (ours x fusions, single inputs, the study replica, the
baselines). Each finished row is written atomically to ``DIR/rows/<id>.json`` and skipped on
rerun, so an interrupted run resumes where it stopped; ``moviegenre.experiment.report`` then writes
``results.md``/``.csv``/``.json`` and the plots from all rows.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from ..config import DEFAULTS
from ..data import read_movies
from ..data.split import Split, make_split
from ..errors import MovieGenreError
from ..files import atomic_path, write_json
from ..progress import progress_bar
from ..records import Dataset
from .report import write_report
from .rows import Row, Runner, all_signals, input_counts, plan_rows

log = logging.getLogger("moviegenre.experiment")


def load_or_make_split(dataset: Dataset, out: Path, seed: int = 0):
    """``out/split.json`` when it exists (checked against the data), else a new one, saved."""
    path = out / "split.json"
    if path.exists():
        split = Split.load(path)
        log.info("reusing split %s", path)
    else:
        split = make_split(dataset, seed=seed)
        split.save(path)
    return split, split.apply(dataset)


def split_id(split) -> str:
    """A short fingerprint of the split's parts: rows computed on another split are not reused."""
    text = json.dumps([sorted(split.train), sorted(split.val), sorted(split.test)])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _load_row(path: Path, sid: str) -> dict | None:
    try:
        row = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        log.warning("%s is unreadable; the row is run again", path)
        return None
    return row if row.get("split_id") == sid else None


def _cpu_seconds() -> float:
    """User + system CPU time of this process (all threads) and its finished children, in seconds."""
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + kids.ru_utime + kids.ru_stime


def _save_labels(path: Path, y, genres) -> None:
    with atomic_path(path, suffix=".npz") as tmp:
        np.savez_compressed(tmp, y=y, genres=np.array(genres))


def _run_rows(runner: Runner, rows: list[Row], out: Path, sid: str, skipped: list, bar=None) -> dict:
    """Run ``rows`` in order; each result is saved to ``out/rows/<id>.json`` as soon as it is done
    (resume). Returns id → result; rows that cannot run (``MovieGenreError``) join ``skipped``."""
    done = {}
    for row in rows:
        if bar is not None:
            bar.set_postfix_str(row.id)
        try:
            result = runner.run(row)
        except MovieGenreError as e:  # e.g. no usable poster in training: a listed skip, not a crash
            log.warning("row %s skipped: %s", row.id, e)
            skipped.append(
                {
                    "id": row.id,
                    "kind": row.kind,
                    "inputs": list(row.inputs),
                    "fusion": row.fusion,
                    "reason": str(e),
                }
            )
        else:
            result["split_id"] = sid
            write_json(out / "rows" / f"{row.id}.json", result)
            done[row.id] = result
        if bar is not None:
            bar.update(1)
    return done


def _run_rows_apart(dataset, parts, out: Path, runner_args: dict, rows: list[Row], sid: str):
    """``_run_rows`` in a worker process (its own ``Runner``, no progress bars): (results, skipped)."""
    skipped: list = []
    done = _run_rows(Runner(dataset, parts, out, progress=False, **runner_args), rows, out, sid, skipped)
    return done, skipped


def run_experiment(
    data: str | Path | Dataset,
    out: str | Path,
    *,
    seed: int = 0,
    bootstrap: int = 200,
    kinds: tuple[str, ...] = ("ours", "replica", "baseline"),
    replica_config=None,
    classifier_overrides: dict | None = None,
    progress: bool = True,
    plots: bool = True,
    cache_dir: str | Path | None = None,
    workers: int = 2,
) -> dict:
    """Run (or resume) every row on ``data`` and write the report into ``out``; returns the summary.

    ``kinds`` limits the row kinds; ``classifier_overrides`` are ``ClassifierConfig`` fields applied to
    every ``ours`` row (e.g. ``{"max_epochs": 5}`` for a quick look). ``workers`` 2 (the default) runs
    the replica's rows in a second process beside ours (each single-threaded); 1 runs all in this one.
    """
    t0, cpu0, load0 = time.perf_counter(), _cpu_seconds(), os.getloadavg()[0]
    if isinstance(data, Dataset):
        dataset = data
    else:
        dataset = read_movies(data)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    split, parts = load_or_make_split(dataset, out, seed)
    sid = split_id(split)
    default_fusion = (classifier_overrides or {}).get("fusion", DEFAULTS.fusion)
    planned, skipped = plan_rows(parts[0], default_fusion)
    planned = [r for r in planned if r.kind in kinds]
    runner_args = {
        "bootstrap": bootstrap,
        "seed": seed,
        "replica_config": replica_config,
        "classifier_overrides": classifier_overrides,
        "cache_dir": cache_dir,
        "default_fusion": default_fusion,
    }
    runner = Runner(dataset, parts, out, progress=progress, **runner_args)
    _save_labels(out / "predictions" / "labels.npz", runner.y["test"], runner.genres)
    done: dict[str, dict] = {}
    for row in planned:
        path = out / "rows" / f"{row.id}.json"
        if path.exists() and (row_result := _load_row(path, sid)) is not None:
            done[row.id] = row_result
    resumed = len(done)
    todo = [r for r in planned if r.id not in done]
    # the replica's rows (its own networks, a third of the run) go to a second process when
    # ``workers`` allows: ours and the replica's then share the machine's cores instead of queueing
    side = [r for r in todo if r.kind == "replica"] if workers > 1 else []
    bar = progress_bar(
        total=len(planned), desc="experiment", unit="row", enabled=progress, dynamic_ncols=True
    )
    bar.update(resumed)
    with contextlib.ExitStack() as stack:
        future = None
        if side:
            pool = stack.enter_context(ProcessPoolExecutor(1, mp_context=get_context("spawn")))
            future = pool.submit(_run_rows_apart, dataset, parts, out, runner_args, side, sid)
        own = [r for r in todo if r not in side]
        done.update(_run_rows(runner, own, out, sid, skipped, bar))
        if future is not None:
            side_done, side_skipped = future.result()
            done.update(side_done)
            skipped.extend(side_skipped)
            bar.update(len(side))
    bar.close()
    results = [done[r.id] for r in planned if r.id in done]
    summary = {
        "data": str(getattr(dataset, "source", "") or data),
        "n_movies": len(dataset),
        "dataset_skipped": dict(dataset.skipped),
        "split": {
            "file": "split.json",
            "id": sid,
            "seed": split.seed,
            "sizes": {p: len(x) for p, x in zip(("train", "val", "test"), parts, strict=True)},
        },
        "genres": runner.genres,
        "default_fusion": default_fusion,
        # what the movies hold (input → movies having it) and the "all signals" row's inputs
        "input_counts": input_counts(dataset),
        "all_signals": list(all_signals(parts[0])),
        "bootstrap": bootstrap,
        "run_seconds": round(time.perf_counter() - t0, 1),
        # the machine may be shared: CPU time of this process (threads included) and the 1-min load
        "cpu_seconds": round(_cpu_seconds() - cpu0, 1),
        "load_average": [round(load0, 2), round(os.getloadavg()[0], 2)],
        "rows_seconds": round(sum(r.get("seconds", 0) for r in results), 1),
        "resumed_rows": resumed,
        "rows": results,
        "skipped_rows": skipped,
    }
    write_report(summary, out, plots=plots)
    return summary
