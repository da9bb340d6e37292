"""Poster pixels as the EfficientNet-Lite networks expect them (both backends)."""

from __future__ import annotations

import numpy as np


def normalise(batch: np.ndarray) -> np.ndarray:
    """uint8 [B, H, W, 3] → float32 [B, 3, H, W] as (x − 127) / 128 (the Lite models' convention)."""
    x = batch.astype(np.float32).transpose(0, 3, 1, 2)
    return np.ascontiguousarray((x - 127.0) / 128.0)
