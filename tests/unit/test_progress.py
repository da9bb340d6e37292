"""Progress in a log: plain lines (no carriage returns, no cursor moves), and an ending that says how it
ended; early-stopped training says so; the CLI's logging keeps other libraries' INFO lines out."""

from __future__ import annotations

import io
import logging

from moviegenre.progress import LogProgress, progress_bar


class Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


def _bar(**kw):
    out, clock = io.StringIO(), Clock()
    return LogProgress(stream=out, clock=clock, every=30, **kw), out, clock


def test_log_bar_prints_a_line_every_interval_and_one_at_the_end():
    bar, out, clock = _bar(total=100, desc="embedding", unit="movie")
    for _ in range(100):
        clock.t += 1  # 100 s in all
        bar.update()
        bar.set_postfix_str("overview")
    bar.close()
    bar.close()  # once only
    lines = out.getvalue().splitlines()
    assert lines == [
        "embedding: 30/100 movies after 30 s, overview",
        "embedding: 60/100 movies after 1:00, overview",
        "embedding: 90/100 movies after 1:30, overview",
        "embedding: 100/100 movies in 1:40; overview",
    ]
    assert "\r" not in out.getvalue() and "\x1b" not in out.getvalue()


def test_log_bar_closed_before_its_total_says_where_it_stopped():
    bar, out, clock = _bar(total=40, desc="train gated", unit="epoch")
    for _ in range(7):
        bar.update()
    clock.t = 12
    bar.close()
    assert out.getvalue() == "train gated: stopped at 7/40 epochs after 12 s\n"


def test_finish_tells_why_and_close_adds_nothing():
    bar, out, _ = _bar(total=40, desc="train gated", unit="epoch")
    bar.update(7)
    bar.finish("stopped early at epoch 7/40: validation micro-F1 did not improve for 3 epochs")
    bar.close()
    assert out.getvalue() == (
        "train gated: stopped early at epoch 7/40: validation micro-F1 did not improve for 3 epochs (0 s)\n"
    )


def test_log_bar_iterates_and_a_disabled_bar_is_silent():
    bar, out, _ = _bar(desc="folds", unit="fold")
    assert list(bar.__class__(range(3), stream=out, desc="folds", unit="fold")) == [0, 1, 2]
    assert out.getvalue() == "folds: 3/3 folds in 0 s\n"
    silent = io.StringIO()
    quiet = LogProgress(range(3), stream=silent, enabled=False)
    assert list(quiet) == [0, 1, 2] and silent.getvalue() == ""


def test_progress_bar_outside_a_terminal_is_a_log_bar(capsys):
    bar = progress_bar(total=2, desc="checking posters", unit="poster", leave=False)  # stderr is captured
    assert isinstance(bar, LogProgress)
    bar.update(2)
    bar.close()
    assert capsys.readouterr().err == "checking posters: 2/2 posters in 0 s\n"


def test_early_stopped_joint_training_says_so(tmp_path, monkeypatch, capsys):
    from conftest import make_movies

    from moviegenre import GenreClassifier
    from moviegenre.config import EncoderConfig

    monkeypatch.setenv("MOVIEGENRE_CACHE", str(tmp_path / "cache"))
    movies = make_movies(tmp_path, n=60, posters=False)
    clf = GenreClassifier(
        inputs=["overview", "title"],
        fusion="concat",
        encoders=EncoderConfig(text_model="tfidf"),
        max_epochs=200,
        patience=2,
        lr=0.01,
    )
    clf.fit(movies[:40], movies[40:], progress=True)
    err = capsys.readouterr().err
    assert (
        "train concat: stopped early at epoch " in err
        and "/200: validation micro-F1 did not improve for 2" in err
    )
    assert "\r" not in err and "\x1b" not in err


def test_cli_logging_keeps_library_info_lines_out(monkeypatch):
    from moviegenre.cli.common import setup_logging

    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])
    monkeypatch.setattr(root, "level", logging.WARNING)
    setup_logging()
    assert not logging.getLogger("matplotlib.font_manager").isEnabledFor(logging.INFO)
    assert logging.getLogger("moviegenre.modeling.classifier").isEnabledFor(logging.INFO)
    logging.getLogger("moviegenre").setLevel(logging.NOTSET)


def test_tables_keep_one_line_a_row_in_a_log(capsys):
    """Rich assumes 80 columns outside a terminal; the CLI's consoles do not (metric tables, data info)."""
    from rich.table import Table

    from moviegenre.cli.common import make_console

    table = Table(
        "metric", "evaluation", title="models/mine on ../shared/data/movies (738 movies; [95% CI] ...)"
    )
    table.add_row("micro_f1", "0.7026 [0.6907, 0.7193]")
    table.add_row("a_rather_long_metric_name_" * 3, "0.5 " * 12)
    make_console().print(table)
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if "micro_f1" in line or "a_rather" in line]
    assert len(rows) == 2 and max(len(line) for line in out.splitlines()) > 80
