"""Draw the made-up poster the README's and docs' examples use (no real poster is ever committed).

    .venv/bin/python scripts/example_poster.py --out examples/poster.jpg

A 182x268 JPEG (TMDB's w185 poster size): a night sky, a planet and a title band, drawn with Pillow.
``./scripts/setup`` runs it once, so ``examples/poster.jpg`` (git-ignored) is there after set-up.
"""

from __future__ import annotations

import argparse
import io
from pathlib import Path

SIZE = (182, 268)


def draw_poster() -> bytes:
    """The poster as JPEG bytes; the same bytes on every run."""
    from PIL import Image, ImageDraw

    im = Image.new("RGB", SIZE, (12, 16, 40))
    d = ImageDraw.Draw(im)
    for y in range(SIZE[1]):  # a sky fading to the horizon
        d.line([(0, y), (SIZE[0], y)], fill=(12 + y // 6, 16 + y // 8, 40 + y // 4))
    for i in range(40):  # stars at fixed, scattered places
        x, y = (i * 73) % SIZE[0], (i * 131) % 150
        d.point([(x, y), (x + 1, y)], fill=(240, 240, 255))
    d.ellipse([40, 70, 150, 180], fill=(200, 110, 60), outline=(250, 200, 140), width=3)
    d.rectangle([0, 210, SIZE[0], 250], fill=(0, 0, 0))
    d.text((16, 222), "STARFALL PROTOCOL", fill=(255, 220, 120))
    buf = io.BytesIO()
    im.save(buf, format="JPEG", quality=85)
    return buf.getvalue()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parents[1] / "examples" / "poster.jpg"
    )
    args = ap.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_name(args.out.name + ".tmp")
    tmp.write_bytes(draw_poster())
    tmp.replace(args.out)  # atomic: never a half-written poster
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
