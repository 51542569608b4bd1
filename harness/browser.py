"""Drive a real ``streamlit run`` server with headless Chromium (Playwright, sync API).

Shared by the end-to-end tests (``tests/e2e``) and ``scripts/measure_browser.py``.

Waiting is always on the app's own run state, never on a fixed sleep: an init script counts the
script runs the server reports finished, and the ``stApp`` element carries
``data-test-connection-state`` and ``data-test-script-state``. So "wait for the rerun this click
caused" is exact even when the rerun is faster than one animation frame.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

REPO_ROOT = Path(__file__).resolve().parents[1]

# Without the background-networking flags Chromium keeps retrying Google services, which is slow
# and noisy on a machine without network access (CI runners included).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

VIEWPORT = {"width": 1400, "height": 1000}
ERROR_SELECTOR = '[data-testid="stException"], [data-testid="stAlertContentError"]'
APP = '[data-testid="stApp"]'

# Counts the script runs the server reports finished, in ``window.__stRunsFinished``. It reads the
# ``script_finished`` field (6, a varint) of each ForwardMsg protobuf on the app's WebSocket: the
# ``data-test-script-state`` attribute alone misses runs so fast that React batches ``running``
# and ``notRunning`` into one render. Runs cut short by a newer rerun (status 2) don't count.
_RUN_COUNTER_JS = """
(() => {
  window.__stRunsFinished = 0;
  window.__stFramesSinceFinish = 0;
  window.__stFinishedAt = null;  // performance.now() of the last finished run, for timings
  window.__stMouseDownAt = null;
  document.addEventListener('mousedown', () => { window.__stMouseDownAt = performance.now(); },
                            true);
  const tick = () => { window.__stFramesSinceFinish += 1; requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  const varint = (b, i) => {
    let v = 0, mul = 1, byte;
    do { byte = b[i++]; v += (byte & 0x7f) * mul; mul *= 128; } while (byte & 0x80);
    return [v, i];
  };
  const scriptFinished = (buf) => {
    const b = new Uint8Array(buf);
    let i = 0;
    while (i < b.length) {
      let tag, v;
      [tag, i] = varint(b, i);
      const field = Math.floor(tag / 8), wire = tag % 8;
      if (wire === 0) { [v, i] = varint(b, i); if (field === 6) return v; }
      else if (wire === 1) i += 8;
      else if (wire === 5) i += 4;
      else if (wire === 2) { [v, i] = varint(b, i); i += v; }
      else return null;
    }
    return null;
  };
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (event) => {
        if (!(event.data instanceof ArrayBuffer)) return;
        const status = scriptFinished(event.data);
        if (status !== null && status !== 2) {
          window.__stRunsFinished += 1;
          window.__stFramesSinceFinish = 0;
          window.__stFinishedAt = performance.now();
        }
      });
    }
  };
})();
"""


RUN_COUNTER_JS = _RUN_COUNTER_JS  # for the async drivers (tests/load)


def chromium_executable():
    """Path of the system Chromium (``$CHROMIUM_EXECUTABLE`` or on PATH), else None.

    None lets Playwright use its own downloaded browser where one is installed.
    """
    explicit = os.environ.get("CHROMIUM_EXECUTABLE")
    if explicit:
        return explicit
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def launch_browser(playwright):
    """A headless Chromium browser."""
    return playwright.chromium.launch(
        executable_path=chromium_executable(), headless=True, args=CHROMIUM_ARGS
    )


def new_page(browser, **context_options):
    """A page in a fresh browser context (its own Streamlit session) with the run counter.

    ``context_options`` go to ``browser.new_context`` (e.g. a phone's viewport and touch).
    """
    context = browser.new_context(**{"viewport": VIEWPORT, **context_options})
    context.add_init_script(_RUN_COUNTER_JS)
    return context.new_page()


def free_port():
    """A TCP port that is free on localhost right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(process, url, timeout, name, log_tail):
    """Block until ``url``'s ``/_stcore/health`` answers ``ok``; raise if ``process`` exits or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with code {process.returncode}\n{log_tail()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200 and resp.read().strip() == b"ok":
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{name} not healthy after {timeout:.0f} s\n{log_tail()}")
        time.sleep(0.1)  # polling interval of the health endpoint, not a wait for the app


def end_process(process, timeout=15):
    """Terminate ``process`` (SIGTERM) if it runs, and kill it if it has not ended within ``timeout`` s."""
    if process and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class StreamlitServer:
    """``streamlit run app.py`` in a subprocess, with the same Python as the caller.

    Use as a context manager, or call ``start()`` and ``stop()``.
    """

    def __init__(self, app_dir=REPO_ROOT, script="app.py", port=None, log_path=None, args=(),
                 env=None):
        self.app_dir = Path(app_dir)
        self.script = script
        self.port = port or free_port()
        self.log_path = Path(log_path) if log_path else None
        self.args = list(args)  # more ``streamlit run`` options, e.g. ``--server.baseUrlPath``
        self.env = env  # the server's environment (default: this process's)
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None
        self._log = None

    def start(self, timeout=60.0):
        """Start the server and block until ``/_stcore/health`` answers ``ok``."""
        cmd = [
            sys.executable, "-m", "streamlit", "run", self.script,
            "--server.headless", "true",
            "--server.port", str(self.port),
            "--server.address", "127.0.0.1",
            "--server.fileWatcherType", "none",
            "--browser.gatherUsageStats", "false",
            *self.args,
        ]  # fmt: skip
        # Appended to, so a restarted server's log follows the first one's.
        self._log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self.process = subprocess.Popen(
            cmd, cwd=self.app_dir, stdout=self._log, stderr=subprocess.STDOUT, env=self.env
        )
        self.wait_healthy(timeout)
        return self

    def wait_healthy(self, timeout):
        wait_healthy(self.process, self.url, timeout, "streamlit", self.log_tail)

    def log_tail(self, n_chars=4000):
        if not self.log_path or not self.log_path.exists():
            return "(no server log)"
        return self.log_path.read_text(errors="replace")[-n_chars:]

    def rss_kib(self):
        """Resident memory of the server process in KiB (Linux ``/proc``)."""
        return memory_kib(self.process.pid)["VmRSS"]

    def peak_rss_kib(self):
        """The most resident memory the server process has had so far, in KiB (``VmHWM``)."""
        return memory_kib(self.process.pid)["VmHWM"]

    def cpu_seconds(self):
        """CPU time (user + system) the server process has used so far, all its threads."""
        return cpu_seconds(self.process.pid)

    def stop(self):
        end_process(self.process)
        if self._log not in (None, subprocess.DEVNULL):
            self._log.close()

    def restart(self, timeout=60.0):
        """Stop the server and start a new one on the same port, as a redeploy or a crash does.

        Browser tabs stay open and reconnect to the new process, which knows none of their
        sessions.
        """
        self.stop()
        return self.start(timeout)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


# --- what a process costs (Linux /proc) ----------------------------------------------------------

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pid):
    """CPU time (user + system, every thread) process ``pid`` has used, from ``/proc/<pid>/stat``.

    Counted in clock ticks (10 ms), so sum it over many actions rather than read one.
    """
    # The command name (field 2) may hold spaces; the fields after its ")" are fixed.
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    utime, stime = int(fields[11]), int(fields[12])  # fields 14 and 15 of proc(5)
    return (utime + stime) / _CLOCK_TICKS


def memory_kib(pid):
    """``VmRSS`` (resident now) and ``VmHWM`` (resident at its peak) of process ``pid``, in KiB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(value.split()[0])
    return found


def descendants(pid):
    """Process ids of every live descendant of ``pid`` (e.g. Playwright's driver and Chromium)."""
    children = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue  # the process ended while we looked
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def tree_cpu_seconds(pids):
    """CPU time used so far by the processes ``pids`` that are still alive."""
    total = 0.0
    for pid in pids:
        try:
            total += cpu_seconds(pid)
        except (OSError, IndexError, ValueError):
            pass  # ended: its time is gone with it
    return total


def machine_cpu_seconds():
    """(busy, total) CPU seconds of the whole machine since boot, all cores (``/proc/stat``)."""
    ticks = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = ticks[3] + ticks[4]  # idle + iowait
    total = sum(ticks[:8])  # guest time is already inside user time
    return (total - idle) / _CLOCK_TICKS, total / _CLOCK_TICKS


# --- waiting on the app ------------------------------------------------------------------------


# True once more than ``after`` runs finished and the app is connected and idle: two frames after
# the server's "finished", so React has drawn that run's elements.
IDLE_JS = """(after) => {
  const app = document.querySelector('[data-testid="stApp"]');
  return app && window.__stRunsFinished > after && window.__stFramesSinceFinish >= 2
    && app.getAttribute('data-test-connection-state') === 'CONNECTED'
    && app.getAttribute('data-test-script-state') === 'notRunning'
    && !document.querySelector('[data-testid="stStatusWidget"]');
}"""

# True once every Plotly chart has drawn and every image has loaded.
RENDERED_JS = """() => {
  const charts = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')];
  const drawn = charts.every((c) => c.querySelector('.js-plotly-plot .main-svg'));
  const imgs = [...document.querySelectorAll('[data-testid="stMain"] img')];
  const loaded = imgs.every((i) => i.complete && i.naturalWidth > 0);
  const skeleton = document.querySelector(
    '[data-testid="stSkeleton"], [data-testid="stAppSkeleton"]');
  return drawn && loaded && !skeleton;
}"""

# The selector of the sidebar's page links (the app draws them with st.page_link).
PAGE_LINKS = '[data-testid="stSidebar"] a[data-testid="stPageLink-NavLink"]'

# True once the page's title is ``title``. After a click on a page link, the page on view may still
# finish a run of its own (a fragment's timer) before the clicked page's run starts: waiting for
# "idle" alone then reads the old page. Wait for the title first, then for idle.
HEADING_IS_JS = """(title) => {
  const h = document.querySelector('[data-testid="stMain"] h1');
  return !!h && h.innerText.trim() === title;
}"""


def page_title(label):
    """The title of the page whose sidebar link says ``label``."""
    return "Latent Lab" if label == "Home" else label


def runs_finished(page):
    """How many script runs this page's session has finished so far."""
    return page.evaluate("window.__stRunsFinished")


def wait_idle(page, after_runs=0, timeout=60_000):
    """Wait until more than ``after_runs`` runs finished and the app is connected and idle."""
    page.wait_for_function(IDLE_JS, arg=after_runs, timeout=timeout)


def wait_rendered(page, timeout=60_000):
    """Wait until every Plotly chart has drawn and every image has loaded."""
    page.wait_for_function(RENDERED_JS, timeout=timeout)


def open_app(page, url, timeout=90_000):
    """Load ``url`` and wait for its first script run to finish and render."""
    page.goto(url)
    wait_idle(page, 0, timeout)
    wait_rendered(page, timeout)


def rerun_after(page, action, timeout=60_000):
    """Do ``action()`` (a widget interaction) and wait for the rerun it triggers to finish."""
    before = runs_finished(page)
    action()
    try:
        wait_idle(page, before, timeout)
    except PlaywrightTimeoutError:
        raise AssertionError(f"no script run finished within {timeout / 1000:.0f} s of the "
                             "interaction: it was lost or the app hangs") from None
    wait_rendered(page, timeout)


def restart_under(page, server, timeout=60_000):
    """Restart ``server`` while ``page`` stays open; return once the page has reconnected."""
    server.stop()
    page.wait_for_function(
        """() => document.querySelector('[data-testid="stApp"]')
                   .getAttribute('data-test-connection-state') !== 'CONNECTED'""",
        timeout=timeout,
    )
    server.start()
    page.wait_for_function(
        """() => document.querySelector('[data-testid="stApp"]')
                   .getAttribute('data-test-connection-state') === 'CONNECTED'""",
        timeout=timeout,
    )


def go_to(page, label, timeout=60_000):
    """Open another page through its sidebar link, as a person does, and wait for it.

    Every page's title is its link's label, except the landing page's ("Home" / "Latent Lab").
    """
    link = page.locator(PAGE_LINKS).filter(has_text=label)
    title = page_title(label)

    def click_and_arrive():
        link.first.click()
        try:
            page.wait_for_function(HEADING_IS_JS, arg=title, timeout=timeout)
        except PlaywrightTimeoutError:
            heading = page.locator('[data-testid="stMain"] h1').first.inner_text()
            raise AssertionError(f"went to {label!r}, but after {timeout / 1000:.0f} s the page "
                                 f"still says {heading!r}") from None

    rerun_after(page, click_and_arrive, timeout)


def slider_value(page, label):
    """The value a slider (or select slider) labelled ``label`` shows."""
    slider = page.locator('[data-testid="stSlider"]').filter(has_text=label).first
    return slider.get_by_role("slider").first.get_attribute("aria-valuetext")


def error_texts(page):
    """Text of every exception or ``st.error`` element on the page."""
    return page.locator(ERROR_SELECTOR).all_inner_texts()


def sidebar_pages(page):
    """(label, href) of every page link in the sidebar (the app draws them with st.page_link)."""
    links = page.locator(PAGE_LINKS)
    # The label only, without the name of the link's material icon.
    return [(a.locator('[data-testid="stMarkdownContainer"]').inner_text().strip(),
             a.get_attribute("href")) for a in links.all()]


def press_slider(page, label, key, times=1):
    """Focus the slider labelled ``label`` and press ``key`` (``ArrowRight``, ``End``...)."""
    slider = page.locator('[data-testid="stSlider"]').filter(has_text=label).first
    thumb = slider.get_by_role("slider").first  # an <input type="range"> in Streamlit 1.67
    thumb.focus()
    for _ in range(times):
        thumb.press(key)
    return thumb


def chart(page, key):
    """The Plotly chart drawn with ``st.plotly_chart(..., key=key)``."""
    return page.locator(f'.st-key-{key} [data-testid="stPlotlyChart"]')


def figure_data(chart_locator):
    """What a drawn Plotly chart shows: its traces' type, name, x, y and z, as JSON text."""
    return chart_locator.evaluate(
        """(c) => JSON.stringify(c.querySelector('.js-plotly-plot').data.map(
             (t) => [t.type, t.name, t.x, t.y, t.z]))"""
    )


# --- the latent explorer (a custom component: window.__latentExplorers[id]) ---------------------

# In one map: the pixel of the plot area farthest from every dot that still has dots on all four
# diagonal sides within a third of the plot (empty space between clusters, not an empty corner).
EMPTY_SPOT_JS = """
([id, mapId]) => {
  const ex = window.__latentExplorers[id], m = ex.maps.find((m) => m.spec.id === mapId);
  const g = m.geometry(), dots = m.spec.x.map((x, i) => m.toPixel(x, m.spec.y[i]));
  const reach = g.pw / 3;
  let best = null;
  for (let i = 1; i < 40; i++) for (let j = 1; j < 40; j++) {
    const px = 30 + g.pw * i / 40, py = 14 + g.ph * j / 40;
    let d = Infinity; const sides = new Set();
    for (const [qx, qy] of dots) {
      const r = Math.hypot(px - qx, py - qy);
      d = Math.min(d, r);
      if (r < reach) sides.add((qx < px ? 'l' : 'r') + (qy < py ? 't' : 'b'));
    }
    if (sides.size === 4 && (!best || d > best.d)) best = {px, py, d};
  }
  const box = m.canvas.getBoundingClientRect();
  return {x: box.left + best.px, y: box.top + best.py, z: m.toData(best.px, best.py), d: best.d};
}
"""


def explorer_eval(page, body, arg=None):
    """Evaluate ``body`` (a JS expression of ``ex``, the latent page's explorer, and ``arg``)."""
    return page.evaluate(f"(arg) => {{ const ex = window.__latentExplorers.latent; return {body}; }}",
                         arg)


def explorer_empty_spot(page, map_id, explorer_id="latent"):
    """Viewport coordinates and latent point of empty space between clusters on a map."""
    return page.evaluate(EMPTY_SPOT_JS, [explorer_id, map_id])


# --- clicking the latent map ---------------------------------------------------------------------

def click_at(page, x, y):
    """Hover then click, as a user does: Plotly picks the clicked point on hover."""
    page.mouse.move(x - 3, y - 3)
    page.mouse.move(x, y)
    page.mouse.click(x, y)


def screenshot_full(page, path):
    """A screenshot of the whole page and sidebar.

    Streamlit scrolls inside ``stMain`` rather than the document, so Playwright's ``full_page``
    stops at the viewport; the viewport is grown to the content for the shot instead.
    """
    size = page.viewport_size
    height = page.evaluate(
        """() => Math.max(...['stMain', 'stSidebarContent'].map((id) => {
             const el = document.querySelector(`[data-testid="${id}"]`);
             return el ? el.scrollHeight : 0; }))"""
    )
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], height)})
    try:
        wait_rendered(page)
        page.screenshot(path=path)
    finally:
        page.set_viewport_size(size)


