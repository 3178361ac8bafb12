"""A one-line progress bar for long exports on a terminal."""

from __future__ import annotations

from typing import TextIO

from storage.exports.base import Progress

BAR_WIDTH = 20


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", ".")  # Indonesian grouping: 100.000


def terminal_progress(stream: TextIO, *, label: str = "Mengekspor") -> Progress:
    """A ``progress(done, total)`` callback drawing on ``stream``, e.g.

    ``Mengekspor  45.000/100.000 [#########...........]  45%``

    redrawn in place with ``\\r``; the final call (``done == total``) ends the
    line. Meant for a terminal: the caller decides (``stream.isatty()``).
    """
    finished = False

    def draw(done: int, total: int) -> None:
        nonlocal finished
        if finished:
            return
        total = max(total, done)
        share = done / total if total else 1.0
        filled = int(share * BAR_WIDTH)
        counts = f"{_thousands(done):>{len(_thousands(total))}}/{_thousands(total)}"
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        finished = done >= total
        stream.write(f"\r{label}  {counts} [{bar}] {int(share * 100):3d}%")
        if finished:
            stream.write("\n")
        stream.flush()

    return draw
