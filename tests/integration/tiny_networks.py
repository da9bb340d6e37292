"""Stand-in pretrained networks: tiny ONNX graphs with MiniLM's and EfficientNet-Lite's interfaces,
written where the feature cache keeps its exports, so a model with text and poster networks trains,
exports and predicts in seconds, without torch exporting the real ones.

Text: token ids → a random 16-wide embedding table → masked mean → a fixed [16, 384] projection →
L2 norm (``[B, 384]``), tokenised by MiniLM's real ``tokenizer.json``. Image: pixels
``[B, 3, H, W]`` → global average pool → ``[3, 1280]`` projection → tanh.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def _save(graph, path: Path) -> None:
    import onnx
    from onnx import helper

    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))


def text_graph(path: Path, vocab: int = 30522, width: int = 16, seed: int = 0) -> Path:
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    table = numpy_helper.from_array(rng.normal(size=(vocab, width)).astype(np.float32), "table")
    proj = numpy_helper.from_array(rng.normal(size=(width, 384)).astype(np.float32), "proj")
    axis = numpy_helper.from_array(np.array([1], np.int64), "axis1")
    nodes = [
        helper.make_node("Gather", ["table", "input_ids"], ["emb"]),  # [B, T, w]
        helper.make_node("Cast", ["attention_mask"], ["m"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["m", "axis_last"], ["m3"]),
        helper.make_node("Mul", ["emb", "m3"], ["masked"]),
        helper.make_node("ReduceSum", ["masked", "axis1"], ["summed"], keepdims=0),  # [B, w]
        helper.make_node("ReduceSum", ["m3", "axis1"], ["count"], keepdims=0),  # [B, 1]
        helper.make_node("Max", ["count", "one"], ["count1"]),
        helper.make_node("Div", ["summed", "count1"], ["mean"]),
        helper.make_node("MatMul", ["mean", "proj"], ["h"]),
        helper.make_node("LpNormalization", ["h"], ["embedding"], axis=-1, p=2),
    ]
    inits = [
        table,
        proj,
        axis,
        numpy_helper.from_array(np.array([-1], np.int64), "axis_last"),
        numpy_helper.from_array(np.array(1.0, np.float32), "one"),
    ]
    ins = [
        helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "tokens"])
        for n in ("input_ids", "attention_mask", "token_type_ids")
    ]
    out = helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", 384])
    _save(helper.make_graph(nodes, "tiny-text", ins, [out], inits), path)
    return path


def image_graph(path: Path, seed: int = 1) -> Path:
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    nodes = [
        helper.make_node("GlobalAveragePool", ["pixels"], ["pooled"]),
        helper.make_node("Flatten", ["pooled"], ["flat"]),
        helper.make_node("MatMul", ["flat", "proj"], ["h"]),
        helper.make_node("Tanh", ["h"], ["features"]),
    ]
    proj = numpy_helper.from_array(rng.normal(size=(3, 1280)).astype(np.float32), "proj")
    ins = [helper.make_tensor_value_info("pixels", TensorProto.FLOAT, ["batch", 3, "h", "w"])]
    out = helper.make_tensor_value_info("features", TensorProto.FLOAT, ["batch", 1280])
    _save(helper.make_graph(nodes, "tiny-image", ins, [out], [proj]), path)
    return path


def text_name() -> str:
    """The file name of MiniLM's export in a cache's ``onnx/`` folder."""
    from moviegenre.encoders.networks.export import EXPORT_VERSION

    return f"minilm-l6-v2-pooled.v{EXPORT_VERSION}.onnx"


def install(cache_dir: Path, poster_size: tuple[int, int]) -> Path:
    """Write both stand-ins where ``cache_dir``'s exports live (for ``poster_size`` = (H, W))."""
    from moviegenre.encoders.networks.export import EXPORT_VERSION

    onnx_dir = Path(cache_dir) / "onnx"
    text_graph(onnx_dir / text_name())
    h, w = poster_size
    image_graph(onnx_dir / f"lite0-{h}x{w}-pooled.v{EXPORT_VERSION}.onnx")
    return Path(cache_dir)
