"""Does the server give its memory back? Sessions come and go, large uploads come and go.

The scenario (``memory_scenario``), against one ``streamlit run`` server:

1. warm-up: one session visits every page (the shipped models, the caches every visitor shares);
2. ordinary sessions, a few at a time: each visits every page, trains a small model of its own and
   explores it on the latent page ("my trained models"), then closes its tab;
3. large uploads, all open at once: each session uploads its own 10,000 images of 28×28 (an
   ``.npz`` well under the upload limit, but 63 MB as float64 pixels) and opens the latent page,
   which trains the default models on them; the server's peak memory is read while all are open;
4. every tab closes; after Streamlit's disconnected-session timeout (the server's
   ``--server.disconnectedSessionTTL``) and a little slack, the server's memory is read again.

Memory is the server process's resident set (``/proc/<pid>/status``: ``VmRSS``) and its peak
(``VmHWM``), in MiB. Used by ``tests/e2e/test_faults.py`` (a small run) and
``scripts/memory_check.py`` (``make memory``: the full run).
"""

from __future__ import annotations

import asyncio
import io
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from harness import crowd
from harness.browser import memory_kib

UPLOAD_SIDE = 28


def upload_file(path: Path, n_images: int = 10_000, seed: int = 0) -> Path:
    """An ``.npz`` of ``n_images`` labelled 28×28 images (the digits, enlarged and shifted).

    Each seed gives other images (other shifts and noise), hence another upload for the server.
    Mostly dark pixels in 16 levels: it compresses to a few MB, under the upload limit.
    """
    from vae_core import load_digits_unit

    rng = np.random.default_rng(seed)
    X, y = load_digits_unit()
    pick = rng.integers(0, len(X), n_images)
    big = np.kron(X[pick].reshape(-1, 8, 8), np.ones((3, 3)))  # (n, 24, 24)
    images = np.zeros((n_images, UPLOAD_SIDE, UPLOAD_SIDE))
    shifts = rng.integers(0, 5, (n_images, 2))
    for i, (dy, dx) in enumerate(shifts):
        images[i, dy:dy + 24, dx:dx + 24] = big[i]
    noise = rng.random(images.shape) < 0.01
    images = np.where(noise, 1.0 - images, images)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, X=np.rint(images * 15).astype(np.uint8) * 17, y=y[pick].astype(np.int64))
    path.write_bytes(buffer.getvalue())
    return path


def rss_mib(pid: int) -> float:
    return round(memory_kib(pid)["VmRSS"] / 1024, 1)


def peak_mib(pid: int) -> float:
    return round(memory_kib(pid)["VmHWM"] / 1024, 1)


@dataclass
class MemoryOptions:
    sessions: int = 30  # ordinary sessions
    at_once: int = 5  # ordinary sessions open at the same time
    uploads: int = 4  # sessions with a large upload, all open together
    upload_images: int = 10_000
    session_ttl_s: float = 120.0  # the server's server.disconnectedSessionTTL
    settle_s: float = 30.0  # after the timeout: Python's and the app's cleanup
    train_epochs: int = 30  # 0: the ordinary sessions train nothing
    explore_uploads: bool = True  # open the latent page on each upload (trains its default models)
    timeout_ms: int = 600_000
    poll_ms: int = 100


@dataclass
class MemoryReport:
    start_mib: float = 0.0
    warm_mib: float = 0.0
    after_sessions_mib: float = 0.0
    sessions_gone_mib: float = 0.0  # after the sessions' timeout
    uploads_open_mib: list = field(default_factory=list)  # after each upload opened its maps
    uploads_peak_mib: float = 0.0  # VmHWM while every upload was open
    all_gone_mib: float = 0.0  # after every session and upload left and the timeout passed
    seconds: float = 0.0
    errors: list = field(default_factory=list)


async def _radio(page, label, option, options):
    """Pick ``option`` of the sidebar radio labelled ``label``, waiting for the rerun."""
    radio = page.locator('[data-testid="stSidebar"] [data-testid="stRadio"]').filter(has_text=label)
    await crowd.act(page, radio.get_by_text(option, exact=True).click, options.timeout_ms, options.poll_ms)


async def _wait_explorer(page, options):
    """Wait until the latent page's explorer is drawn (its models may be training first)."""
    await page.wait_for_function("() => window.__latentExplorers && window.__latentExplorers.latent",
                                 timeout=options.timeout_ms, polling=500)
    await crowd.wait_ready(page, 0, options.timeout_ms, options.poll_ms)


async def _step(report, what, action):
    """Do one action of a visitor; a failure is recorded and the visitor goes on."""
    try:
        await action
        return True
    except Exception as err:  # recorded: memory is measured all the same
        report.errors.append(f"{what}: {err!r}"[:300])
        return False


