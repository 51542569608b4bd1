"""Many browser sessions against one ``streamlit run`` server, and what each action costs it.

Playwright's async API: one headless Chromium, one browser context (hence one Streamlit session)
per visitor, all driven from one asyncio loop. Playwright's sync API cannot be shared between
threads, and a browser per thread would be twenty Chromiums; with asyncio the visitors really act
at the same time while Python only waits.

A visitor does what a person does, through the page: it opens the app, goes to another page by
its sidebar link, moves that page's slider, clicks the latent map (which pins a point), and now
and then retrains a small model on the Training dynamics page with a seed drawn from a pool, so
some trainings hit the shared model cache and some miss it. Every action waits on the app's run
state (``browser_harness``), never on a fixed sleep; visitors pause between actions for a short,
random "think time", as people do.

Measured, per action:

- latency in the browser: from the mouse-down or key-down that started the action to the last
  "script finished" message of the rerun it caused (both ``performance.now()`` in the page, so
  Python's and Playwright's round trips don't count), and the wall time until the page is idle
  and drawn, seen from Python;
- errors: a wait that timed out, an exception or ``st.error`` element on the page, a wrong page
  or model after the action, an uncaught JavaScript error.

And for the server process (``/proc/<pid>``): its CPU time (user + system, all threads), its
resident memory sampled twice a second and its peak (``VmHWM``).
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import statistics
import time
from dataclasses import dataclass, field

from playwright.async_api import Error as PlaywrightError

from harness.browser import (
    CHROMIUM_ARGS,
    ERROR_SELECTOR,
    HEADING_IS_JS,
    IDLE_JS,
    PAGE_LINKS,
    RENDERED_JS,
    RUN_COUNTER_JS,
    VIEWPORT,
    chromium_executable,
    cpu_seconds,
    descendants,
    machine_cpu_seconds,
    memory_kib,
    page_title,
    tree_cpu_seconds,
)

TRAINING, LATENT, BETA = "Training dynamics", "Latent space: AE vs VAE", "The β tradeoff"
INTERP, GALLERY, HOME = "Interpolation", "Generation gallery", "Home"
PAGES = (HOME, TRAINING, LATENT, BETA, INTERP, GALLERY)
# The slider a visitor moves on each page (by widget key); the latent page gets map clicks.
SLIDERS = {TRAINING: "train_snapshot", BETA: "beta_beta", INTERP: "interp_steps",
           GALLERY: "gen_temperature"}
ACTIONS = ("open", "visit", "slider", "click", "train")

# The harness's run counter counts animation frames forever (a requestAnimationFrame loop), which
# costs an idle page about 0.07 of a core in headless Chromium: 20 pages would burn 1.5 of this
# machine's 2 cores doing nothing. The crowd's pages count frames only for a few frames after
# each finished run, which is all that waiting for a drawn rerun needs.
_FOREVER = """  const tick = () => { window.__stFramesSinceFinish += 1; requestAnimationFrame(tick); };
  requestAnimationFrame(tick);"""
_AFTER_RUNS = """  let ticking = false;
  const tick = () => {
    window.__stFramesSinceFinish += 1;
    if (window.__stFramesSinceFinish < 3) requestAnimationFrame(tick); else ticking = false;
  };
  const startTicks = () => { if (!ticking) { ticking = true; requestAnimationFrame(tick); } };"""
_ON_FINISH = "window.__stFramesSinceFinish = 0;\n          window.__stFinishedAt"
assert _FOREVER in RUN_COUNTER_JS and _ON_FINISH in RUN_COUNTER_JS
LIGHT_RUN_COUNTER_JS = RUN_COUNTER_JS.replace(_FOREVER, _AFTER_RUNS).replace(
    _ON_FINISH, "startTicks();\n          " + _ON_FINISH)

# A visitor's window: a laptop's (fewer pixels to draw than the browser tests' window).
LAPTOP = {"width": 1280, "height": 800}
# Epochs of the model a visitor retrains: small, so a training is about as long as a page visit.
TRAIN_EPOCHS = 100

# When the action started, in the page's clock: the mouse-down or key-down that caused it; and the
# bytes the server has sent over the app's WebSocket so far.
ACTION_CLOCK_JS = """
(() => {
  window.__llActionAt = null;
  window.__llBytesIn = 0;
  const mark = () => { window.__llActionAt = performance.now(); };
  document.addEventListener('mousedown', mark, true);
  document.addEventListener('keydown', mark, true);
  const Counted = window.WebSocket;
  window.WebSocket = class extends Counted {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (event) => {
        if (event.data instanceof ArrayBuffer) window.__llBytesIn += event.data.byteLength;
      });
    }
  };
})();
"""

# Viewport coordinates of the point at fractions (fx, fy) of a latent map's plot area.
MAP_POINT_JS = """
([mapId, fx, fy]) => {
  const ex = window.__latentExplorers.latent, m = ex.maps.find((m) => m.spec.id === mapId);
  m.canvas.scrollIntoView({block: 'center'});
  const g = m.geometry(), box = m.canvas.getBoundingClientRect();
  return {x: box.left + 30 + g.pw * fx, y: box.top + 14 + g.ph * fy};
}
"""


class ActionFailed(AssertionError):
    """An action did not end as a person would see it end: the count of errors."""


# ----------------------------------------------------------------------------- one page, async


async def runs_finished(page):
    return await page.evaluate("window.__stRunsFinished")


async def wait_ready(page, after_runs, timeout_ms, poll_ms):
    """Wait until a run after ``after_runs`` finished, the app is idle and every chart is drawn."""
    try:
        await page.wait_for_function(IDLE_JS, arg=after_runs, timeout=timeout_ms, polling=poll_ms)
        await page.wait_for_function(RENDERED_JS, timeout=timeout_ms, polling=poll_ms)
    except Exception as err:  # Playwright's TimeoutError, or the page went away
        raise ActionFailed(f"no rerun finished and drew within {timeout_ms / 1000:.0f} s "
                           f"({type(err).__name__})") from None


async def act(page, action, timeout_ms, poll_ms):
    """Do ``action()`` and wait for the rerun it causes; (browser latency s, wall s)."""
    before = await runs_finished(page)
    start = time.perf_counter()
    await action()
    await wait_ready(page, before, timeout_ms, poll_ms)
    wall = time.perf_counter() - start
    began, finished = await page.evaluate("[window.__llActionAt, window.__stFinishedAt]")
    browser = (finished - began) / 1000 if began is not None and finished >= began else wall
    errors = await page.locator(ERROR_SELECTOR).all_inner_texts()
    if errors:
        raise ActionFailed(f"error on the page: {errors[0][:200]}")
    return browser, wall


async def new_visitor_page(browser, timeout_ms=120_000, viewport=VIEWPORT):
    context = await browser.new_context(viewport=viewport)
    context.set_default_timeout(timeout_ms)  # clicks and reads, under load too
    await context.add_init_script(LIGHT_RUN_COUNTER_JS)
    await context.add_init_script(ACTION_CLOCK_JS)
    return await context.new_page()


async def open_app(page, url, timeout_ms, poll_ms):
    """Load ``url``; (browser s from navigation start to the first run finished, wall s)."""
    start = time.perf_counter()
    await page.goto(url, timeout=timeout_ms)
    await wait_ready(page, 0, timeout_ms, poll_ms)
    wall = time.perf_counter() - start
    return await page.evaluate("window.__stFinishedAt") / 1000, wall


async def heading(page):
    return await page.locator('[data-testid="stMain"] h1').first.inner_text()


async def visit(page, label, timeout_ms, poll_ms):
    """Go to page ``label`` by its sidebar link (its title first, then idle: ``HEADING_IS_JS``)."""
    link = page.locator(PAGE_LINKS).filter(has_text=label).first
    title = page_title(label)

    async def click_and_arrive():
        await link.click()
        try:
            await page.wait_for_function(HEADING_IS_JS, arg=title, timeout=timeout_ms, polling=poll_ms)
        except Exception:  # Playwright's TimeoutError, or the page went away
            raise ActionFailed(f"went to {label!r}, but after {timeout_ms / 1000:.0f} s the page "
                               f"says {await heading(page)!r}") from None

    return await act(page, click_and_arrive, timeout_ms, poll_ms)


async def slide(page, key, rng, timeout_ms, poll_ms):
    """Move slider ``key`` one step, towards whichever end it is not at."""
    thumb = page.locator(f".st-key-{key}").get_by_role("slider").first
    # An <input type="range">: for a select slider its value is the option's index.
    now, low, high = (float(v) for v in await thumb.evaluate("(el) => [el.value, el.min, el.max]"))
    key_name = ("ArrowLeft" if now >= high else "ArrowRight" if now <= low
                else rng.choice(("ArrowLeft", "ArrowRight")))
    before = await thumb.get_attribute("aria-valuetext")

    async def press():
        await thumb.focus()
        await thumb.press(key_name)

    took = await act(page, press, timeout_ms, poll_ms)
    after = await page.locator(f".st-key-{key}").get_by_role("slider").first.get_attribute(
        "aria-valuetext")
    if after == before:
        raise ActionFailed(f"slider {key} did not move ({before})")
    return took


async def click_map(page, rng, timeout_ms, poll_ms):
    """Click a random point of one of the two latent maps: the page pins it."""
    await page.wait_for_function("() => window.__latentExplorers && window.__latentExplorers.latent",
                                 timeout=timeout_ms)
    map_id = rng.choice(("ae", "vae"))
    spot = await page.evaluate(MAP_POINT_JS, [map_id, rng.uniform(0.15, 0.85), rng.uniform(0.15, 0.85)])

    async def click():
        await page.mouse.move(spot["x"] - 3, spot["y"] - 3)
        await page.mouse.move(spot["x"], spot["y"])
        await page.mouse.click(spot["x"], spot["y"])

    took = await act(page, click, timeout_ms, poll_ms)
    if await page.evaluate("window.__latentExplorers.latent.pinned") is None:
        raise ActionFailed("a click on the latent map pinned nothing")
    return took


async def retrain(page, seed, timeout_ms, poll_ms, epochs=TRAIN_EPOCHS):
    """On the training page: train the default VAE for ``epochs`` with ``seed``."""
    await page.get_by_role("spinbutton", name="Seed", exact=True).fill(str(seed))
    await page.get_by_role("spinbutton", name="Epochs", exact=True).fill(str(epochs))
    train = page.locator('[data-testid="stFormSubmitButton"] button')
    took = await act(page, train.click, timeout_ms, poll_ms)
    caption = await page.get_by_text(re.compile(r"^Showing: ")).inner_text()
    if f"seed {seed}" not in caption or f"{epochs} epochs" not in caption:
        raise ActionFailed(f"trained seed {seed}, {epochs} epochs, but the page shows {caption!r}")
    return took


# ----------------------------------------------------------------------------- what is recorded


@dataclass
class Record:
    session: int
    action: str
    page: str
    browser_s: float
    wall_s: float
    at_s: float  # when it ended, from the start of the phase
    detail: str = ""


@dataclass
class Log:
    """What every visitor did and what went wrong."""

    start: float = field(default_factory=time.perf_counter)
    acting_from: float = 0.0  # seconds from start when the whole crowd began to act
    records: list[Record] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)

    def record(self, session, action, page, took, detail=""):
        self.records.append(Record(session, action, page, round(took[0], 4), round(took[1], 4),
                                   round(time.perf_counter() - self.start, 2), detail))

    def error(self, session, action, page, message):
        self.errors.append({"session": session, "action": action, "page": page,
                            "message": message, "at_s": round(time.perf_counter() - self.start, 2)})


def percentile(values, q):
    """The ``q``-th percentile (0-100) by linear interpolation; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def latency_table(records):
    """Per action type: count, p50 and p95 of the browser latency and of the wall time."""
    table = {}
    for action in ACTIONS:
        rows = [r for r in records if r.action == action]
        if not rows:
            continue
        browser = [r.browser_s for r in rows]
        wall = [r.wall_s for r in rows]
        table[action] = {"count": len(rows),
                         "p50_s": round(percentile(browser, 50), 3),
                         "p95_s": round(percentile(browser, 95), 3),
                         "mean_s": round(statistics.fmean(browser), 3),
                         "wall_p50_s": round(percentile(wall, 50), 3),
                         "wall_p95_s": round(percentile(wall, 95), 3)}
    return table


