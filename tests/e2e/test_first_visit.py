"""What a first-time visitor meets: a landing page that moves, and links that never raise.

The landing page's latent explorer (``window.__latentExplorers.home``) drifts over the VAE map by
itself until a hand touches a map; the decoders run in the page, checked here against NumPy.
"""

from __future__ import annotations

import numpy as np
import pytest

from harness.browser import error_texts, new_page, open_app, rerun_after
from latent_lab.models.catalog import asset_path
from vae_core import load_model

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

LAPTOP = {"width": 1280, "height": 800}
PAGE_PATHS = ("", "Training_dynamics", "Latent_space", "Beta_tradeoff", "Interpolation",
              "Generation_gallery", "Claims")
NOTICE = '[data-testid="stAlert"]'


def home(page, expression, arg=None):
    """Evaluate ``expression`` of ``ex`` (the landing page's explorer) and ``arg``."""
    return page.evaluate(f"(arg) => {{ const ex = window.__latentExplorers.home; return {expression}; }}", arg)


def open_home(page, url):
    open_app(page, url)
    page.wait_for_function("() => window.__latentExplorers && window.__latentExplorers.home")
    assert error_texts(page) == []


def map_pixel(page, map_id, z):
    return home(page, """(() => { const m = ex.maps.find((m) => m.spec.id === arg.id);
        const [px, py] = m.toPixel(...arg.z), box = m.canvas.getBoundingClientRect();
        return {x: box.left + px, y: box.top + py}; })()""", {"id": map_id, "z": list(z)})


def decoded(page):
    """What the panel's two decoded images show, as data URLs (AE, VAE)."""
    return home(page, "ex.maps.map((m) => ex.cells[m.spec.id].image.toDataURL())")


def test_home_moves_above_the_fold_and_the_hand_takes_over(app_server, browser):
    page = new_page(browser, viewport=LAPTOP)
    try:
        open_home(page, app_server.url)
        # The maps and the decoded images lie on the first screen.
        for selector in (".lx-map canvas", ".lx-decoded-image"):
            boxes = page.locator(f".st-key-home_explorer {selector}").evaluate_all(
                "(els) => els.map((e) => e.getBoundingClientRect().bottom)")
            assert len(boxes) == 2 and max(boxes) <= LAPTOP["height"], (selector, boxes)
        # Untouched, the decoded point drifts over the VAE map by itself: the images change.
        first = decoded(page)
        page.wait_for_function("(before) => window.__latentExplorers.home.maps.some("
                               "(m, i) => window.__latentExplorers.home.cells[m.spec.id].image"
                               ".toDataURL() !== before[i])", arg=first, timeout=10_000)
        assert home(page, "ex.touring") and home(page, "ex.zEl.textContent").startswith("Drifting")

        # A hand on the VAE map takes over: both decoders draw the point under it, as NumPy does.
        ae, vae = load_model(asset_path("ae_default")), load_model(asset_path("vae_default"))
        shown = []
        for z in ((-1.2, 0.8), (1.0, -1.0)):
            at = map_pixel(page, "vae", z)
            page.mouse.move(at["x"], at["y"])
            page.wait_for_function("(z) => { const h = window.__latentExplorers.home.hover;"
                                   " return h && Math.abs(h[0] - z[0]) < 0.05 && Math.abs(h[1] - z[1]) < 0.05; }",
                                   arg=list(z))
            hover = home(page, "ex.hover")
            assert not home(page, "ex.touring") and home(page, "ex.hoverMap") == "vae"
            assert home(page, "ex.zEl.textContent").startswith("Under the pointer on the VAE map")
            for map_id, model in (("ae", ae), ("vae", vae)):
                np.testing.assert_allclose(home(page, "ex.decode(arg.id, [arg.z])", {"id": map_id, "z": hover}),
                                           model.decode([hover]), atol=1e-5)
            shown.append(decoded(page))
        assert shown[0][0] != shown[1][0] and shown[0][1] != shown[1][1]
        page.wait_for_timeout(300)  # the tour stays over once a hand has been on a map
        assert decoded(page) == shown[1]
        # The AE map marks the same numbers as a mirror, and says what it is.
        key = page.locator(".st-key-home_explorer .lx-key").inner_text()
        assert "the same z in the other model's space" in key
        assert error_texts(page) == []
    finally:
        page.context.close()


@pytest.mark.parametrize("path", ["", "Interpolation"], ids=["home", "interpolation"])
def test_a_link_through_a_tracker_shows_no_notice(app_server, page, path):
    trackers = "utm_source=newsletter&utm_medium=email&utm_campaign=spring&fbclid=IwAR0x&gclid=Cj0KCQ"
    open_app(page, f"{app_server.url}/{path}?{trackers}")
    assert error_texts(page) == []
    assert page.locator(NOTICE).filter(has_text="could not be used").count() == 0
    assert "utm_source" not in page.url and "fbclid" not in page.url  # the link the page writes
    # An unknown key that is no tracker still gets its notice.
    other = new_page(page.context.browser)
    try:
        open_app(other, f"{app_server.url}/{path}?utm_source=x&colour=red")
        notice = other.locator(NOTICE).filter(has_text="could not be used")
        assert notice.count() == 1
        assert "colour" in notice.inner_text() and "utm_source" not in notice.inner_text()
    finally:
        other.context.close()


@pytest.mark.parametrize("path", PAGE_PATHS, ids=lambda p: p or "home")
def test_indices_beyond_the_data_raise_nothing_on_any_page(app_server, page, path):
    beyond = ("interp_mode=by+index&interp_index_a=9999&interp_index_b=9999&latent_digit=9999"
              "&train_snapshot=1000&interp_pick_a=11&interp_pick_b=11")
    open_app(page, f"{app_server.url}/{path}?{beyond}")
    assert error_texts(page) == []
    if path == "Interpolation":
        notices = page.locator(NOTICE).filter(has_text="beyond the 360 held-out images")
        assert notices.count() == 2  # one for each end, which fell back to the defaults
        # The page works on from there: a new index redraws it.
        field = page.locator(".st-key-interp_index_a input")
        assert field.input_value() == "0"
        rerun_after(page, lambda: (field.fill("5"), field.press("Enter")))
        assert error_texts(page) == []