async def ordinary_session(browser, url, seed, options: MemoryOptions, report: MemoryReport):
    """Visit every page, train a small model, explore it on the latent page; close the tab."""
    page = await crowd.new_visitor_page(browser, options.timeout_ms)
    timeout, poll = options.timeout_ms, options.poll_ms
    try:
        if not await _step(report, "open", crowd.open_app(page, url, timeout, poll)):
            return
        for label in crowd.PAGES[1:]:
            await _step(report, f"visit {label}", crowd.visit(page, label, timeout, poll))
        if not options.train_epochs:
            return
        await _step(report, "visit", crowd.visit(page, crowd.TRAINING, timeout, poll))
        await _step(report, "train", crowd.retrain(page, seed, timeout, poll, epochs=options.train_epochs))
        await _step(report, "visit", crowd.visit(page, crowd.LATENT, timeout, poll))
        if await _step(report, "explore", _radio(page, "Models to explore", "my trained models", options)):
            await _step(report, "explore", _wait_explorer(page, options))
    finally:
        await page.context.close()


async def upload_session(browser, url, path: Path, options: MemoryOptions):
    """Upload ``path`` on the training page and (with ``options.explore_uploads``) open the latent
    page on it, whose default models train on the upload; return the open page."""
    page = await crowd.new_visitor_page(browser, options.timeout_ms)
    await crowd.open_app(page, f"{url}/Training_dynamics", options.timeout_ms, options.poll_ms)
    opener = page.get_by_role("button", name=re.compile(r"^Data: "))
    await opener.click()
    uploader = page.locator('.st-key-train_data_upload [data-testid="stFileUploaderDropzoneInput"]')
    await crowd.act(page, lambda: uploader.set_input_files(str(path)), options.timeout_ms, options.poll_ms)
    await page.keyboard.press("Escape")
    if not await page.get_by_text(re.compile(r"^Loaded your ")).count():
        raise crowd.ActionFailed("the upload was not loaded")
    if options.explore_uploads:
        await crowd.visit(page, crowd.LATENT, options.timeout_ms, options.poll_ms)
        await _wait_explorer(page, options)
    return page


async def _gone(pid, options: MemoryOptions) -> float:
    """The server's memory once the closed sessions' timeout has passed (and some slack)."""
    await asyncio.sleep(options.session_ttl_s + options.settle_s)
    return rss_mib(pid)


async def memory_scenario(browser, server, upload_dir: Path, options: MemoryOptions,
                          log=print) -> MemoryReport:
    """Run the scenario against ``server`` (a started ``StreamlitServer``); see the module."""
    pid, report, t0 = server.process.pid, MemoryReport(), time.perf_counter()
    report.start_mib = rss_mib(pid)
    page = await crowd.new_visitor_page(browser, options.timeout_ms)
    await crowd.open_app(page, server.url, options.timeout_ms, options.poll_ms)
    for label in crowd.PAGES[1:]:
        await _step(report, f"warm-up {label}", crowd.visit(page, label, options.timeout_ms, options.poll_ms))
    await page.context.close()
    report.warm_mib = rss_mib(pid)
    log(f"warm-up: {report.start_mib} -> {report.warm_mib} MiB")

    for first in range(0, options.sessions, options.at_once):
        seeds = range(first, min(first + options.at_once, options.sessions))
        await asyncio.gather(*(ordinary_session(browser, server.url, 9000 + s, options, report)
                               for s in seeds))
        log(f"{seeds[-1] + 1} sessions done: {rss_mib(pid)} MiB")
    report.after_sessions_mib = rss_mib(pid)
    report.sessions_gone_mib = await _gone(pid, options)
    log(f"sessions gone, after their timeout: {report.sessions_gone_mib} MiB")
    if not options.uploads:
        report.all_gone_mib, report.seconds = report.sessions_gone_mib, round(time.perf_counter() - t0, 1)
        return report

    files = [upload_file(upload_dir / f"upload{i}.npz", options.upload_images, seed=i)
             for i in range(options.uploads)]
    pages = []
    for path in files:  # one after another, each kept open
        try:
            pages.append(await upload_session(browser, server.url, path, options))
        except Exception as err:  # recorded, and the run goes on
            report.errors.append(f"upload: {err!r}"[:300])
        report.uploads_open_mib.append(rss_mib(pid))
        log(f"upload {len(report.uploads_open_mib)} open: {report.uploads_open_mib[-1]} MiB "
            f"(peak {peak_mib(pid)} MiB)")
    report.uploads_peak_mib = peak_mib(pid)
    for page in pages:
        await page.context.close()
    report.all_gone_mib = await _gone(pid, options)
    report.seconds = round(time.perf_counter() - t0, 1)
    log(f"everyone gone, after the timeout: {report.all_gone_mib} MiB")
    return report
