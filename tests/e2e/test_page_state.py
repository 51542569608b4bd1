"""Settings survive what a person does in a real browser: page switches, clicks that rerun a
fragment, a training (Train, Stop, Continue) and a server restart with the tab left open.

Each page's moved setting is read back from what the page shows (a slider's value, a box's
number, the decoded point's heading), never from the server.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from harness.browser import (
    click_at,
    error_texts,
    explorer_empty_spot,
    go_to,
    open_app,
    pinned_point,
    press_key,
    rerun_after,
    restart_under,
    slider_text,
    wait_idle,
    wait_rendered,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

TRAINING, LATENT, BETA = "Training dynamics", "Latent space: AE vs VAE", "The β tradeoff"
INTERP, GALLERY, HOME = "Interpolation", "Generation gallery", "Home"


def click_map(page, map_id):
    """Click empty space on a latent map: it pins that point."""
    page.wait_for_function("() => window.__latentExplorers && window.__latentExplorers.latent")
    spot = explorer_empty_spot(page, map_id)
    rerun_after(page, lambda: click_at(page, spot["x"], spot["y"]))
    return pinned_point(page, digits=6)


def manifold_toggle(page):
    return page.locator(".st-key-latent_manifold")


def no_errors(page, where):
    errors = error_texts(page)
    assert errors == [], f"{where}: {errors}"


def move_a_setting_on_every_page(page):
    """Move one setting on every page and click both latent maps; return what each page shows."""
    shown = {}
    go_to(page, TRAINING)
    shown["train_snapshot"] = press_key(page, "train_snapshot", "ArrowLeft", 3)
    go_to(page, LATENT)
    shown["ae click"] = click_map(page, "ae")
    shown["vae click"] = click_map(page, "vae")  # the latest click wins
    rerun_after(page, lambda: manifold_toggle(page).locator("label").click())
    shown["latent_manifold_n"] = press_key(page, "latent_manifold_n", "ArrowRight", 2)
    go_to(page, BETA)
    shown["beta_beta"] = press_key(page, "beta_beta", "ArrowRight")
    go_to(page, INTERP)
    shown["interp_steps"] = press_key(page, "interp_steps", "ArrowLeft", 2)
    go_to(page, GALLERY)
    shown["gen_temperature"] = press_key(page, "gen_temperature", "ArrowRight", 3)
    no_errors(page, "while moving settings")
    defaults = {"train_snapshot": "300", "latent_manifold_n": "10", "beta_beta": "1",
                "interp_steps": "9", "gen_temperature": "1.00"}
    for label, default in defaults.items():
        assert shown[label] != default, f"{label} did not move"
    return shown


def check_every_page(page, shown, order):
    """Visit the pages in ``order``; each must show its moved setting and no error."""
    for title in order:
        go_to(page, title)
        no_errors(page, title)
        if title == TRAINING:
            assert slider_text(page, "train_snapshot") == shown["train_snapshot"]
        elif title == LATENT:
            # The page state keeps 6 decimals of the clicked point.
            assert pinned_point(page, digits=6) == pytest.approx(shown["vae click"], abs=1e-5)
            assert manifold_toggle(page).locator("input").is_checked()
            assert slider_text(page, "latent_manifold_n") == shown["latent_manifold_n"]
        elif title == BETA:
            assert slider_text(page, "beta_beta") == shown["beta_beta"]
        elif title == INTERP:
            assert slider_text(page, "interp_steps") == shown["interp_steps"]
        elif title == GALLERY:
            assert slider_text(page, "gen_temperature") == shown["gen_temperature"]


def test_a_tour_of_every_page_keeps_every_setting_also_across_a_restart(fresh_server, page):
    open_app(page, fresh_server.url)
    shown = move_a_setting_on_every_page(page)
    check_every_page(page, shown, [LATENT, TRAINING, HOME, INTERP, BETA, GALLERY, LATENT])
    # Clicks on the latent maps rerun a fragment: the other pages must not lose anything.
    shown["vae click"] = click_map(page, "vae")
    check_every_page(page, shown, [TRAINING, BETA, GALLERY, INTERP, TRAINING, LATENT])

    restart_under(page, fresh_server)  # the tab stays open on the latent page
    check_every_page(page, shown, [GALLERY, BETA, TRAINING, INTERP, LATENT, HOME, GALLERY])
    # The first change after the restart counts, and so does the next.
    go_to(page, BETA)
    assert press_key(page, "beta_beta", "ArrowRight") == "4"
    go_to(page, GALLERY)
    before = float(slider_text(page, "gen_temperature"))
    assert float(press_key(page, "gen_temperature", "ArrowRight")) == pytest.approx(before + 0.1)


def test_training_page_survives_a_click_on_a_latent_map(app_server, page):
    open_app(page, f"{app_server.url}/Training_dynamics")
    go_to(page, LATENT)
    click_map(page, "ae")
    for _ in range(2):  # it used to fail on this visit and every later one
        go_to(page, TRAINING)
        no_errors(page, TRAINING)
        assert page.locator('[data-testid="stPlotlyChart"]').count() >= 4
        go_to(page, LATENT)


@pytest.mark.parametrize("elsewhere", ["latent map click", "snapshot slider"])
def test_a_fragment_rerun_elsewhere_keeps_the_gallery_temperature(app_server, page, elsewhere):
    open_app(page, f"{app_server.url}/Generation_gallery")
    assert press_key(page, "gen_temperature", "ArrowRight", 3) == "1.30"
    if elsewhere == "latent map click":
        go_to(page, LATENT)
        click_map(page, "vae")
    else:
        go_to(page, TRAINING)
        press_key(page, "train_snapshot", "ArrowLeft")
    go_to(page, GALLERY)
    assert slider_text(page, "gen_temperature") == "1.30"


def test_first_change_after_a_server_restart_is_kept(fresh_server, page):
    open_app(page, f"{fresh_server.url}/Generation_gallery")
    assert press_key(page, "gen_temperature", "ArrowRight", 9) == "1.90"
    restart_under(page, fresh_server)
    assert press_key(page, "gen_temperature", "ArrowRight") == "2.00"
    assert press_key(page, "gen_temperature", "ArrowRight") == "2.10"
    no_errors(page, GALLERY)


def test_a_number_typed_out_of_range_is_explained_on_the_page(app_server, page):
    open_app(page, f"{app_server.url}/Training_dynamics")
    caption = page.get_by_text(re.compile(r"^Showing: ")).inner_text()
    page.get_by_role("spinbutton", name="Epochs", exact=True).fill("5000")
    train = page.locator('[data-testid="stFormSubmitButton"] button')
    rerun_after(page, train.click)
    error = page.locator('[data-testid="stAlertContentError"]').inner_text()
    assert "Epochs" in error and "1 to 1000" in error and "5000" in error
    assert page.get_by_text(re.compile(r"^Showing: ")).inner_text() == caption  # model kept


# ----------------------------------------------------------------------------- the training form
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


# How far down the page (not the view: it may be scrolled) an element's bottom is.
FROM_THE_TOP = """(el) => {
  let y = el.getBoundingClientRect().bottom + window.scrollY;
  for (let p = el.parentElement; p; p = p.parentElement) y += p.scrollTop;
  return y; }"""


def form_shows(page, keys):
    """What the training form's boxes show (folded or not), by widget key."""
    return {key: page.locator(f".st-key-{key} input").input_value() for key in keys}


