"""The latent explorer in a real browser: decoding under the pointer, pinning, touch, the manifold.

The decoders run in the page (latent_lab/drawing/web/latent_explorer.js); these tests check them against
the NumPy models, and that the pointer needs no round trip to the server.
"""

from __future__ import annotations

import re
import statistics

import numpy as np
import pytest

from harness.browser import (
    EMPTY_SPOT_JS,
    error_texts,
    explorer_eval,
    go_to,
    new_page,
    open_app,
    rerun_after,
    runs_finished,
    wait_idle,
    wait_rendered,
)
from latent_lab.models.catalog import asset_path
from vae_core import load_model

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

DESKTOP = {"width": 1280, "height": 800}

def image_pixels(page):
    """What the two decoded-image canvases show, as data URLs."""
    return explorer_eval(page, "ex.maps.map((m) => ex.cells[m.spec.id].image.toDataURL())")


def panel_z(page):
    text = explorer_eval(page, "ex.zEl.textContent")
    return tuple(float(v) for v in re.findall(r"-?\d+\.\d+", text)), text


def map_pixel(page, map_id, z):
    """Viewport coordinates of latent point ``z`` on map ``map_id``."""
    return explorer_eval(page, """(() => {
        const m = ex.maps.find((m) => m.spec.id === arg.id), [px, py] = m.toPixel(...arg.z);
        const box = m.canvas.getBoundingClientRect();
        return {x: box.left + px, y: box.top + py}; })()""", {"id": map_id, "z": list(z)})


def marked(page, z):
    """Per map: whether the pin's dark star covers latent point ``z``."""
    return explorer_eval(page, """ex.maps.map((m) => {
        const [px, py] = m.toPixel(...arg), dpr = window.devicePixelRatio || 1;
        const [r, g, b] = m.canvas.getContext('2d').getImageData(Math.round(px * dpr),
            Math.round(py * dpr), 1, 1).data;
        return r < 60 && g < 60 && b < 60; })""", list(z))


def open_explorer(page, url):
    page.set_viewport_size(DESKTOP)
    open_app(page, f"{url}/Latent_space")
    page.wait_for_function("() => window.__latentExplorers && window.__latentExplorers.latent")
    assert error_texts(page) == []


@pytest.mark.parametrize("map_id", ["ae", "vae"])
def test_moving_the_pointer_over_empty_space_decodes_both_models(app_server, page, map_id):
    open_explorer(page, app_server.url)
    spot = page.evaluate(EMPTY_SPOT_JS, ["latent", map_id])
    assert spot["d"] > 8, spot  # really between clusters
    before, runs = image_pixels(page), runs_finished(page)
    start = explorer_eval(page, "ex.timings.length")
    # Sweep towards the spot, as a hand does: every move redraws both images.
    for k in range(10, -1, -1):
        page.mouse.move(spot["x"] - 4 * k, spot["y"] - 3 * k)
    page.wait_for_function("(n) => window.__latentExplorers.latent.timings.length > n", arg=start)
    page.wait_for_timeout(50)  # the last animation frame
    after = image_pixels(page)
    assert after[0] != before[0] and after[1] != before[1], "both images follow the pointer"
    z, text = panel_z(page)
    assert text.startswith("Under the pointer")
    assert z == pytest.approx(spot["z"], abs=0.01)
    assert runs_finished(page) == runs, "the pointer needs no script run"
    timings = explorer_eval(page, "ex.timings.slice(arg)", start)
    print(f"\npointer -> both images redrawn ({map_id} map): median {statistics.median(timings):.1f} ms, "
          f"max {max(timings):.1f} ms over {len(timings)} frames")


def test_the_decoded_images_sit_beside_the_maps_in_the_first_screen(app_server, page):
    open_explorer(page, app_server.url)
    boxes = explorer_eval(page, """[...ex.maps.map((m) => m.canvas),
        ...ex.maps.map((m) => ex.cells[m.spec.id].image)].map((el) => {
          const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })""")
    for left, top, right, bottom in boxes:
        assert 0 <= left and right <= DESKTOP["width"] and 0 <= top and bottom <= DESKTOP["height"]
    maps, images = boxes[:2], boxes[2:]
    assert min(i[0] for i in images) >= max(m[2] for m in maps)  # to the right of both maps


def test_the_browser_decodes_exactly_like_numpy(app_server, page):
    open_explorer(page, app_server.url)
    Z = np.random.default_rng(7).uniform(-5, 5, size=(200, 2))
    for map_id, stem in (("ae", "ae_default"), ("vae", "vae_default")):
        browser = np.asarray(explorer_eval(page, "ex.decode(arg.id, arg.z)", {"id": map_id, "z": Z.tolist()}))
        np.testing.assert_allclose(browser, load_model(asset_path(stem)).decode(Z), atol=1e-5,
                                   err_msg=map_id)


