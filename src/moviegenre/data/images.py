"""Safe image loading: every poster, upload and download goes through here.

Corrupt, truncated, non-image or absurdly large inputs raise ``ImageError`` with a short reason
(used as the skip reason in counts), never a PIL exception from deep in a stack. Any mode
(CMYK, grayscale, palette, alpha, 16-bit) comes out as 8-bit RGB; alpha is composited on white.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

from ..errors import MovieGenreError

MAX_PIXELS = 40_000_000  # larger than any real poster, well below a decompression bomb
MAX_BYTES = 20 * 1024 * 1024


class ImageError(MovieGenreError):
    """An image that cannot be used. ``reason`` is a short, countable label."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def read_image_bytes(source: str | Path | bytes, max_bytes: int = MAX_BYTES) -> bytes:
    """The raw bytes of an image file (or the bytes themselves), refusing oversized files."""
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
    else:
        path = Path(source)
        try:
            if path.stat().st_size > max_bytes:
                raise ImageError("too large", f"{path.name} is over {max_bytes // 2**20} MB")
            data = path.read_bytes()
        except FileNotFoundError:
            raise ImageError("missing file", str(path)) from None
        except IsADirectoryError:
            raise ImageError("not a file", str(path)) from None
        except OSError as e:
            raise ImageError("unreadable file", f"{path}: {e.strerror}") from None
    if len(data) > max_bytes:
        raise ImageError("too large", f"over {max_bytes // 2**20} MB")
    if not data:
        raise ImageError("empty file")
    return data


def open_image(source: str | Path | bytes, max_pixels: int = MAX_PIXELS, max_bytes: int = MAX_BYTES):
    """Decode ``source`` (a path or bytes) into an 8-bit RGB ``PIL.Image``.

    Raises ``ImageError`` with reason "too many pixels", "not an image", "corrupt image", ...
    """
    from PIL import Image, UnidentifiedImageError

    data = read_image_bytes(source, max_bytes)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            w, h = img.size
            # check the header's size before decoding a single pixel
            if w * h > max_pixels:
                raise ImageError("too many pixels", f"{w}x{h} is over {max_pixels:,} pixels")
            img.draft("RGB", (1024, 1024))  # JPEG: decode at reduced scale when huge; cheap
            img.load()
    except ImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise ImageError("too many pixels", str(e)) from None
    except UnidentifiedImageError:
        raise ImageError("not an image") from None
    except (OSError, SyntaxError, ValueError, EOFError) as e:
        raise ImageError("corrupt image", str(e).splitlines()[0] if str(e) else type(e).__name__) from None
    return to_rgb(img)


def to_rgb(img):
    """Any PIL mode → RGB; transparency is composited onto white (posters are shown on white)."""
    from PIL import Image

    if img.mode == "RGB":
        return img
    if img.mode == "P":
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "PA") or "A" in img.getbands():
        img = img.convert("RGBA")
        bg = Image.new("RGB", img.size, (255, 255, 255))
        bg.paste(img, mask=img.getchannel("A"))
        return bg
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        img = img.point(lambda v: v / 256).convert("L")
    return img.convert("RGB")
