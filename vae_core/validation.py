"""Checks for hyperparameters and named choices, with messages that say what was expected."""

import numbers

import numpy as np


def check_choice(name, value, choices):
    """Return ``value`` if it is one of ``choices`` (a table's keys); else ``ValueError`` listing them."""
    if isinstance(value, str) and value in choices:
        return value
    raise ValueError(f"{name} must be one of {sorted(choices)}, got {value!r}.")


def check_int(name, value, low):
    """``ValueError`` unless ``value`` is an int (not a bool) >= ``low``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"{name} must be an int >= {low}, got {value!r}.")


def check_float(name, value, low=None, high=None, low_open=False, high_open=False):
    """``ValueError`` unless ``value`` is a finite real number within the given bounds."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}.")
    if low is not None and (value < low or (low_open and value == low)):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low}, got {value!r}.")
    if high is not None and (value > high or (high_open and value == high)):
        raise ValueError(f"{name} must be {'<' if high_open else '<='} {high}, got {value!r}.")
