"""How a score's figures are written: a canonical 0-1 score to three decimals (``0.700``), a
plain number in its own units without trailing zeros (``42.0``, ``41.333``), never as a
percentage."""

from __future__ import annotations


def figure(x: float, plain: bool = False) -> str:
    if not plain:
        return f"{x:.3f}"
    text = f"{round(x, 3) + 0.0:.3f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def signed(x: float, plain: bool = False) -> str:
    """``+0.031`` (``+2.5`` plain); a value that rounds to zero is ``+0.000``, never ``-0.000``."""
    x = round(x, 3) + 0.0
    if not plain:
        return f"{x:+.3f}"
    return ("+" if x >= 0 else "") + figure(x, plain=True)
