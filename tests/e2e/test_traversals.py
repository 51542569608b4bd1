"""Interpolation and traversals in a real browser: a latent-8 VAE, a drag along a row, an upload.

The traversals decode in the page (latent_lab/drawing/web/decoder.js + traversals.js); these tests
check every image they draw against the NumPy model, before and after a drag moved the code.
"""

from __future__ import annotations

import json
import re
import statistics

import numpy as np
import pytest

from harness.browser import (
    chart,
    error_texts,
    explorer_eval,
    figure_data,
    go_to,
    open_app,
    rerun_after,
    runs_finished,
    wait_idle,
    wait_rendered,
)
from latent_lab.drawing.traversals import traversal_codes
from latent_lab.images.dataset import digits_dataset
from latent_lab.models.catalog import asset_path
from vae_core import load_model

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

DESKTOP = {"width": 1280, "height": 800}
TRAVERSALS = ".st-key-interp_traversals"


def state(page, model_id):
    """What the traversals of model ``model_id`` show: the current code, the values, the images."""
    return page.evaluate("(id) => window.__traversals.traversals.state(id)", model_id)


def assert_rows_decode_like(model, shown):
    """Every image of every row is ``model.decode`` of the code the row says it decodes."""
    Z = traversal_codes(shown["code"], shown["values"])  # (dim, steps, dim)
    dim, steps, _ = Z.shape
    want = model.decode(Z.reshape(dim * steps, dim)).reshape(dim, steps, -1)
    np.testing.assert_allclose(np.asarray(shown["rows"]), want, atol=1e-5)


def train_a_latent_8_vae(page, url):
    """Train a latent-8 VAE on the training page's form (the fast recipe) and download it."""
    open_app(page, f"{url}/Training_dynamics?train_latent_dim=8&train_epochs=30&train_seed=21")
    rerun_after(page, page.locator('[data-testid="stFormSubmitButton"] button').click)
    wait_idle(page)  # the page reruns once more with the trained model on view
    wait_rendered(page)
    assert error_texts(page) == []
    with page.expect_download() as download:
        page.get_by_role("button", name=re.compile("Download this model")).click()
    model = load_model(download.value.path())
    assert model.latent_dim == 8 and model.kind == "vae"
    return model


def test_a_latent_8_vae_interpolates_and_its_traversals_decode_like_numpy(app_server, page):
    page.set_viewport_size(DESKTOP)
    vae8 = train_a_latent_8_vae(page, app_server.url)
    go_to(page, "Interpolation")
    rerun_after(page, lambda: page.get_by_text("my trained models").click())
    page.wait_for_function("() => window.__traversals && window.__traversals.traversals"
                           " && window.__traversals.traversals.models[1].dim === 8")
    assert error_texts(page) == []
    assert not page.get_by_text("can't be drawn").count()  # no fallback to a 2-D model
    # The paths of the 8-D VAE, on its map drawn on the codes' two main axes.
    strips = figure_data(chart(page, "interp_strips_chart"))
    assert "Your VAE spherical" in page.locator(".st-key-interp_strips_chart").inner_text() and strips
    vae_map = page.locator(".st-key-interp_vae_map_chart")
    assert "Your VAE latent space, on its 8-D code's two main axes" in vae_map.inner_text()
    titles = [title.text_content() for title in vae_map.locator(".xtitle, .ytitle").all()]
    assert titles == ["PC 1", "PC 2"]

    # Each model's rows start at the mean of its training codes and decode like the model.
    X_train = digits_dataset().split.X_train
    ae = load_model(asset_path("ae_default"))
    for model_id, model in (("m0", ae), ("m1", vae8)):
        shown = state(page, model_id)
        assert len(shown["rows"]) == model.latent_dim == len(shown["code"])
        np.testing.assert_allclose(shown["code"], model.encode(X_train).mean(axis=0), atol=1e-5)
        assert_rows_decode_like(model, shown)

    # A drag along the VAE's z4 moves that dimension and redraws every other row, in the page.
    before, runs = state(page, "m1"), runs_finished(page)
    timings = page.evaluate("window.__traversals.traversals.timings.length")
    track = page.locator(f'{TRAVERSALS} [data-model="m1"] .tv-row[data-dim="3"] .tv-track')
    track.scroll_into_view_if_needed()
    strip = page.locator(f'{TRAVERSALS} [data-model="m1"] .tv-row[data-dim="3"] .tv-strip').bounding_box()
    y = strip["y"] + strip["height"] / 2
    page.mouse.move(strip["x"] + 0.3 * strip["width"], y)
    page.mouse.down()
    for k in range(1, 21):
        page.mouse.move(strip["x"] + (0.3 + 0.03 * k) * strip["width"], y)
    page.mouse.up()
    page.wait_for_function("(n) => window.__traversals.traversals.timings.length > n", arg=timings)
    page.wait_for_timeout(50)  # the last animation frame
    after = state(page, "m1")
    lo, hi = before["values"][3][0], before["values"][3][-1]
    t = (0.9 * 9 - 0.5) / 8  # where the pointer let go, as a share of the sweep
    assert after["code"][3] == pytest.approx(lo + t * (hi - lo), abs=0.02 * (hi - lo))
    np.testing.assert_allclose(np.delete(after["code"], 3), np.delete(before["code"], 3))
    assert not np.allclose(after["rows"][0], before["rows"][0]), "the other rows follow the code"
    assert_rows_decode_like(vae8, after)
    assert runs_finished(page) == runs, "the drag needs no script run"
    drawn = page.evaluate("(n) => window.__traversals.traversals.timings.slice(n)", timings)
    print(f"\ndrag -> every row of the 8-D VAE redrawn: median {statistics.median(drawn):.1f} ms, "
          f"max {max(drawn):.1f} ms over {len(drawn)} frames")

    # "Back to the anchor" puts the code back where the rows started.
    page.locator(f"{TRAVERSALS} .tv-reset").click()
    assert state(page, "m1")["code"] == pytest.approx(before["code"])
    assert error_texts(page) == []


