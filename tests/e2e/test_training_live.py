"""Training you can watch: the charts redraw while a model trains, and Stop keeps a usable model."""

from __future__ import annotations

import re

import numpy as np
import pytest
from playwright.sync_api import expect

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
    # The live map (then the loss chart) sits in the first screen, not below the settings. The
    # fragment redraws them every 0.3 s, so the map's position is read in the page, in one step, once
    # it is drawn.
    top = page.wait_for_function("""() => {
        const c = document.querySelector('.st-key-train_live_map_chart .js-plotly-plot .main-svg');
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
    # The held-out map redraws with it (read in the page: the fragment may be mid-redraw).
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


# The training form's boxes, read back after Stop (they are in the DOM while folded away).
FORM_KEYS = ("train_latent_dim", "train_hidden_size", "train_beta", "train_kl_warmup", "train_epochs",
             "train_batch_size", "train_learning_rate", "train_seed")
# Every distinct map the live chart draws, recorded in the page as the fragment redraws it.
RECORD_MAPS = """() => {
    window.__maps = new Set();
    window.__mapTitles = new Set();
    setInterval(() => {
        const c = document.querySelector('.st-key-train_live_map_chart .js-plotly-plot');
        if (!c || !c.data || !c.data.length) return;
        window.__maps.add(JSON.stringify(c.data.map((t) => [t.x, t.y])));  // arrays, or Plotly's bdata
        window.__mapTitles.add(c.layout.title.text);
        const box = c.querySelector('.main-svg') && c.querySelector('.main-svg').getBoundingClientRect();
        if (box && box.height > 0) window.__mapTop = box.top;
    }, 50);
}"""


def test_a_watched_run_forms_its_map_at_the_pace_and_stop_keeps_the_epoch_reached(app_server, page):
    # The default VAE trains in half a second (and ships: it is not even trained here). At 10 epochs
    # per second its 300 epochs are replayed in 30 s, a snapshot of the map a second: it forms under
    # the eye, and there is time to press Stop on a busy machine.
    page.set_viewport_size({"width": 1280, "height": 800})
    open_app(page, f"{app_server.url}/Training_dynamics?train_pace=10")
    form = {key: page.locator(f".st-key-{key} input").input_value() for key in FORM_KEYS}
    page.evaluate(RECORD_MAPS)
    page.locator('[data-testid="stFormSubmitButton"] button').click()
    page.wait_for_function("() => window.__maps.size >= 10", timeout=30_000)
    titles = page.evaluate("Array.from(window.__mapTitles)")
    epochs = [int(re.search(r"epoch (\d+)", title).group(1)) for title in titles]
    assert len(set(epochs)) >= 10 and max(epochs) < 300, epochs  # ten snapshots, mid-run
    assert page.evaluate("window.__mapTop") < 800  # the map forms in the first screen

    # Clicked in the page, in one step: the live view redraws its button every 0.3 s.
    page.evaluate("() => document.querySelector('.st-key-train_stop_button button').click()")
    note = page.get_by_text(re.compile(r"Stopped at epoch \d+ of 300")).first
    note.wait_for(timeout=60_000)
    kept = int(re.search(r"Stopped at epoch (\d+) of 300", note.inner_text()).group(1))
    assert max(epochs) <= kept < 300
    wait_idle(page)
    wait_rendered(page)
    caption = page.get_by_text(re.compile(r"^Showing: ")).inner_text()
    assert f"· {kept} epochs ·" in caption and f"stopped at epoch {kept} of 300" in caption
    assert {key: page.locator(f".st-key-{key} input").input_value() for key in FORM_KEYS} == form
    resume = page.locator(".st-key-train_continue_button button").filter(has_text="Continue to epoch 300")
    expect(resume.first).to_be_attached()  # in the folded settings: Continue resumes the run
    assert error_texts(page) == []
