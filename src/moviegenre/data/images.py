"""Safe image loading: every poster, upload and download goes through here.

Corrupt, truncated, non-image or absurdly large inputs raise ``ImageError`` with a short reason
(used as the skip reason in counts), never a PIL exception from deep in a stack. Any mode
(CMYK, grayscale, palette, alpha, 16-bit) comes out as 8-bit RGB; alpha is composited on white.
"""

from __future__ import annotations

import io
import os
import stat
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


def read_file_bounded(path: str | Path, max_bytes: int) -> bytes:
    """The bytes of the regular file ``path`` (symlinks followed), at most ``max_bytes``.

    Opened without blocking and checked on the open descriptor, so a FIFO named as a poster cannot
    hang us and ``/dev/zero`` (size 0 to ``stat``) is refused instead of read forever; the read
    stops after ``max_bytes + 1`` bytes whatever ``st_size`` says (a file growing meanwhile).
    """
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except (FileNotFoundError, NotADirectoryError):
        raise ImageError("missing file", str(path)[:300]) from None
    except (OSError, ValueError) as e:  # no permission, a name too long, a NUL in the name
        raise ImageError(
            "unreadable file", f"{str(path)[:300]}: {getattr(e, 'strerror', None) or e}"
        ) from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise ImageError("not a file", str(path)[:300])
        if not stat.S_ISREG(st.st_mode):
            raise ImageError("not a regular file", f"{str(path)[:300]} is a pipe, socket or device")
        if st.st_size > max_bytes:
            raise ImageError("too large", f"{path.name[:100]} is over {max_bytes / 2**20:g} MB")
        chunks, left = [], max_bytes + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    except OSError as e:
        raise ImageError("unreadable file", f"{str(path)[:300]}: {e.strerror}") from None
    finally:
        os.close(fd)


def read_image_bytes(source: str | Path | bytes, max_bytes: int = MAX_BYTES) -> bytes:
    """The raw bytes of an image file (or the bytes themselves), refusing oversized files and
    anything that is not a regular file (see ``read_file_bounded``)."""
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
    else:
        data = read_file_bounded(source, max_bytes)
    if len(data) > max_bytes:
        raise ImageError("too large", f"over {max_bytes / 2**20:g} MB")
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
