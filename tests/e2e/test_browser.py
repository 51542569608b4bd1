"""End-to-end tests: the dashboard in headless Chromium against a real ``streamlit run`` server.

Every wait is on the app's run state (see ``browser_harness``), never a fixed sleep.
"""

from __future__ import annotations

import re

import pytest
from browser_harness import (
    chart,
    click_at,
    empty_spot,
    error_texts,
    figure_data,
    open_app,
    press_slider,
    rerun_after,
    sidebar_pages,
    wait_idle,
    wait_rendered,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

# URL path of each page (Streamlit's native directory mode drops the number prefix) -> its title.
PAGES = {
    "": "Latent Lab",
    "Training_dynamics": "Training dynamics",
    "Latent_space": "Latent space: AE vs VAE",
    "Beta_tradeoff": "The β tradeoff",
    "Interpolation": "Interpolation",
    "Generation_gallery": "Generation gallery",
}


def _slider_value(page, label):
    slider = page.locator('[data-testid="stSlider"]').filter(has_text=label).first
    return slider.get_by_role("slider").first.get_attribute("aria-valuetext")


def _decoded_z(page):
    """The latent point the latent page says it decodes, from its "Decoding z = (a, b)" heading."""
    heading = page.get_by_role("heading", name=re.compile(r"^Decoding z = ")).inner_text()
    a, b = re.findall(r"-?\d+\.\d+", heading)
    return float(a), float(b)


@pytest.mark.parametrize("path", list(PAGES), ids=lambda p: p or "home")
def test_page_loads_without_error(app_server, page, path):
    open_app(page, f"{app_server.url}/{path}")
    assert error_texts(page) == []
    assert page.locator('[data-testid="stDialog"]').count() == 0  # e.g. "Page not found"
    title = page.locator('[data-testid="stMain"] h1').first.inner_text()
    assert PAGES[path] in title  # not Streamlit's fallback to the main page for an unknown URL
    charts = page.locator('[data-testid="stPlotlyChart"]')
    if path:
        assert charts.count() > 0


@pytest.mark.parametrize("path", ["", "Beta_tradeoff"], ids=["home", "beta"])
def test_sidebar_lists_every_page_by_its_title(app_server, page, path):
    open_app(page, f"{app_server.url}/{path}")
    links = sidebar_pages(page)
    # The landing page reads "Home", not "app" after its file; the others read as their titles.
    assert [label for label, _ in links] == ["Home", *list(PAGES.values())[1:]]
    hrefs = [href.rstrip("/").rsplit("/", 1)[-1] for _, href in links[1:]]
    assert hrefs == list(PAGES)[1:]
    assert page.locator('[data-testid="stSidebarNav"]').count() == 0  # Streamlit's own list

    rerun_after(page, lambda: page.locator('[data-testid="stSidebar"] a').filter(
        has_text="Generation gallery").click())
    assert page.locator('[data-testid="stMain"] h1').first.inner_text() == "Generation gallery"


@pytest.mark.parametrize("model", ["ae", "vae"])
def test_click_in_empty_latent_space_decodes_both_models(app_server, page, model):
    open_app(page, f"{app_server.url}/Latent_space")
    images = {name: chart(page, f"latent_{name}_image_chart") for name in ("ae", "vae")}
    before = {name: figure_data(c) for name, c in images.items()}

    latent_map = chart(page, f"latent_{model}_chart")
    spot = empty_spot(latent_map)
    assert spot is not None, "no free spot to click on the map"
    assert spot["nPoints"] > 1000 and spot["distPx"] > 8, spot  # really between clusters
    rerun_after(page, lambda: click_at(page, spot["x"], spot["y"]))

    assert error_texts(page) == []
    decoded = _decoded_z(page)
    # The click lands on the nearest point of the invisible click grid (about 1/30 of the axis).
    x_span = latent_map.evaluate("(c) => c.querySelector('.js-plotly-plot')._fullLayout.xaxis.range")
    tolerance = 0.05 * abs(x_span[1] - x_span[0])
    assert decoded == pytest.approx((spot["dataX"], spot["dataY"]), abs=tolerance)
    assert page.get_by_text(f"Clicked on the {model.upper()} map.").is_visible()
    for name, image in images.items():
        assert image.locator(".main-svg").first.is_visible()
        assert figure_data(image) != before[name], f"{name.upper()} image did not change"


def test_beta_control_changes_the_images(app_server, page):
    open_app(page, f"{app_server.url}/Beta_tradeoff")
    keys = ("beta_recon_chart", "beta_samples_chart")
    before = {key: figure_data(chart(page, key)) for key in keys}
    value = _slider_value(page, "β")

    rerun_after(page, lambda: press_slider(page, "β", "ArrowRight"))

    assert _slider_value(page, "β") != value
    assert error_texts(page) == []
    for key in keys:
        assert figure_data(chart(page, key)) != before[key], key


def test_temperature_control_changes_the_images(app_server, page):
    open_app(page, f"{app_server.url}/Generation_gallery")
    key = "gen_gallery_chart"
    before = figure_data(chart(page, key))
    value = _slider_value(page, "Temperature T")

    rerun_after(page, lambda: press_slider(page, "Temperature T", "ArrowRight"))

    assert _slider_value(page, "Temperature T") != value
    assert error_texts(page) == []
    assert figure_data(chart(page, key)) != before


@pytest.mark.parametrize("entry", ["direct", "via_home"])
def test_first_widget_change_on_fresh_server_is_kept(fresh_server, page, entry):
    """The first browser session after a server start must not lose its first widget change.

    With ``st.navigation`` and a folder named ``pages/``, Streamlit runs that session's first
    script run in legacy directory mode and the first widget change is dropped.
    """
    if entry == "direct":
        open_app(page, f"{fresh_server.url}/Beta_tradeoff")
    else:
        open_app(page, fresh_server.url)
        link = page.locator('[data-testid="stSidebar"] a[href$="Beta_tradeoff"]')
        rerun_after(page, link.click)
    # With st.navigation and a pages/ folder, this session's first run says "Page not found".
    assert page.locator('[data-testid="stDialog"]').count() == 0
    before = figure_data(chart(page, "beta_recon_chart"))
    start = _slider_value(page, "β")

    rerun_after(page, lambda: press_slider(page, "β", "ArrowRight"))
    changed = _slider_value(page, "β")
    assert changed != start
    assert figure_data(chart(page, "beta_recon_chart")) != before

    # ...and the value holds on the next rerun (a widget change that was dropped snaps back).
    toggle = page.locator('[data-testid="stCheckbox"]').filter(has_text="KL warm-up")
    rerun_after(page, lambda: toggle.locator("label").click())
    wait_idle(page)
    wait_rendered(page)
    assert _slider_value(page, "β") == changed
    assert error_texts(page) == []
