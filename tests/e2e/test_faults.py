"""Faults a hosted demo meets: a visitor who leaves while a model trains, and a server restart.

Training runs as a shared background job (``latent_lab.models.jobs``): sessions that ask for the same
config watch one job, and a job nobody watches any more stops by itself and caches nothing.

- A browser closed mid-training must leave the config neither locked nor half-filled: a session
  that joined the training gets the finished model, and the next session that asks for the config
  gets the same model at once; with nobody else watching, the next request still gets a model.
- A session that asks for a config another session is training joins that job and shares its model;
  its Stop ends its own watching (it gets the model trained so far), not the run the other watches.
- A restart (a redeploy, a crash) forgets every session, but a shared link carries its view:
  opened after the restart in a new browser, it shows the same settings and the same pinned
  point. A tab left open across the restart reruns as soon as it reconnects, says what its old
  session held that is gone (an uploaded model), and its next click is carried out.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import re
import time

import pytest
from playwright.async_api import async_playwright

from harness import crowd
from harness.browser import (
    REPO_ROOT,
    StreamlitServer,
    assert_same_view,
    error_texts,
    make_a_view,
    new_page,
    open_app,
    read_view,
    rerun_after,
    restart_under,
    runs_finished,
    wait_idle,
    wait_rendered,
)
from harness.memory import MemoryOptions, memory_scenario

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

# A config that takes several seconds with the fast recipe (1,000 epochs of a wider network), so
# a browser can leave, or another ask, while it trains. Each test draws its own seed, so no
# earlier test or run has it cached.
EPOCHS, HIDDEN = 1000, 128


def training_link(server, seed, batch=None):
    """A link to the training page with the form set to the slow config (slower with a small ``batch``),
    shown as it trains (``train_pace=0``: these tests watch the trainer's jobs, not a replay)."""
    return (f"{server.url}/Training_dynamics?train_pace=0&train_hidden_size={HIDDEN}&train_epochs={EPOCHS}"
            f"&train_seed={seed}" + (f"&train_batch_size={batch}" if batch else ""))


def unique_seed():
    return 100_000 + time.time_ns() % 1_000_000_000


def progress_text(page):
    return page.locator('[data-testid="stProgress"]').first.inner_text()


def caption(page):
    return page.get_by_text(re.compile(r"^Showing: ")).inner_text()


def open_form(page, server, seed, batch=None):
    """Open the training page with the form at the slow config."""
    open_app(page, training_link(server, seed, batch))
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


def start_training(page, server, seed, batch=None):
    """Open the form at the slow config and press Train; return once an epoch is reported."""
    open_form(page, server, seed, batch)
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


@pytest.mark.timeout(300)  # A trains its whole run on a busy machine
def test_one_visitors_stop_leaves_the_run_another_visitor_watches(browser, app_server):
    seed = unique_seed()
    a, b = new_page(browser), new_page(browser)
    try:
        open_form(b, app_server, seed, batch=32)
        start_training(a, app_server, seed, batch=32)
        join(b, a)  # B asks for the configuration A is training: one shared run
        b.locator(".st-key-train_stop_button").get_by_role("button", name="Stop").click()  # B presses Stop
        note = b.get_by_text(re.compile(rf"Stopped after epoch \d+ of {EPOCHS}")).first
        note.wait_for(timeout=60_000)
        stopped_at = int(re.search(r"Stopped after epoch (\d+)", note.inner_text()).group(1))
        wait_idle(b, 0)
        assert f"· {stopped_at} epochs ·" in caption(b)  # B has the model trained so far
        # A's run goes on past the epoch B stopped at, to its end.
        a.wait_for_function(
            f"""() => {{ const p = document.querySelector('[data-testid="stProgress"]');
                        const m = p && /epoch (\\d+)\\/{EPOCHS}/.exec(p.innerText);
                        return (m && +m[1] > {stopped_at} + 5) || /Showing: /.test(document.body.innerText); }}""",
            timeout=60_000)
        shown = wait_trained(a, seed)
        assert f"· {EPOCHS} epochs ·" in shown and "Stopped after" not in a.locator("body").inner_text()
    finally:
        a.context.close()
        b.context.close()


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


def test_a_tab_open_across_a_restart_reruns_says_what_was_lost_and_keeps_its_next_click(browser, fresh_server):
    page = new_page(browser)
    try:
        open_app(page, f"{fresh_server.url}/Training_dynamics")
        page.get_by_role("button", name=re.compile("Load a saved model")).click()
        uploader = page.locator('.st-key-train_upload [data-testid="stFileUploaderDropzoneInput"]')
        rerun_after(page, lambda: uploader.set_input_files(REPO_ROOT / "assets" / "ae_default.npz"))
        page.keyboard.press("Escape")
        assert "uploaded file ae_default.npz" in caption(page).replace("\\", "")

        runs = runs_finished(page)
        restart_under(page, fresh_server)  # the tab stays open, showing the uploaded model
        wait_idle(page, runs, 60_000)  # it reruns by itself, with no click
        notice = page.locator('[data-testid="stAlertContentWarning"]').first.inner_text()
        assert "server restarted" in notice and "models you trained or loaded" in notice
        assert caption(page).startswith("Showing: VAE") and "shipped default" in caption(page)
        assert error_texts(page) == []

        # The next click is carried out, on the model the page now shows.
        step = page.locator(".st-key-train_step_button").get_by_role("button", name="Step: 1 epoch")
        rerun_after(page, step.click)
        page.get_by_text(re.compile(r"^Showing: VAE.*· 301 epochs ·")).wait_for(timeout=120_000)
        assert error_texts(page) == []
    finally:
        page.context.close()


# ----------------------------------------------------------------------------- memory


@pytest.mark.timeout(600)
def test_memory_comes_back_when_sessions_and_their_large_uploads_leave(tmp_path):
    """A small ``make memory`` (tests/load/test_memory.py): three visitors of every page, then two
    uploads of 10,000 images of 28×28 (60 MB each as pixels), leave; Streamlit keeps a closed
    tab's session for 5 s here. Their memory must come back, not stay with sessions nobody can
    reach (it stayed: Streamlit drops an expired session only when another tab disconnects)."""
    options = MemoryOptions(sessions=3, at_once=3, uploads=2, explore_uploads=False, session_ttl_s=5,
                            settle_s=30, train_epochs=0)
    args = ["--server.disconnectedSessionTTL", str(options.session_ttl_s)]
    with StreamlitServer(REPO_ROOT, log_path=tmp_path / "server.log", args=args) as server, \
            concurrent.futures.ThreadPoolExecutor(1) as thread:  # its own event loop, beside the sync tests'
        report = thread.submit(asyncio.run, _memory_run(server, tmp_path, options)).result()
    assert report.errors == [], report.errors[:3]
    assert max(report.uploads_open_mib) - report.sessions_gone_mib > 100, report  # they did hold it
    assert report.all_gone_mib - report.warm_mib < 100 * 1e6 / 2**20, report


async def _memory_run(server, tmp_path, options):
    async with async_playwright() as pw:
        browser = await crowd.launch(pw)
        try:
            return await memory_scenario(browser, server, tmp_path, options, log=lambda line: None)
        finally:
            await browser.close()