def three_class_csv(path, n=240, seed=0):
    """A labelled CSV of ``n`` 8×8 images in the classes 2, 5 and 7 (0..255 pixels)."""
    rng = np.random.default_rng(seed)
    labels = np.array([2, 5, 7])[rng.integers(0, 3, size=n)]
    pixels = rng.integers(0, 60, size=(n, 64))
    for label, rows in ((2, slice(0, 16)), (5, slice(24, 40)), (7, slice(48, 64))):
        pixels[labels == label, rows] += 190  # a band per class, something to learn
    header = "label," + ",".join(f"p{i}" for i in range(64))
    lines = [",".join(map(str, [label, *row])) for label, row in zip(labels, pixels, strict=True)]
    path.write_text("\n".join([header, *lines]) + "\n")
    return path


def test_an_upload_of_three_classes_has_a_three_entry_legend_and_a_valid_interpolation(app_server, page,
                                                                                      tmp_path):
    page.set_viewport_size(DESKTOP)
    open_app(page, f"{app_server.url}/Training_dynamics")
    page.get_by_role("button", name=re.compile(r"^Data: ")).click()
    uploader = page.locator('.st-key-train_data_upload [data-testid="stFileUploaderDropzoneInput"]')
    rerun_after(page, lambda: uploader.set_input_files(three_class_csv(tmp_path / "three.csv")))
    page.keyboard.press("Escape")
    assert page.get_by_text(re.compile(r"^Loaded your 240 images")).count()

    # The latent page trains the default models on the upload, then draws them.
    go_to(page, "Latent space: AE vs VAE")
    page.wait_for_function("() => window.__latentExplorers && window.__latentExplorers.latent"
                           " && window.__latentExplorers.latent.side === 8", timeout=180_000)
    wait_idle(page)
    legend = explorer_eval(page, "Array.from(ex.legendEl.children, (s) => s.textContent)")
    assert legend == ["2", "5", "7"]
    assert error_texts(page) == []

    go_to(page, "Interpolation")
    wait_rendered(page)
    assert error_texts(page) == []
    assert not page.get_by_text("Both ends are the same image").count()
    sentence = page.get_by_text(re.compile(r"^From held-out #\d+ \(a \d\) to held-out #\d+ \(a \d\)\.$"))
    ends = [int(d) for d in re.findall(r"\(a (\d)\)", sentence.inner_text())]
    assert ends == [2, 7]  # two classes the upload has, not the digits' 3 and 7
    names = [trace[1] for trace in json.loads(figure_data(chart(page, "interp_vae_map_chart")))]
    assert [n for n in names if n.isdigit()] == ["2", "5", "7"]
    # The traversals work on the upload's models too.
    page.wait_for_function("() => window.__traversals && window.__traversals.traversals"
                           " && window.__traversals.traversals.side === 8")
