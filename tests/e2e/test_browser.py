"""End-to-end tests: the dashboard in headless Chromium against a real ``streamlit run`` server.

Every wait is on the app's run state (see ``browser_harness``), never a fixed sleep.
"""

from __future__ import annotations

import re

import pytest

from harness.browser import (
    chart,
    error_texts,
    figure_data,
    go_to,
    new_page,
    open_app,
    press_slider,
    rerun_after,
    sidebar_pages,
    slider_value,
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
    "Claims": "Claims",
}


@pytest.mark.parametrize("path", list(PAGES), ids=lambda p: p or "home")
def test_page_loads_without_error(app_server, page, path):
    open_app(page, f"{app_server.url}/{path}")
    assert error_texts(page) == []
    assert page.locator('[data-testid="stDialog"]').count() == 0  # e.g. "Page not found"
    title = page.locator('[data-testid="stMain"] h1').first.inner_text()
    assert PAGES[path] in title  # not Streamlit's fallback to the main page for an unknown URL
    # Plotly charts, or the latent explorer (a custom component).
    charts = page.locator('[data-testid="stPlotlyChart"], [data-testid^="stBidiComponent"]')
    if path == "Claims":
        # Measured claims, each with its verdict, rather than charts.
        verdicts = page.locator('[data-testid="stMarkdown"]').filter(
            has_text=re.compile(r"(The post|This app) says:"))
        assert verdicts.count() >= 10
    elif path:
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


def test_beta_control_changes_the_images(app_server, page):
    open_app(page, f"{app_server.url}/Beta_tradeoff")
    keys = ("beta_recon_chart", "beta_samples_chart")
    before = {key: figure_data(chart(page, key)) for key in keys}
    value = slider_value(page, "β")

    rerun_after(page, lambda: press_slider(page, "β", "ArrowRight"))

    assert slider_value(page, "β") != value
    assert error_texts(page) == []
    for key in keys:
        assert figure_data(chart(page, key)) != before[key], key


def test_temperature_control_changes_the_images(app_server, page):
    open_app(page, f"{app_server.url}/Generation_gallery")
    key = "gen_gallery_chart"
    before = figure_data(chart(page, key))
    value = slider_value(page, "Temperature T")

    rerun_after(page, lambda: press_slider(page, "Temperature T", "ArrowRight"))

    assert slider_value(page, "Temperature T") != value
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
    start = slider_value(page, "β")

    rerun_after(page, lambda: press_slider(page, "β", "ArrowRight"))
    changed = slider_value(page, "β")
    assert changed != start
    assert figure_data(chart(page, "beta_recon_chart")) != before

    # ...and the value holds on the next rerun (a widget change that was dropped snaps back).
    toggle = page.locator('[data-testid="stCheckbox"]').filter(has_text="KL warm-up")
    rerun_after(page, lambda: toggle.locator("label").click())
    wait_idle(page)
    wait_rendered(page)
    assert slider_value(page, "β") == changed
    assert error_texts(page) == []


SIDEBAR_RIGHT = "() => document.querySelector('[data-testid=\"stSidebar\"]').getBoundingClientRect().right"


@pytest.mark.parametrize(("viewport", "stays_open"), [({"width": 390, "height": 844}, False),
                                                      ({"width": 1280, "height": 800}, True)])
def test_a_page_link_closes_the_sidebar_on_a_phone_only(app_server, browser, viewport, stays_open):
    # The app draws its own page links (they carry the view); on a phone the open sidebar covers
    # the page, so a tap on one must close it, as Streamlit's own navigation does.
    page = new_page(browser, viewport=viewport, is_mobile=not stays_open, has_touch=not stays_open)
    try:
        open_app(page, app_server.url)
        if not stays_open:
            page.locator('[data-testid="stExpandSidebarButton"]').first.click()
        page.wait_for_function(f"() => ({SIDEBAR_RIGHT})() > 200")  # open, its links in view
        go_to(page, "Interpolation")
        if stays_open:
            assert page.evaluate(SIDEBAR_RIGHT) > 200
        else:
            page.wait_for_function(f"() => ({SIDEBAR_RIGHT})() <= 0", timeout=10_000)
    finally:
        page.context.close()
