"""Shared helpers of the AppTest suites: open a page, read what a chart or a component shows."""

import json
import re
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGES = (
    "pages/1_Training_dynamics.py",
    "pages/2_Latent_space.py",
    "pages/3_Beta_tradeoff.py",
    "pages/4_Interpolation.py",
    "pages/5_Generation_gallery.py",
    "pages/6_Claims.py",
)


def open_page(page=None, params=None):
    """A new session opened on the landing page, or on ``page``, with the URL's ``params``."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(params or {})
    if page is not None:
        # switch_page alone only records the page: without run() the test re-checks the first.
        at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    return at


def chart(at, key):
    """The Plotly figure (as a dict) of the chart drawn with ``key``."""
    for element in at.get("plotly_chart"):
        if element.proto.id.endswith(f"-{key}"):
            return json.loads(element.proto.spec)
    raise AssertionError(f"no chart {key!r}; charts: {[e.proto.id for e in at.get('plotly_chart')]}")


def component_data(at, key):
    """The data a custom component drawn with ``key`` received (as a dict)."""
    for element in at.get("bidi_component"):
        if element.proto.id.endswith(f"-{key}"):
            data = json.loads(element.proto.json)
            return data[0] if isinstance(data, list) else data  # the latent explorer sends [data]
    raise AssertionError(f"no component {key!r}")


def heatmap_z(at, key):
    return [t["z"] for t in chart(at, key)["data"] if t["type"] == "heatmap"]


def shown(markdown: str) -> str:
    """The text a reader sees of ``markdown`` whose punctuation is backslash-escaped (``ui.plain``)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def training(at) -> bool:
    """Whether the training page shows a model in training, or its run replayed (its live view)."""
    return any(m.value.startswith(("**Training:**", "**Replaying:**")) for m in at.markdown)


def finish_training(at, timeout=120.0):
    """Rerun ``at`` until the training it started has ended and its result is on view.

    The page trains in a background job and polls it; AppTest does not run the polling fragment
    on its own, so the test reruns the page the way the fragment would. A replay of the run at
    the page's pace is skipped to its end ("To the end"): its model is the one trained.
    """
    deadline = time.monotonic() + timeout
    while training(at):
        assert time.monotonic() < deadline, "the training did not end"
        if any(m.value.startswith("**Replaying:**") for m in at.markdown):
            at.button(key="train_skip_button").click().run()
            continue
        time.sleep(0.05)
        at.run()
    return at
