"""``moviegenre experiment``: the study's ablation in one command (see ``moviegenre.experiment``)."""

from __future__ import annotations

from pathlib import Path

import typer

from .common import CreditsOpt, KeywordsOpt, console, setup_logging

OutOpt = typer.Option(Path("runs/experiment"), "--out", help="Folder for split, rows and results.")


def register(app: typer.Typer) -> None:
    """Add ``experiment`` to the main app."""

    @app.command()
    def experiment(
        data: str = typer.Option(
            "default", "--data", help="JSONL file/folder, a Kaggle/TMDB csv, or 'default'."
        ),
        out: Path = OutOpt,
        keywords: KeywordsOpt = None,
        credits: CreditsOpt = None,
        seed: int = typer.Option(0, help="Split and training seed."),
        bootstrap: int = typer.Option(200, help="Bootstrap resamples for the F1 intervals (0: none)."),
        kinds: str = typer.Option("ours,replica,baseline", help="Row kinds to run, comma-separated."),
        no_plots: bool = typer.Option(False, "--no-plots", help="Skip the PNG plots."),
        workers: int = typer.Option(
            2,
            min=1,
            max=2,
            help="2: the study replica's rows run in a second process beside ours; 1: one process.",
        ),
        verbose: bool = typer.Option(False, "--verbose", "-v", help="Log every fit (INFO lines)."),
    ) -> None:
        """Run the full table: 7 study input sets x {concat, sum, gated, late}, each input alone, all
        signals, all signals minus each input, missing-input robustness, calibration, the study
        replica, the baselines. Resumable: finished rows in OUT/rows are kept on rerun."""
        import os

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        setup_logging(verbose)
        from ..errors import MovieGenreError
        from ..experiment import run_experiment
        from ..files import check_output_dir

        check_output_dir(out)  # before the work: a file named like the folder, a read-only place
        chosen = tuple(k.strip() for k in kinds.split(",") if k.strip())
        bad = [k for k in chosen if k not in ("ours", "replica", "baseline")]
        if bad or not chosen:
            raise MovieGenreError(f"--kinds: unknown {bad or kinds!r}; choose from ours, replica, baseline")
        from ..data import read_movies

        dataset = read_movies(data, keywords=keywords, credits=credits) if keywords or credits else data
        summary = run_experiment(
            dataset, out, seed=seed, bootstrap=bootstrap, kinds=chosen, plots=not no_plots, workers=workers
        )
        _print_summary(summary, out)


def _print_summary(summary: dict, out: Path) -> None:
    """What the run made, on stderr: rows, the one skip line, the best row, the all-signals row, the
    input that matters most, calibration, the acceptance verdict; the data note before and after
    when the data lacks overviews or posters (the embedded default)."""
    from ..experiment.report import data_note
    from ..experiment.rows import skip_summary

    note = data_note(summary)
    if note:
        console.print(f"[bold yellow]note:[/] {note[0]}", highlight=False, soft_wrap=True)
    checks = summary["acceptance"]
    console.print(
        f"[bold]{len(summary['rows'])} rows[/] ({summary['resumed_rows']} resumed, "
        f"{len(summary['skipped_rows'])} skipped) in {summary['run_seconds']:.0f} s → "
        f"{out / 'results.md'}",
        soft_wrap=True,
    )
    line = skip_summary(summary["skipped_rows"])
    if line:
        console.print(line, highlight=False, soft_wrap=True)
    best = max(
        (r for r in summary["rows"] if r["kind"] == "ours"),
        default=None,
        key=lambda r: r["metrics"]["micro_f1"],
    )
    if best:
        m = best["metrics"]
        console.print(
            f"best: {best['id']}  micro-F1 {m['micro_f1']:.3f}  macro-F1 {m['macro_f1']:.3f}  "
            f"mAP {m['map'] or 0:.3f}",
            soft_wrap=True,
        )
    cal, loo = summary.get("calibration"), summary.get("leave_one_out")
    full = next((r for r in summary["rows"] if cal and r["id"] == cal["id"]), None)
    if full:
        m = full["metrics"]
        console.print(
            f"all signals ({summary['default_fusion']}): micro-F1 {m['micro_f1']:.3f}  "
            f"macro-F1 {m['macro_f1']:.3f}  ECE {cal['ece']:.3f}",
            soft_wrap=True,
        )
    if loo and loo[0]["delta_micro_f1"] is not None:
        console.print(
            f"matters most: {loo[0]['left_out']} (micro-F1 {loo[0]['delta_micro_f1']:+.3f} without it)",
            soft_wrap=True,
        )
    verdict = "all pass" if checks["all_pass"] else "[red]some fail[/] (see results.md)"
    console.print(f"acceptance checks: {verdict}")
    if note:
        console.print(f"[bold yellow]note:[/] {note[1]}", highlight=False, soft_wrap=True)
