"""Posters through EfficientNet-Lite (ImageNet weights): pooled features float32 [N, 1280].

Reading, decoding and resizing run in a small thread pool, a couple of batches ahead of the
network (PIL releases the GIL while decoding and resampling), so the CPU never waits on JPEG work.
Images that are missing, corrupt, truncated, not images or absurdly large get ``present=False``
and are counted in ``skipped`` by reason; odd modes (CMYK, grayscale, palette, alpha, 16-bit)
are converted to RGB by ``moviegenre.data.images.open_image`` and used.
"""

from __future__ import annotations

import io
import logging
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..data.images import ImageError, open_image, read_image_bytes
from ..records import Movie
from .base import Encoder
from .networks import image_files, image_model

log = logging.getLogger(__name__)
LITE_DIM = 1280


def source_mode(data: bytes) -> str | None:
    """The stored mode ("RGB", "CMYK", "P", ...) from the header alone, or None if unreadable."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as img:
            return img.mode
    except Exception:  # open_image gives the real, countable reason
        return None


def load_pixels(data: bytes, size: tuple[int, int]) -> np.ndarray:
    """Image bytes → uint8 [H, W, 3] RGB resized to ``size`` = (H, W)."""
    from PIL import Image

    img = open_image(data)
    h, w = size
    if img.size != (w, h):
        img = img.resize((w, h), Image.BILINEAR)
    return np.asarray(img, dtype=np.uint8)


def _prep_batch(batch: list[bytes], size: tuple[int, int]):
    """→ (uint8 [b, H, W, 3] of the good images, ok bool [b], {row: reason}, Counter of converted modes)."""
    pixels, ok, reasons, modes = [], np.zeros(len(batch), dtype=bool), {}, Counter()
    for j, data in enumerate(batch):
        try:
            pixels.append(load_pixels(data, size))
            ok[j] = True
        except ImageError as e:
            reasons[j] = e.reason
            continue
        mode = source_mode(data)
        if mode and mode != "RGB":
            modes[mode] += 1
    arr = np.stack(pixels) if pixels else np.zeros((0, *size, 3), np.uint8)
    return arr, ok, reasons, modes


class PosterEncoder(Encoder):
    """EfficientNet-Lite0 (or Lite2) pooled features of the poster image."""

    input_name = "poster"
    dim = LITE_DIM

    def __init__(self, config=None, cache_dir=None):
        super().__init__(config, cache_dir)
        self.variant = self.config.poster_model
        self.size = (int(self.config.poster_size), int(self.config.poster_width))
        self.name = f"poster-{self.variant}"
        self.version = f"{self.size[0]}x{self.size[1]}.1"  # the input resolution changes the features
        self.network = f"efficientnet-{self.variant}-{self.size[0]}x{self.size[1]}"
        self.converted: Counter = Counter()

    def _reset_counts(self) -> None:
        super()._reset_counts()
        # odd-but-usable images (CMYK, grayscale, palette, alpha, 16-bit) converted to RGB, by stored
        # mode; counted when computed (a cache hit does not re-open the image)
        self.converted: Counter = Counter()

    def content(self, movie: Movie):
        if movie.poster_bytes is not None:
            return movie.poster_bytes
        if movie.poster is None:
            return None
        try:
            return read_image_bytes(movie.poster)
        except ImageError as e:  # a listed poster we cannot read is counted, not silently dropped
            self.skipped[e.reason] += 1
            log.info("%s: %s skipped (%s)", self.name, movie.key, e.reason)
            return None

    def network_files(self):
        return image_files(self.variant, self.size, self.cache_dir)

    def _compute(self, contents, progress=False):
        model = image_model(self.variant, self.size, self.config.backend, self.cache_dir, self.graphs)
        n, bs = len(contents), max(1, self.config.batch_size)
        feats = np.zeros((n, self.dim), dtype=np.float32)
        ok = np.zeros(n, dtype=bool)
        reasons: dict[int, str] = {}
        starts = list(range(0, n, bs))
        bar = None
        if progress and n > bs:
            from ..progress import progress_bar

            bar = progress_bar(total=n, desc=self.name, unit="poster", leave=False)
        workers = self.config.decode_workers
        with ThreadPoolExecutor(workers, thread_name_prefix="poster-decode") as pool:
            pending = deque()
            for s in starts[: workers + 1]:  # prefetch: decoding runs ahead of inference
                pending.append((s, pool.submit(_prep_batch, contents[s : s + bs], self.size)))
            nxt = workers + 1
            while pending:
                s, fut = pending.popleft()
                if nxt < len(starts):
                    t = starts[nxt]
                    pending.append((t, pool.submit(_prep_batch, contents[t : t + bs], self.size)))
                    nxt += 1
                pixels, good, why, modes = fut.result()
                self.converted.update(modes)
                rows = np.flatnonzero(good) + s
                if len(rows):
                    feats[rows] = model.features(pixels)
                ok[s : s + len(good)] = good
                reasons.update({s + j: r for j, r in why.items()})
                if bar is not None:
                    bar.update(len(good))
        if bar is not None:
            bar.close()
        return feats, ok, reasons
