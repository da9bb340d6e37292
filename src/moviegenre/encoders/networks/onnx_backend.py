"""onnxruntime backend: the same networks as ``torch_nets``, run from exported graphs without torch.

Features match the torch path to cosine ≥ 0.999 (tested).

- ``OnnxText(graph, tokenizer, spec).embed(texts) -> float32 [n, D]``: the text network (MiniLM 384,
  MPNet 768) + mean pooling + L2 norm inside the graph; tokenised with the model's own ``tokenizer.json`` (``tokenizers``), texts sorted
  by length so a batch pads little.
- ``OnnxImage(graph).features(uint8 [B, H, W, 3]) -> float32 [B, 1280]``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .pixels import normalise


def session(path: Path, threads: int | None = None):
    """An onnxruntime CPU session of the graph at ``path``; ``threads`` inside it (default:
    ``$MOVIEGENRE_THREADS`` or all cores)."""
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.intra_op_num_threads = threads or int(os.environ.get("MOVIEGENRE_THREADS", 0)) or (os.cpu_count() or 1)
    so.log_severity_level = 3
    # idle worker threads sleep instead of spinning: on a shared 2-core machine spinning burns the
    # CPU the decode threads (and other processes) need; measured ~15% faster end to end under load
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


class OnnxText:
    def __init__(self, graph: Path, tokenizer: Path, spec=None):
        from tokenizers import Tokenizer

        from .specs import text_network

        self.spec = spec or text_network("minilm")
        self.session = session(graph)
        self.inputs = {i.name for i in self.session.get_inputs()}  # MPNet takes no token_type_ids
        self.tokenizer = Tokenizer.from_file(str(tokenizer))
        # the model's max_seq_length in sentence-transformers; pad to the batch's longest text
        self.tokenizer.enable_truncation(max_length=self.spec.max_tokens)
        self.tokenizer.enable_padding(pad_id=self.spec.pad_id, pad_token=self.spec.pad_token)

    def embed(self, texts: list[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.spec.dim), dtype=np.float32)
        order = np.argsort([len(t) for t in texts], kind="stable")
        bar = None
        if progress and len(texts) > batch_size:
            from ...progress import progress_bar

            bar = progress_bar(total=len(texts), desc=self.spec.id, unit="text", leave=False)
        for s in range(0, len(texts), batch_size):
            idx = order[s : s + batch_size]
            enc = self.tokenizer.encode_batch([texts[i] for i in idx])
            feed = {
                "input_ids": np.array([e.ids for e in enc], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in enc], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in enc], dtype=np.int64),
            }
            out[idx] = self.session.run(None, {k: v for k, v in feed.items() if k in self.inputs})[0]
            if bar is not None:
                bar.update(len(idx))
        if bar is not None:
            bar.close()
        return out


class OnnxImage:
    def __init__(self, graph: Path):
        self.session = session(graph)

    def features(self, batch: np.ndarray) -> np.ndarray:
        return self.session.run(None, {"pixels": normalise(batch)})[0].astype(np.float32)
