"""int8 dynamic quantization of a network's ONNX graph (onnxruntime.quantization; needs ``onnx``).

Weights are stored as int8 and activations quantized on the fly: MiniLM shrinks ~4x and runs faster
on a CPU; the scores move a little, which ``moviegenre export --quantize int8`` measures and prints.
The GenreNet graph is never quantized (it is small, and its logits are the scores).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

from ..errors import ModelError

# Conv layers (EfficientNet) stay in float: measured on 64 real posters, dynamic ConvInteger ran 2.3x
# slower than float convolution and moved the pooled features to cosine 0.85 (mean) of the float ones.
# A graph with none of these ops (EfficientNet-Lite's) is copied as is.
OPS = {"int8": ["MatMul", "Gemm", "Attention", "Gather"]}


def quantize_graph(src: Path, dest: Path, mode: str = "int8") -> Path:
    try:
        from onnxruntime.quantization import QuantType, quantize_dynamic
        from onnxruntime.quantization.shape_inference import quant_pre_process
    except ImportError as e:
        raise ModelError(
            f"--quantize needs onnx and onnxruntime's quantization tools ({e.name} missing)"
        ) from None
    if mode not in OPS:
        raise ModelError(f"unknown quantization {mode!r}; choose from {', '.join(OPS)}")
    import onnx

    graph = onnx.load(str(src), load_external_data=False).graph
    if not any(node.op_type in OPS[mode] for node in graph.node):
        shutil.copyfile(src, dest)
        return dest
    logging.disable(logging.INFO)  # the quantizer logs every tensor on the root logger
    try:
        with tempfile.TemporaryDirectory() as tmp:
            pre = Path(tmp) / "pre.onnx"
            quant_pre_process(str(src), str(pre), skip_symbolic_shape=True)  # constant folding, shapes
            quantize_dynamic(str(pre), str(dest), weight_type=QuantType.QInt8, op_types_to_quantize=OPS[mode])
    finally:
        logging.disable(logging.NOTSET)
    return dest