def fill(page, values):
    for key, value in values.items():
        page.locator(f".st-key-{key} input").fill(value)


def unfold_settings(page):
    """Open the training settings, which fold away once a training was asked for."""
    summary = page.locator('[data-testid="stMain"] summary').filter(has_text="Model and training settings")
    if summary.locator("xpath=..").get_attribute("open") is None:
        summary.click()
    expect(page.locator(".st-key-train_epochs input")).to_be_visible()


def showing(page, *parts, timeout=120_000):
    """Wait until the page shows a model whose caption has every one of ``parts``; return it."""
    caption = page.get_by_text(re.compile(r"^Showing: ")).filter(
        has_text=re.compile("".join(f"(?=.*{re.escape(part)})" for part in parts)))
    expect(caption).to_be_visible(timeout=timeout)
    wait_idle(page)
    wait_rendered(page)
    return caption.first


def test_the_training_form_keeps_what_was_trained_through_train_stop_continue_and_a_walk(app_server, page):
    page.set_viewport_size(DESKTOP)
    open_app(page, f"{app_server.url}/Training_dynamics")
    chosen = {"train_latent_dim": "8", "train_beta": "2.00", "train_epochs": "150", "train_seed": "5"}
    fill(page, chosen)
    page.locator(".st-key-train_submit_button button").click()
    showing(page, "β 2 ·", "latent 8", "150 epochs", "seed 5")
    assert form_shows(page, chosen) == chosen  # was: β 1.00, 300 epochs, seed 0, latent 2
    no_errors(page, "after Train")

    # Stop, on a phone: the results must come first, not 2,000 px of settings.
    page.set_viewport_size(PHONE)
    unfold_settings(page)
    longer = {**chosen, "train_epochs": "1000", "train_batch_size": "16"}  # seconds of training
    fill(page, longer)
    page.locator(".st-key-train_submit_button button").click()
    stop = page.locator(".st-key-train_stop_button").get_by_role("button", name="Stop")
    expect(stop).to_be_visible(timeout=60_000)
    stop.click()
    expect(page.get_by_text(re.compile(r"Stopped after epoch \d+ of 1000"))).to_be_visible(timeout=60_000)
    bottom = showing(page, "latent 8", "stopped").evaluate(FROM_THE_TOP)
    assert bottom < PHONE["height"], f"the results start {bottom:.0f} px down the page"
    assert not page.locator(".st-key-train_epochs input").is_visible()  # the settings stay folded
    assert form_shows(page, longer) == longer
    no_errors(page, "after Stop")

    unfold_settings(page)
    more = page.locator(".st-key-train_more input")
    rerun_after(page, lambda: (more.fill("7"), more.press("Enter")))
    page.locator(".st-key-train_continue_button").get_by_role("button", name="Continue +7").click()
    showing(page, "latent 8", "continued")
    assert form_shows(page, longer) == longer and form_shows(page, ["train_more"]) == {"train_more": "7"}
    no_errors(page, "after Continue")

    page.set_viewport_size(DESKTOP)
    for title in (GALLERY, LATENT, TRAINING):
        go_to(page, title)
    assert form_shows(page, longer) == longer and form_shows(page, ["train_more"]) == {"train_more": "7"}
    no_errors(page, "after a walk")


def test_a_links_snapshot_epoch_is_the_epoch_on_view(app_server, page):
    open_app(page, f"{app_server.url}/Training_dynamics?train_snapshot=145")  # the shipped VAE has 145
    assert slider_text(page, "train_snapshot") == "145" and "train_snapshot=145" in page.url
    # An epoch it has no snapshot at: the last, and the link stops naming an epoch (was: =300).
    open_app(page, f"{app_server.url}/Training_dynamics?train_snapshot=150")
    assert slider_text(page, "train_snapshot") == "300" and "train_snapshot" not in page.url
    # A model the link trains: its epoch, once it is trained.
    view = "vae_fast_8_32_2.0_0_150_128_adam_0.01_9"
    open_app(page, f"{app_server.url}/Training_dynamics?train_view={view}&train_snapshot=72")
    showing(page, "latent 8", "150 epochs", "seed 9", "from the link")
    assert slider_text(page, "train_snapshot") == "72" and "train_snapshot=72" in page.url
    no_errors(page, "a link's snapshot")
