"""``export_bundle``: a model folder → a bundle (``bundle.py``), in a full install (torch makes graphs).

Steps: load the ``GenreClassifier``; copy (or ``quantize="int8"``: quantize) the ONNX graph of each
pretrained network its encoders run, plus the files they need (tokenizer); trace the whole GenreNet
(input norms + fusion, any fusion mode) to ``genrenet.onnx``; write the JSON documents and
``bundle.json`` with every file's sha256; load the result as a ``BundlePredictor`` and compare it
with the model on probe movies (``compare.py``). A full-precision bundle that disagrees by more than
``FP32_TOLERANCE`` is refused. Everything is written to a temporary sibling and swapped in at the end.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import warnings
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from ..errors import ModelError
from ..files import umask, write_json
from .bundle import BUNDLE_FILE, BUNDLE_VERSION, FORMAT, is_bundle, read_json, sha256_of
from .genrenet import input_names

log = logging.getLogger(__name__)
FP32_TOLERANCE = 1e-3  # largest score difference a full-precision bundle may show against its model
QUANTIZE = ("int8",)


def check_out(out: str | Path) -> Path:
    """``--out`` may be a new path, an empty folder or an earlier bundle: nothing else is replaced."""
    out = Path(out)
    if out.exists():
        if not out.is_dir():
            raise ModelError(f"{out} exists and is not a folder")
        if any(out.iterdir()) and not is_bundle(out):
            raise ModelError(
                f"{out} exists and is not a bundle; refusing to replace it (choose another --out)"
            )
    return out


def export_genrenet(net, path: Path) -> Path:
    """Trace a ``GenreNet`` (eval mode) to ONNX: ``x0..x{V-1} [B, D_v]``, ``mask [B, V]`` → ``logits``
    (+ ``weights`` when the fusion gives them)."""
    import torch

    net.eval()
    xs = [torch.zeros(2, d) for d in net.dims]
    mask = torch.ones(2, len(net.dims), dtype=torch.bool)
    with torch.no_grad():
        has_weights = net(xs, mask)[1] is not None

    class Flat(torch.nn.Module):
        def __init__(self, net):
            super().__init__()
            self.net = net

        def forward(self, *args):
            logits, weights = self.net(list(args[:-1]), args[-1])
            return (logits, weights) if has_weights else logits

    outputs = ["logits", "weights"] if has_weights else ["logits"]
    names = input_names(len(net.dims))
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Flat(net).eval(),
            (*xs, mask),
            str(path),
            dynamo=False,
            input_names=names,
            output_names=outputs,
            dynamic_axes={n: {0: "batch"} for n in names + outputs},
            opset_version=17,
        )
    return path


def _network_name(network: str, role: str, src: Path) -> str:
    return f"networks/{network}.onnx" if role == "graph" else f"networks/{network}.{role}{src.suffix}"


def _copy_networks(clf, folder: Path, quantize: str | None) -> tuple[dict, dict]:
    """Each network's files into ``folder/networks`` → (``{network: {role: name}}``, ``{view: network}``)."""
    from .quantize import quantize_graph

    networks: dict[str, dict[str, str]] = {}
    used: dict[str, str] = {}
    for view, enc in clf.encoders_.items():
        used[view] = enc.network
        if not enc.network or enc.network in networks:
            continue
        roles = {}
        for role, src in enc.network_files().items():
            name = _network_name(enc.network, role, Path(src))
            dest = folder / name
            dest.parent.mkdir(exist_ok=True)
            if role == "graph" and quantize:
                log.info("quantizing %s (%s)", enc.network, quantize)
                quantize_graph(Path(src), dest, quantize)
            else:
                shutil.copyfile(src, dest)
            roles[role] = name
        networks[enc.network] = roles
    return networks, used


