"""The kinds of value a setting may take, and the setting itself.

Each kind turns a value from a widget, from code or from the URL into a valid value, or raises
``ValueError`` saying what was expected; ``format`` is the inverse of ``parse`` for the URL.
Pure Python: the settings table (``latent_lab.state.settings``) and the recipe links build on it.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Choice:
    """One of a fixed list of options (strings or numbers), written in the URL as ``str(option)``."""

    options: tuple

    def check(self, value):
        for option in self.options:
            if same(value, option):
                return option
        raise ValueError(f"expected one of {', '.join(map(str, self.options))}")

    def parse(self, text: str):
        for option in self.options:
            if text == self.format(option):
                return option
        return self.check(_number_or_text(text))

    def format(self, value) -> str:
        return f"{value:g}" if isinstance(value, float) else str(value)


@dataclass(frozen=True)
class Int:
    """A whole number in ``[low, high]``."""

    low: int
    high: int

    def check(self, value):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ValueError(f"expected a whole number from {self.low} to {self.high}")
        if not math.isfinite(value) or value != int(value) or not self.low <= value <= self.high:
            raise ValueError(f"expected a whole number from {self.low} to {self.high}")
        return int(value)

    def parse(self, text: str):
        return self.check(_number(text))

    def format(self, value) -> str:
        return str(int(value))


@dataclass(frozen=True)
class Float:
    """A number in ``[low, high]``; with ``step``, snapped to the nearest multiple of it."""

    low: float
    high: float
    step: float | None = None

    def check(self, value):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            raise ValueError(f"expected a number from {self.low:g} to {self.high:g}")
        value = float(value)
        if self.step:
            value = round(round(value / self.step) * self.step, 10)
        if not self.low <= value <= self.high:
            raise ValueError(f"expected a number from {self.low:g} to {self.high:g}")
        return value

    def parse(self, text: str):
        return self.check(_number(text))

    def format(self, value) -> str:
        return repr(float(value))


@dataclass(frozen=True)
class Bool:
    """On or off, written ``1`` / ``0`` in the URL."""

    def check(self, value):
        if isinstance(value, bool):
            return value
        raise ValueError("expected 1 (on) or 0 (off)")

    def parse(self, text: str):
        if text in ("1", "true", "True"):
            return True
        if text in ("0", "false", "False"):
            return False
        raise ValueError("expected 1 (on) or 0 (off)")

    def format(self, value) -> str:
        return "1" if value else "0"


@dataclass(frozen=True)
class Point:
    """A point ``(x, y)`` with both coordinates in ``[-bound, bound]``, or None; URL ``x,y``."""

    bound: float

    def check(self, value):
        if value is None:
            return None
        try:
            x, y = value
        except (TypeError, ValueError):
            raise ValueError("expected two numbers, x,y") from None
        coords = []
        for c in (x, y):
            if isinstance(c, bool) or not isinstance(c, numbers.Real) or not math.isfinite(c):
                raise ValueError("expected two numbers, x,y")
            if abs(c) > self.bound:
                raise ValueError(f"expected coordinates from {-self.bound:g} to {self.bound:g}")
            coords.append(round(float(c), 6))
        return tuple(coords)

    def parse(self, text: str):
        parts = text.split(",")
        if len(parts) != 2:
            raise ValueError("expected two numbers, x,y")
        return self.check(tuple(_number(p) for p in parts))

    def format(self, value) -> str:
        return f"{value[0]:.6g},{value[1]:.6g}"


@dataclass(frozen=True)
class Pixels:
    """A small square image drawn by hand, one base-17 character a pixel (sixteenths).

    Any side from 2 up to ``max_side``: the text's length is the side squared.
    """

    max_side: int
    alphabet: str = "0123456789abcdefg"

    def check(self, value):
        side = math.isqrt(len(value)) if isinstance(value, str) else 0
        if (not 2 <= side <= self.max_side or side * side != len(value)
                or not set(value) <= set(self.alphabet)):
            raise ValueError(f"expected a square number of characters from 0-9 and a-g, up to "
                             f"{self.max_side}×{self.max_side}")
        return value

    def parse(self, text: str):
        return self.check(text)

    def format(self, value) -> str:
        return value


def _number(text: str) -> float:
    # URL text is short by construction; a long one is refused before it is converted.
    if len(text) > 32:
        raise ValueError("expected a number")
    try:
        value = float(text)
    except ValueError:
        raise ValueError("expected a number") from None
    if not math.isfinite(value):
        raise ValueError("expected a finite number")
    return value


def _number_or_text(text: str):
    try:
        return _number(text)
    except ValueError:
        return text


def same(a, b) -> bool:
    """Equal and of the same family (so the option 1 does not match True, nor "1" match 1)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, numbers.Real) and isinstance(b, numbers.Real):
        return a == b
    return type(a) is type(b) and a == b


@dataclass(frozen=True)
class Setting:
    """One value a page shows: its key (widget key and query parameter), default and kind.

    ``widget`` is False for values that no widget holds (a pinned point, a reseed counter).
    """

    key: str
    default: Any
    kind: Any
    widget: bool = True


def setting_table(*settings: Setting) -> dict[str, Setting]:
    """Settings by key, in the given order; a repeated key or an invalid default is an error."""
    table = {}
    for setting in settings:
        if setting.key in table:
            raise ValueError(f"setting {setting.key!r} is declared twice")
        try:
            valid = setting.default is None or setting.kind.check(setting.default) == setting.default
        except ValueError:
            valid = False
        if not valid:
            raise ValueError(f"the default of {setting.key!r} is not one of its values")
        table[setting.key] = setting
    return table


