"""Training you can watch: the charts redraw while a model trains, and Stop keeps a usable model."""

from __future__ import annotations

import re

import numpy as np
import pytest

from harness.browser import error_texts, open_app, wait_idle, wait_rendered
from vae_core import load_model

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

# The post's per-sample recipe for the autoencoder, long enough to watch (tens of seconds).
BLOG_AE = ("train_kind=ae&train_recipe=blog&train_epochs=100&train_batch_size=1&train_optimizer=sgd"
           "&train_learning_rate=0.005&train_seed=31")


def live_epochs(page):
    """How many epochs the live loss chart shows now (0 if it is not drawn)."""
    return page.evaluate("""() => {
        const c = document.querySelector('.st-key-train_live_loss_chart .js-plotly-plot');
        return c && c.data && c.data.length ? c.data[0].x.length : 0; }""")


def test_live_charts_redraw_during_a_blog_recipe_run_and_stop_keeps_the_model(app_server, page):
    page.set_viewport_size({"width": 1280, "height": 800})
    open_app(page, f"{app_server.url}/Training_dynamics?{BLOG_AE}")
    page.locator('[data-testid="stFormSubmitButton"] button').click()
    seen = set()
    # The live chart and map sit in the first screen, not below the settings. The fragment redraws
    # them every 0.3 s, so the chart's position is read in the page, in one step, once it is drawn.
    top = page.wait_for_function("""() => {
        const c = document.querySelector('.st-key-train_live_loss_chart .js-plotly-plot .main-svg');
        const box = c && c.getBoundingClientRect();
        return box && box.height > 0 ? box.top : null; }""", timeout=60_000).json_value()
    assert top < 800, top
    for _ in range(4):
        before = live_epochs(page)
        page.wait_for_function(f"() => {{ const c = document.querySelector("
                               f"'.st-key-train_live_loss_chart .js-plotly-plot');"
                               f" return c && c.data[0].x.length > {before}; }}", timeout=60_000)
        seen.add(live_epochs(page))
    assert len(seen) >= 3, f"the live chart redrew only for epochs {sorted(seen)}"
    # The held-out map redraws beside it (read in the page: the fragment may be mid-redraw).
    page.wait_for_function("() => document.querySelectorAll("
                           "'.st-key-train_live_map_chart .js-plotly-plot .main-svg').length >= 1",
                           timeout=10_000)
    stopped_at = live_epochs(page)
    page.locator(".st-key-train_stop_button button").first.click()
    page.wait_for_function("() => !document.querySelector('.st-key-train_stop_button')", timeout=60_000)
    wait_idle(page)
    wait_rendered(page)
    assert error_texts(page) == []
    info = page.locator('[data-testid="stAlertContentInfo"]').first.inner_text()
    kept = int(re.search(r"Stopped after epoch (\d+) of 100", info).group(1))
    assert kept >= stopped_at and kept < 100
    caption = page.get_by_text(re.compile(r"^Showing: ")).inner_text()
    assert f"{kept} epochs" in caption
    # The model kept is a usable model: download it, load it, decode with it.
    with page.expect_download() as download:
        page.get_by_role("button", name=re.compile("Download this model")).click()
    model = load_model(download.value.path())
    assert model.epochs == kept and len(model.history_["epoch"]) == kept
    assert np.all(np.isfinite(model.decode(np.zeros((3, 2)))))