# --- replicas behind a reverse proxy (deploy/nginx.conf) ------------------------------------------

NGINX_TEMPLATE = REPO_ROOT / "deploy" / "nginx.conf"


def nginx_executable():
    """Path of nginx (``$NGINX`` or on PATH, also /usr/sbin), else None."""
    explicit = os.environ.get("NGINX")
    if explicit:
        return explicit
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def render_nginx_conf(template, port, upstreams, run_dir):
    """The nginx config of ``template`` for ``port``, the ``upstreams`` (host:port) and ``run_dir``."""
    servers = "\n        ".join(f"server {address};" for address in upstreams)
    lines = []
    for line in Path(template).read_text().splitlines():
        if not line.lstrip().startswith("#"):  # the comments name the placeholders
            line = (line.replace("@@PORT@@", str(port)).replace("@@REPLICAS@@", servers)
                    .replace("@@RUNDIR@@", str(run_dir)))
        lines.append(line)
    return "\n".join(lines) + "\n"


class NginxProxy:
    """nginx in the foreground, a child process, in front of ``upstreams`` (``host:port`` each).

    Its config is ``deploy/nginx.conf`` rendered into ``run_dir``, which also holds its pid file,
    logs and temporary files; nothing outside ``run_dir`` is touched.
    """

    def __init__(self, upstreams, run_dir, port=None, template=NGINX_TEMPLATE):
        self.upstreams = list(upstreams)
        self.run_dir = Path(run_dir)
        self.port = port or free_port()
        self.template = template
        self.url = f"http://127.0.0.1:{self.port}"
        self.access_log = self.run_dir / "access.log"
        self.error_log = self.run_dir / "error.log"
        self.process = None

    def start(self, timeout=30.0):
        exe = nginx_executable()
        if exe is None:
            raise FileNotFoundError("nginx not found (scripts/ensure_proxy.sh installs it)")
        self.run_dir.mkdir(parents=True, exist_ok=True)
        conf = self.run_dir / "nginx.conf"
        conf.write_text(render_nginx_conf(self.template, self.port, self.upstreams, self.run_dir))
        self.process = subprocess.Popen(
            [exe, "-p", str(self.run_dir), "-e", str(self.error_log), "-c", str(conf)],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        # The app's health endpoint, through the proxy.
        wait_healthy(self.process, self.url, timeout, "nginx",
                     lambda: self.error_log.read_text(errors="replace")[-2000:])
        return self

    def stop(self):
        end_process(self.process)  # SIGTERM: nginx's fast shutdown

    def log_lines(self):
        """The access log, one dict per request: request line, status, route and upstream."""
        if not self.access_log.exists():
            return []
        rows = []
        for line in self.access_log.read_text(errors="replace").splitlines():
            try:
                request = line.split('"')[1]
                route = line.split(" route=")[1].split(" ")[0]
                upstream = line.split(" upstream=")[1].strip()
                status = int(line.split('"')[2].split()[0])
            except (IndexError, ValueError):
                continue
            rows.append({"request": request, "status": status, "route": route, "upstream": upstream})
        return rows

    def upstream_of(self, route, timeout=10.0):
        """Which upstream answers a request that carries ``route`` in its cookie."""
        request = urllib.request.Request(f"{self.url}/_stcore/health?probe={route}",
                                         headers={"Cookie": f"latentlab_route={route}"})
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            resp.read()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:  # the log line is written as the request ends
            for row in reversed(self.log_lines()):
                if f"probe={route}" in row["request"]:
                    return row["upstream"]
            time.sleep(0.05)
        raise TimeoutError(f"no access log line for route {route}")

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


# --- a view across pages: settings moved on several pages and a pinned latent point --------------

VIEW_SLIDERS = (("The β tradeoff", "beta_beta", "ArrowRight", 2),
                ("Generation gallery", "gen_temperature", "ArrowLeft", 4),
                ("Interpolation", "interp_steps", "ArrowRight", 3))
# A drawn chart of each page whose content follows its slider.
VIEW_CHARTS = {"The β tradeoff": "beta_recon_chart", "Generation gallery": "gen_gallery_chart",
               "Interpolation": "interp_strips_chart"}
LATENT_TITLE = "Latent space: AE vs VAE"


def slider_thumb(page, key):
    """The thumb of the slider drawn with widget key ``key``."""
    return page.locator(f".st-key-{key}").get_by_role("slider").first


def slider_text(page, key):
    """The value the slider with widget key ``key`` shows."""
    return slider_thumb(page, key).get_attribute("aria-valuetext")


def press_key(page, key, name, times=1):
    """Press the key ``name`` on the slider ``key`` ``times`` times, waiting for each rerun."""
    for _ in range(times):
        rerun_after(page, lambda: (slider_thumb(page, key).focus(), slider_thumb(page, key).press(name)))
    return slider_text(page, key)


def pinned_point(page, digits=4):
    """The point the latent explorer shows pinned (rounded), or None."""
    page.wait_for_function("() => window.__latentExplorers && window.__latentExplorers.latent")
    point = explorer_eval(page, "ex.pinned")
    return None if point is None else [round(c, digits) for c in point]


def make_a_view(page, url):
    """From ``url`` (the app's home): move a slider on three pages, pin a point on the latent map.

    Returns :func:`read_view` of the result; the page is left on the latent page, whose URL is
    then the view's link.
    """
    open_app(page, url)
    for title, key, name, times in VIEW_SLIDERS:
        go_to(page, title)
        press_key(page, key, name, times)
    go_to(page, LATENT_TITLE)
    page.wait_for_function("() => window.__latentExplorers && window.__latentExplorers.latent")
    spot = explorer_empty_spot(page, "vae")
    rerun_after(page, lambda: click_at(page, spot["x"], spot["y"]))
    assert error_texts(page) == []
    return read_view(page)


def read_view(page):
    """What a view shows, from the latent page: the pinned point, each page's slider and chart.

    Visits the slider pages by their sidebar links and comes back to the latent page.
    """
    view = {"pinned": pinned_point(page)}
    for title, key, _, _ in VIEW_SLIDERS:
        go_to(page, title)
        assert error_texts(page) == [], title
        view[key] = slider_text(page, key)
        view[VIEW_CHARTS[title]] = figure_data(chart(page, VIEW_CHARTS[title]))
    go_to(page, LATENT_TITLE)
    assert pinned_point(page) == view["pinned"]
    return view


def assert_same_view(got, want):
    """Two :func:`read_view` results show the same view.

    The pinned point goes through the link as text with 6 significant digits, so it may come
    back a millionth off: far below a pixel of the map, far below any real change.
    """
    assert got.keys() == want.keys()
    if want["pinned"] is None:
        assert got["pinned"] is None
    else:
        assert got["pinned"] is not None, "the pinned point is lost"
        assert max(abs(a - b) for a, b in zip(got["pinned"], want["pinned"], strict=True)) < 1e-3, \
            (got["pinned"], want["pinned"])
    for key in want:
        if key != "pinned":
            assert got[key] == want[key], key
