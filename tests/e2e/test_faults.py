"""Faults a hosted demo meets: a visitor who leaves while a model trains, and a server restart.

Training runs as a shared background job (``latent_lab.models.jobs``): sessions that ask for the same
config watch one job, and a job nobody watches any more stops by itself and caches nothing.

- A browser closed mid-training must leave the config neither locked nor half-filled: a session
  that joined the training gets the finished model, and the next session that asks for the config
  gets the same model at once; with nobody else watching, the next request still gets a model.
- A session that asks for a config another session is training joins that job and shares its model.
- A restart (a redeploy, a crash) forgets every session, but a shared link carries its view:
  opened after the restart in a new browser, it shows the same settings and the same pinned
  point.
"""

from __future__ import annotations

import re
import time

import pytest

from harness.browser import (
    assert_same_view,
    error_texts,
    make_a_view,
    new_page,
    open_app,
    read_view,
    rerun_after,
    wait_idle,
    wait_rendered,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

# A config that takes several seconds with the fast recipe (1,000 epochs of a wider network), so
# a browser can leave, or another ask, while it trains. Each test draws its own seed, so no
# earlier test or run has it cached.
EPOCHS, HIDDEN = 1000, 128


def training_link(server, seed):
    """A link to the training page with the form set to the slow config."""
    return (f"{server.url}/Training_dynamics?train_hidden_size={HIDDEN}&train_epochs={EPOCHS}"
            f"&train_seed={seed}")


def unique_seed():
    return 100_000 + time.time_ns() % 1_000_000_000


def progress_text(page):
    return page.locator('[data-testid="stProgress"]').first.inner_text()


def caption(page):
    return page.get_by_text(re.compile(r"^Showing: ")).inner_text()


def open_form(page, server, seed):
    """Open the training page with the form at the slow config."""
    open_app(page, training_link(server, seed))
    assert page.get_by_role("spinbutton", name="Epochs", exact=True).input_value() == str(EPOCHS)


def press_train(page):
    """Press Train, without waiting for the answer."""
    page.locator('[data-testid="stFormSubmitButton"] button').click()


def epoch_shown(page):
    """The epoch this page's progress bar reports now."""
    return int(re.search(rf"epoch (\d+)/{EPOCHS}", progress_text(page)).group(1))


def wait_for_epochs(page):
    """Wait until this page's progress bar reports a training epoch."""
    page.wait_for_function(
        f"""() => [...document.querySelectorAll('[data-testid="stProgress"]')]
                   .some((p) => /epoch \\d+\\/{EPOCHS}/.test(p.innerText))""", timeout=60_000)


def start_training(page, server, seed):
    """Open the form at the slow config and press Train; return once an epoch is reported."""
    open_form(page, server, seed)
    press_train(page)
    wait_for_epochs(page)


def wait_trained(page, seed, timeout=120_000):
    """Wait for the page to show the model of ``seed`` trained on request; return its caption."""
    page.get_by_text(re.compile(rf"^Showing: .*{EPOCHS} epochs.*seed {seed} \(trained on request"))\
        .wait_for(timeout=timeout)
    wait_idle(page, 0, timeout)
    wait_rendered(page, timeout)
    assert error_texts(page) == []
    return caption(page)


def join(page, other):
    """Press Train on ``page`` while ``other`` trains the same config; check it joins that job.

    A job of its own would start from epoch 1: the joined one is at least where ``other`` was.
    """
    at = epoch_shown(other)
    press_train(page)
    wait_for_epochs(page)
    assert epoch_shown(page) >= at, "a second training of the same config started"


def test_a_browser_closed_mid_training_leaves_the_config_trainable(browser, fresh_server):
    seed = unique_seed()
    leaver, waiter = new_page(browser), new_page(browser)
    try:
        open_form(waiter, fresh_server, seed)
        start_training(leaver, fresh_server, seed)
        # A second visitor asks for the same config while the first trains: it joins.
        join(waiter, leaver)
        # The first visitor leaves in the middle of the training.
        assert f"epoch {EPOCHS}/" not in progress_text(leaver)
        leaver.context.close()

        # The one still watching gets the whole model: the job went on without the leaver.
        shown = wait_trained(waiter, seed)

        # A newcomer after that finds the config trained and shared: the same model, at once.
        newcomer = new_page(browser)
        open_form(newcomer, fresh_server, seed)
        rerun_after(newcomer, lambda: press_train(newcomer))
        assert newcomer.locator('[data-testid="stProgress"]').count() == 0  # no training
        assert wait_trained(newcomer, seed) == shown  # the same model: the same training time
        newcomer.context.close()
    finally:
        for page in (leaver, waiter):
            if not page.is_closed():
                page.context.close()


def test_a_browser_closed_mid_training_then_the_next_request_trains(browser, fresh_server):
    seed = unique_seed()
    leaver = new_page(browser)
    start_training(leaver, fresh_server, seed)
    leaver.context.close()  # no one else is watching

    page = new_page(browser)
    try:
        open_form(page, fresh_server, seed)
        press_train(page)
        # Whether it joins the orphaned job or finds it finished, it gets the model: nothing is
        # locked by the session that left.
        shown = wait_trained(page, seed)
        assert f"· {EPOCHS} epochs ·" in shown
    finally:
        page.context.close()


def test_a_second_session_asking_during_training_shares_the_model(browser, app_server):
    seed = unique_seed()
    first, second = new_page(browser), new_page(browser)
    try:
        open_form(second, app_server, seed)
        start_training(first, app_server, seed)
        join(second, first)
        trained = wait_trained(first, seed)
        assert wait_trained(second, seed) == trained  # one model: the same training time
    finally:
        first.context.close()
        second.context.close()


# ----------------------------------------------------------------------------- server restart


def test_a_shared_link_shows_the_same_view_after_a_server_restart(browser, fresh_server):
    maker = new_page(browser)
    view = make_a_view(maker, fresh_server.url)
    assert view["pinned"] is not None
    assert (view["beta_beta"], view["gen_temperature"], view["interp_steps"]) == ("4", "0.60", "12")
    link = maker.url
    maker.context.close()

    fresh_server.restart()  # every session is gone; the link is all there is

    visitor = new_page(browser)
    try:
        open_app(visitor, link)
        assert error_texts(visitor) == []
        assert visitor.locator('[data-testid="stAlertContentWarning"]').count() == 0  # link fully used
        assert_same_view(read_view(visitor), view)
    finally:
        visitor.context.close()
