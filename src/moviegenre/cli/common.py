"""Options and helpers shared by CLI modules."""

from __future__ import annotations

import logging

from rich.console import Console

console = Console(stderr=True)


def setup_logging(verbose: bool = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
    )