class Meter:
    """Samples the server's memory and the client's CPU while a phase runs (an asyncio task).

    The client is every process this Python process started (Playwright's driver and every
    Chromium process); a process that ends takes its CPU time with it, so each one's last seen
    time is kept.
    """

    def __init__(self, server_pid, interval=0.5):
        self.server_pid = server_pid
        self.interval = interval
        self.rss_kib = []  # (seconds since start, VmRSS)
        self.client_last = {}
        self._task = None

    def _sample(self, t0):
        self.rss_kib.append((round(time.perf_counter() - t0, 2), memory_kib(self.server_pid)["VmRSS"]))
        for pid in descendants(os.getpid()):
            try:
                self.client_last[pid] = cpu_seconds(pid)
            except (OSError, IndexError, ValueError):
                pass

    async def _run(self, t0):
        while True:
            self._sample(t0)
            await asyncio.sleep(self.interval)  # the sampling period

    def start(self):
        self.t0 = time.perf_counter()
        self.server_cpu0 = cpu_seconds(self.server_pid)
        self.machine0 = machine_cpu_seconds()
        self._sample(self.t0)
        self.client0 = sum(self.client_last.values())
        self.client_last_start = dict(self.client_last)
        self._task = asyncio.ensure_future(self._run(self.t0))

    async def stop(self):
        self._sample(self.t0)
        self._task.cancel()
        try:
            await self._task
        except asyncio.CancelledError:
            pass
        wall = time.perf_counter() - self.t0
        busy0, total0 = self.machine0
        busy1, total1 = machine_cpu_seconds()
        server = cpu_seconds(self.server_pid) - self.server_cpu0
        client = sum(t - self.client_last_start.get(pid, 0.0) for pid, t in self.client_last.items())
        cores = os.cpu_count() or 1
        machine_busy = busy1 - busy0
        return {
            "wall_s": round(wall, 2),
            "cores": cores,
            "server_cpu_s": round(server, 2),
            "client_cpu_s": round(client, 2),
            "machine_busy_cpu_s": round(machine_busy, 2),
            "others_cpu_s": round(max(machine_busy - server - client, 0.0), 2),
            "machine_busy_share": round(machine_busy / max(total1 - total0, 1e-9), 3),
            "server_cores_used": round(server / wall, 3),
            "client_cores_used": round(client / wall, 3),
            "peak_sampled_rss_mib": round(max(r for _, r in self.rss_kib) / 1024, 1),
        }