def test_the_note_under_a_decoded_image_uses_the_servers_off_data_test(app_server, page):
    # The shading (server) and the note under the decoded images (browser) say "off the data" by
    # one test: pixel by pixel or by ink profile. A blur is near every digit by pixels only.
    from latent_lab.images.dataset import digits
    from vae_core.evaluation import OffDataTest

    split = digits()[0]
    test = OffDataTest(split.X_train, split.X_test)
    means = np.stack([split.X_train[split.y_train == d].mean(axis=0) for d in range(10)])
    rng = np.random.default_rng(0)
    images = np.vstack([split.X_test[:40], means, split.X_train.mean(axis=0, keepdims=True),
                        (means[:9] + means[1:]) / 2, rng.uniform(size=(3, 64)), np.full((1, 64), 0.3)])
    pixel, profile = test.distances(images)
    # The browser computes in float32: leave out images within a hair of either threshold.
    clear = ((np.abs(pixel - test.pixel_threshold_) > 1e-4)
             & (np.abs(profile - test.profile_threshold_) > 1e-4))
    open_app(page, f"{app_server.url}/Latent_space")
    verdicts = explorer_eval(page, "ex.offData(arg)", images[clear].tolist())
    expected = np.where(pixel > test.pixel_threshold_, "pixels",
                        np.where(profile > test.profile_threshold_, "ink profile", ""))[clear]
    assert verdicts == expected.tolist()
    assert "ink profile" in verdicts and "" in verdicts  # both kinds of image are in the set
    assert clear.sum() >= len(images) - 2


def test_the_browser_decodes_a_model_trained_in_the_session(app_server, page):
    page.set_viewport_size(DESKTOP)
    open_app(page, f"{app_server.url}/Training_dynamics?train_epochs=5&train_seed=11")
    rerun_after(page, page.locator('[data-testid="stFormSubmitButton"] button').click)
    wait_idle(page)  # the page reruns once more with the trained model on view
    wait_rendered(page)
    assert error_texts(page) == []
    with page.expect_download() as download:
        page.get_by_role("button", name=re.compile("Download this model")).click()
    own = load_model(download.value.path())
    assert own.get_params()["epochs"] == 5 and own.random_state == 11
    go_to(page, "Latent space: AE vs VAE")
    rerun_after(page, lambda: page.get_by_text("my trained models").click())
    page.wait_for_function("() => window.__latentExplorers.latent.maps[1].spec.title.startsWith('Your VAE')")
    Z = np.random.default_rng(8).uniform(-4, 4, size=(100, 2))
    browser = np.asarray(explorer_eval(page, "ex.decode('vae', arg)", Z.tolist()))
    np.testing.assert_allclose(browser, own.decode(Z), atol=1e-5)


def test_a_click_pins_one_marker_on_both_maps(app_server, page):
    open_explorer(page, app_server.url)
    first, second = (0.5, -0.5), (-1.0, 1.0)  # inside both maps' ranges
    clicks = []
    for z, map_id in ((first, "ae"), (second, "vae"), (first, "ae")):  # the same spot twice too
        at = map_pixel(page, map_id, z)
        page.mouse.move(at["x"], at["y"])
        t0 = page.evaluate("performance.now()")
        rerun_after(page, lambda at=at: page.mouse.click(at["x"], at["y"]))
        clicks.append(page.evaluate("window.__stFinishedAt") - t0)
        pinned = explorer_eval(page, "ex.pinned")
        assert pinned == pytest.approx(z, abs=0.05)
        assert "latent_z=" in page.url
        # A dark star where it was pinned; the other map marks the same z as a hollow mirror.
        assert marked(page, pinned) == [map_id == "ae", map_id == "vae"], "one marker, on one map"
        assert explorer_eval(page, "ex.pinnedMap") == map_id
        other = second if z == first else first
        assert marked(page, other) == [False, False], "no stale marker"
    print(f"\nclick -> pinned on both maps and the server's run finished: median "
          f"{statistics.median(clicks):.0f} ms over {len(clicks)} clicks")
    assert error_texts(page) == []


def test_a_tap_on_a_phone_decodes_on_the_first_tap(app_server, browser):
    page = new_page(browser, viewport={"width": 390, "height": 844}, has_touch=True,
                    is_mobile=True, device_scale_factor=2)
    try:
        open_app(page, f"{app_server.url}/Latent_space")
        page.wait_for_function("() => window.__latentExplorers && window.__latentExplorers.latent")
        canvas = page.locator(".st-key-latent_explorer").locator("canvas").nth(1)  # the VAE map
        canvas.scroll_into_view_if_needed()
        z = (0.8, -0.6)
        at = map_pixel(page, "vae", z)
        rerun_after(page, lambda: page.touchscreen.tap(at["x"], at["y"]))
        shown, text = panel_z(page)
        assert text.startswith("Pinned") and shown == pytest.approx(z, abs=0.05)
        assert explorer_eval(page, "ex.pinned") == pytest.approx(z, abs=0.05)
        # The decoded images stay in view next to the map that was touched.
        panel = explorer_eval(page, """(() => { const r = ex.decodedEl.getBoundingClientRect();
                                         return [r.top, r.bottom]; })()""")
        assert 0 <= panel[0] and panel[1] <= 844
    finally:
        page.context.close()


def test_manifold_tiles_are_square_and_decoded_at_their_centres(app_server, page):
    open_explorer(page, app_server.url)
    rerun_after(page, lambda: page.locator(".st-key-latent_manifold label").click())
    page.wait_for_function("() => window.__latentExplorers.latent.maps.every((m) => m.tiles)")
    for index, stem in enumerate(("ae_default", "vae_default")):
        tiles = explorer_eval(page, """(() => { const m = ex.maps[arg], g = m.geometry();
            return {n: m.tiles.n, pw: g.pw, ph: g.ph,
                    z: m.tiles.images.map((t) => t.z), px: m.tiles.images.map((t) => Array.from(t.pixels))};
            })()""", index)
        assert tiles["n"] == 10 and len(tiles["z"]) == 100
        assert tiles["pw"] / tiles["n"] == pytest.approx(tiles["ph"] / tiles["n"], abs=0.5)  # square
        np.testing.assert_allclose(tiles["px"], load_model(asset_path(stem)).decode(tiles["z"]),
                                   atol=1e-5)
    assert error_texts(page) == []