def write_bundle(clf, folder: Path, *, model_name: str, quantize: str | None = None, model_dir=None) -> Path:
    """Write the bundle of the fitted ``clf`` into the (empty, existing) ``folder``."""
    from ..modeling.folder import library_versions

    networks, used = _copy_networks(clf, folder, quantize)
    export_genrenet(clf.net_, folder / "genrenet.onnx")
    write_json(folder / "config.json", {"config": clf.config.to_dict()})
    write_json(
        folder / "labels.json",
        {
            "genres": clf.genres_,
            "thresholds": {g: float(t) for g, t in zip(clf.genres_, clf.thresholds_, strict=True)},
            "vocabulary": clf.vocabulary_.to_dict(),
        },
    )
    write_json(folder / "vocab.json", {v: e.get_state() for v, e in clf.encoders_.items()})
    metrics = (
        read_json(Path(model_dir) / "metrics.json")
        if model_dir and (Path(model_dir) / "metrics.json").is_file()
        else {}
    )
    write_json(folder / "metrics.json", metrics or {"validation": getattr(clf, "val_report_", None)})
    files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    spec = {
        "format": FORMAT,
        "bundle_version": BUNDLE_VERSION,
        "model": model_name,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "quantize": quantize,
        "versions": library_versions(("moviegenre", "onnxruntime", "tokenizers", "numpy", "torch", "onnx")),
        "inputs": list(clf.inputs_),
        "views": list(clf.views_),
        "encoders": {
            v: {"name": e.name, "version": str(e.version), "dim": int(e.dim), "network": used[v]}
            for v, e in clf.encoders_.items()
        },
        "networks": networks,
        "genrenet": {"file": "genrenet.onnx", "fusion": clf.config.fusion},
        "files": {f: {"bytes": (folder / f).stat().st_size, "sha256": sha256_of(folder / f)} for f in files},
    }
    write_json(folder / BUNDLE_FILE, spec)
    return folder


def _swap_in(tmp: Path, out: Path) -> None:
    """``tmp`` becomes ``out``; an earlier bundle at ``out`` is replaced only once the new one is whole."""
    mask = umask()
    for p in [tmp, *tmp.rglob("*")]:
        p.chmod((0o777 if p.is_dir() else 0o666) & ~mask)  # mkdtemp's folder is private; a bundle is shared
    old = None
    if out.exists():
        check_out(out)
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(out, old)
    os.replace(tmp, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def export_bundle(
    model: str | Path | None,
    out: str | Path,
    *,
    quantize: str | None = None,
    movies=None,
    cache_dir: str | Path | None = None,
) -> tuple[Path, dict]:
    """Export ``model`` (folder or shipped name; None: the shipped model) to the bundle ``out``.

    Returns ``(out, comparison)``: how the bundle's scores differ from the model's on ``movies``
    (default: ``compare.probe_movies()``), see ``compare.compare``.
    """
    from ..modeling.classifier import GenreClassifier
    from ..pretrained import resolve_model_dir
    from .compare import compare, probe_movies
    from .predictor import BundlePredictor

    if quantize is not None and quantize not in QUANTIZE:
        raise ModelError(f"unknown --quantize {quantize!r}; choose from {', '.join(QUANTIZE)}")
    out = check_out(out)
    model_dir = resolve_model_dir(model)
    clf = GenreClassifier.load(model_dir, cache_dir=cache_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp"))
    try:
        write_bundle(clf, tmp, model_name=model_dir.name, quantize=quantize, model_dir=model_dir)
        bundle = BundlePredictor.load(tmp, cache_dir=cache_dir)
        report = compare(clf, bundle, list(movies) if movies is not None else probe_movies())
        if quantize is None and report["max_abs_diff"] > FP32_TOLERANCE:
            raise ModelError(
                f"the exported bundle's scores differ from the model's by {report['max_abs_diff']:.2g} "
                f"(> {FP32_TOLERANCE:g}); not writing {out}"
            )
        _swap_in(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out, report


def bundle_size(folder: Path) -> int:
    return int(np.sum([p.stat().st_size for p in Path(folder).rglob("*") if p.is_file()]))