# ----------------------------------------------------------------------------- the crowd


@dataclass
class CrowdOptions:
    sessions: int = 20
    minutes: float = 3.0
    # Visitors arrive spread over this many seconds, before the crowd acts: opening the app costs
    # the browser some 8 s of CPU (the server 0.6 s), so 20 arrivals take minutes on 2 cores.
    ramp_s: float = 30.0
    think_s: tuple[float, float] = (1.0, 4.0)  # a pause between actions, uniform in this range
    train_every: int = 6  # on average one retraining per this many actions
    seed_pool: int = 40  # seeds to retrain with: the first use of each misses the cache
    timeout_s: float = 120.0  # the longest an action may take before it counts as failed
    poll_ms: int = 100  # how often the waits look at the page


@dataclass
class Start:
    """When the crowd starts acting together, and until when: set once every visitor is in."""

    go: asyncio.Event = field(default_factory=asyncio.Event)
    deadline: float = 0.0


async def visitor(browser, url, number, start, options, log, seed, opened):
    """One person: open the app, wait for the crowd, then visit, slide, click and retrain.

    ``opened`` is a future set once the app is open (or failed to open).
    """
    rng = random.Random(seed)
    timeout, poll = options.timeout_s * 1000, options.poll_ms
    page = await new_visitor_page(browser, timeout, LAPTOP)
    page.on("pageerror", lambda err: log.error(number, "javascript", "", str(err)[:300]))
    current = HOME
    try:
        try:
            log.record(number, "open", HOME, await open_app(page, url, timeout, poll))
        except (ActionFailed, PlaywrightError) as err:
            log.error(number, "open", HOME, str(err).splitlines()[0])
            return
        finally:
            opened.set_result(number)
        await start.go.wait()
        failures = 0
        while time.perf_counter() < start.deadline and failures < 3:
            await asyncio.sleep(rng.uniform(*options.think_s))  # a person reads the page
            if current == TRAINING and rng.random() < 1 / options.train_every * 3:
                action = "train"
            elif current == LATENT and rng.random() < 0.5:
                action = "click"
            elif current in SLIDERS and rng.random() < 0.5:
                action = "slider"
            else:
                action = "visit"
            try:
                if action == "visit":
                    target = rng.choice([p for p in PAGES if p != current])
                    took = await visit(page, target, timeout, poll)
                    current = target
                    log.record(number, action, current, took)
                elif action == "slider":
                    log.record(number, action, current,
                               await slide(page, SLIDERS[current], rng, timeout, poll))
                elif action == "click":
                    log.record(number, action, current, await click_map(page, rng, timeout, poll))
                else:
                    train_seed = rng.randrange(1, options.seed_pool + 1)
                    log.record(number, action, current, await retrain(page, train_seed, timeout, poll),
                               detail=f"seed {train_seed}")
            except (ActionFailed, PlaywrightError) as err:
                failures += 1
                log.error(number, action, current, str(err).splitlines()[0])
                shot = os.environ.get("LOAD_SCREENSHOTS")
                if shot:
                    await page.screenshot(path=f"{shot}/session{number}-{len(log.errors)}.png")
                # Start again from the app's home, as a person would reload.
                try:
                    await open_app(page, url, timeout, poll)
                    current = HOME
                except (ActionFailed, PlaywrightError) as again:
                    log.error(number, "reload", HOME, str(again).splitlines()[0])
                    return
    finally:
        await page.context.close()


async def run_crowd(browser, server, options, log, rng):
    """``options.sessions`` visitors together for ``options.minutes``; the measurements.

    The visitors arrive one by one over ``options.ramp_s`` and open the app; once every one is in,
    they all act for ``options.minutes``. Returns the measurements of the arrival and of the
    acting (``Meter.stop``); the log keeps each action.
    """
    arrival = Meter(server.process.pid)
    arrival.start()
    start = Start()
    tasks, opened = [], []
    for number in range(options.sessions):
        opened.append(asyncio.get_running_loop().create_future())
        tasks.append(asyncio.ensure_future(visitor(browser, server.url, number, start, options, log,
                                                   rng.randrange(2**32), opened[-1])))
        await asyncio.sleep(options.ramp_s / options.sessions)  # visitors arrive one by one
    await asyncio.gather(*opened)
    arrived = await arrival.stop()
    meter = Meter(server.process.pid)
    meter.start()
    start.deadline = time.perf_counter() + options.minutes * 60
    log.acting_from = round(time.perf_counter() - log.start, 2)
    start.go.set()
    await asyncio.gather(*tasks)
    acting = await meter.stop()
    acting["arrival"] = arrived
    return acting


async def launch(playwright):
    return await playwright.chromium.launch(executable_path=chromium_executable(), headless=True,
                                            args=CHROMIUM_ARGS)


# ----------------------------------------------------------------------------- cost per action


async def solo_costs(browser, server, repeats=12, trains=3, log=None, on_action=None):
    """Server CPU per action type, from one session acting alone with no pause.

    Each action is bracketed by reads of the server's CPU time, from just before the action to
    the page idle and drawn after it; the server's idle CPU rate (measured first, with the
    session open and idle) is subtracted for the time each action took. Returns per action type
    (and per page for visits and sliders): count, server CPU seconds per action, latency.
    """
    log = log or Log()
    pid = server.process.pid
    timeout, poll = 120_000, 50
    page = await new_visitor_page(browser)
    rows = []

    async def measure(action, where, run, detail=""):
        if on_action:
            on_action(action, where, "start")
        bytes0 = await page.evaluate("window.__llBytesIn")
        client = descendants(os.getpid())
        client0 = tree_cpu_seconds(client)
        cpu0, t0 = cpu_seconds(pid), time.perf_counter()
        took = await run()
        cpu1, t1 = cpu_seconds(pid), time.perf_counter()
        client_cpu = tree_cpu_seconds(client) - client0
        sent = await page.evaluate("window.__llBytesIn") - bytes0
        if on_action:
            on_action(action, where, "end")
        rows.append({"action": action, "page": where, "cpu_s": cpu1 - cpu0, "wall_s": t1 - t0,
                     "browser_s": took[0], "bytes": sent, "client_cpu_s": client_cpu,
                     "detail": detail})
        log.record(0, action, where, took, detail)

    try:
        await measure("open", HOME, lambda: open_app(page, server.url, timeout, poll))
        # The idle rate: the server with one idle session open, over a few seconds.
        idle_cpu0, idle_t0 = cpu_seconds(pid), time.perf_counter()
        await asyncio.sleep(5)  # an interval to measure over, not a wait for a state
        idle_rate = (cpu_seconds(pid) - idle_cpu0) / (time.perf_counter() - idle_t0)

        current = HOME
        order = [p for p in PAGES if p != HOME] + [HOME]
        rng = random.Random(0)
        for i in range(repeats):
            target = order[i % len(order)]
            await measure("visit", target, lambda t=target: visit(page, t, timeout, poll))
            current = target
            if current in SLIDERS:
                await measure("slider", current,
                              lambda c=current: slide(page, SLIDERS[c], rng, timeout, poll))
        await visit(page, LATENT, timeout, poll)
        for _ in range(repeats):
            await measure("click", LATENT, lambda: click_map(page, rng, timeout, poll))
        await visit(page, TRAINING, timeout, poll)
        base = 1_000_000 + int(time.time()) % 1_000_000  # seeds no earlier run has trained
        for i in range(trains):
            await measure("train", TRAINING, lambda s=base + i: retrain(page, s, timeout, poll),
                          detail="miss")
        for i in range(trains):
            await measure("train", TRAINING, lambda s=base + i: retrain(page, s, timeout, poll),
                          detail="hit")
    finally:
        await page.context.close()

    def summary(selected):
        cpu = [r["cpu_s"] - idle_rate * r["wall_s"] for r in selected]
        return {"count": len(selected),
                "server_cpu_ms_per_action": round(1000 * statistics.fmean(cpu), 1),
                "client_cpu_ms_per_action": round(
                    1000 * statistics.fmean(r["client_cpu_s"] for r in selected), 1),
                "websocket_kib_per_action": round(statistics.fmean(r["bytes"] for r in selected) / 1024, 1),
                "latency_p50_s": round(percentile([r["browser_s"] for r in selected], 50), 3),
                "wall_p50_s": round(percentile([r["wall_s"] for r in selected], 50), 3)}

    by_type = {}
    for action in ACTIONS:
        selected = [r for r in rows if r["action"] == action]
        if selected:
            by_type[action] = summary(selected)
    by_page = {}
    for action in ("visit", "slider"):
        for where in PAGES:
            selected = [r for r in rows if r["action"] == action and r["page"] == where]
            if selected:
                by_page[f"{action} {where}"] = summary(selected)
    for detail in ("miss", "hit"):
        selected = [r for r in rows if r["action"] == "train" and r["detail"] == detail]
        by_page[f"train ({detail})"] = summary(selected)
    return {"idle_server_cpu_ms_per_s": round(1000 * idle_rate, 2), "by_type": by_type,
            "by_page": by_page, "rows": rows}
