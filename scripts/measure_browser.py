"""Measure the dashboard in a real browser and screenshot every page.

    python -m scripts.measure_browser [--out artifacts] [--starts 3] [--clicks 10] [--sessions 5]

Reports (and writes to ``<out>/browser_measurements.json``):

* server start to first page fully rendered: from spawning ``streamlit run app.py`` to the landing
  page's first script run finished and its charts drawn, in an already running headless Chromium;
  median of ``--starts`` fresh servers;
* pointer-to-decoded-image latency on the latent page, timed in the browser by the latent
  explorer: from a pointer event on a map to both decoded images redrawn, over ``--moves`` moves
  across both maps (no server round trip: the script runs during the moves are reported too);
* click-to-pinned latency: from a click on a map to the server's run that records the pinned point
  finished, median of ``--clicks`` clicks alternating between the AE and the VAE map;
* server resident memory (VmRSS) after start, and with ``--sessions`` browser sessions open, each
  having visited every page;
* screenshots of every page in ``<out>/screenshots/`` at a laptop's size (1280×800) and a
  phone's (390×844): the first screen as a visitor sees it and the full page, plus the latent page
  with the pointer (or a tap) between the VAE's clusters.

Start-up times are wall-clock from this script, so they include Playwright's round trips to the
browser; in-browser times are checked once per animation frame (about 17 ms).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from harness.browser import (
    EMPTY_SPOT_JS,
    StreamlitServer,
    error_texts,
    explorer_eval,
    launch_browser,
    new_page,
    open_app,
    rerun_after,
    screenshot_full,
    wait_idle,
    wait_rendered,
)

REPO_ROOT = Path(__file__).resolve().parents[1]

PAGES = {
    "0_home": "",
    "1_training_dynamics": "Training_dynamics",
    "2_latent_space": "Latent_space",
    "3_beta_tradeoff": "Beta_tradeoff",
    "4_interpolation": "Interpolation",
    "5_generation_gallery": "Generation_gallery",
    "6_claims": "Claims",
}
SIZES = {"laptop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def measure_startup(browser, n_starts, log_dir):
    """Seconds from spawning the server to the landing page rendered, for each fresh start."""
    times = []
    for i in range(n_starts):
        page = new_page(browser)
        t0 = time.perf_counter()
        with StreamlitServer(log_path=log_dir / f"startup_{i}.log") as server:
            healthy = time.perf_counter() - t0
            open_app(page, server.url)
            rendered = time.perf_counter() - t0
            assert error_texts(page) == [], error_texts(page)
            # Milliseconds from navigation start to the first run's "finished" message.
            first_run = page.evaluate("window.__stFinishedAt") / 1000
        page.context.close()
        times.append({"healthy_s": healthy, "first_run_finished_s": healthy + first_run,
                      "rendered_s": rendered})
        print(f"  start {i + 1}: healthy after {healthy:.2f} s, first script run finished after "
              f"~{healthy + first_run:.2f} s, landing page rendered after {rendered:.2f} s", flush=True)
    return times


def open_explorer(page, url):
    open_app(page, f"{url}/Latent_space")
    page.wait_for_function("() => window.__latentExplorers && window.__latentExplorers.latent")


def map_pixel(page, map_id, z):
    """Viewport coordinates of latent point ``z`` on map ``map_id`` of the latent explorer."""
    return explorer_eval(page, """(() => {
        const m = ex.maps.find((m) => m.spec.id === arg.id), [px, py] = m.toPixel(...arg.z);
        const box = m.canvas.getBoundingClientRect();
        return {x: box.left + px, y: box.top + py}; })()""", {"id": map_id, "z": list(z)})


def measure_pointer(page, url, n_moves):
    """Milliseconds from a pointer event on a latent map to both decoded images redrawn.

    Timed inside the browser by the explorer itself (``timings``: from the event to the end of
    the animation frame that drew both images). The pointer sweeps across both maps, as a hand does.
    """
    open_explorer(page, url)
    start = explorer_eval(page, "ex.timings.length")
    for i in range(n_moves):
        map_id = "ae" if (i // 20) % 2 == 0 else "vae"
        t = (i % 20) / 19
        at = map_pixel(page, map_id, (-2 + 4 * t, 1.5 - 3 * t * t))
        page.mouse.move(at["x"], at["y"])
        page.wait_for_function("(n) => window.__latentExplorers.latent.timings.length > n",
                               arg=start + i)
    timings = explorer_eval(page, "ex.timings.slice(arg)", start)
    runs = page.evaluate("window.__stRunsFinished")
    print(f"  {len(timings)} pointer moves: median {statistics.median(timings):.1f} ms, "
          f"max {max(timings):.1f} ms", flush=True)
    return {"ms": timings, "script_runs_during_moves": runs - 1}


def measure_clicks(page, url, n_clicks):
    """Milliseconds from a click on a latent map to the point pinned on both maps and in the link.

    ``pinned_ms``: until the explorer shows the pinned marker (in the browser, no server);
    ``to_finished_ms``: until the server's run that records the pin in the page state finished.
    """
    open_explorer(page, url)
    times = []
    for i in range(n_clicks):
        map_id = "ae" if i % 2 == 0 else "vae"
        z = (-1.5 + 3 * ((i * 0.37) % 1), -1.5 + 3 * ((i * 0.61) % 1))
        at = map_pixel(page, map_id, z)
        page.mouse.move(at["x"], at["y"])
        t0 = page.evaluate("performance.now()")
        rerun_after(page, lambda at=at: page.mouse.click(at["x"], at["y"]))
        page.wait_for_function("(z) => { const p = window.__latentExplorers.latent.pinned;"
                               " return p && Math.abs(p[0] - z[0]) < 0.05 && Math.abs(p[1] - z[1]) < 0.05; }",
                               arg=list(z))
        t = {"to_finished_ms": page.evaluate("window.__stFinishedAt") - t0}
        times.append(t)
        print(f"  click {i + 1}: server run finished after {t['to_finished_ms']:.0f} ms", flush=True)
    return times


def screenshot_pages(browser, url, out):
    """Screenshots of every page at a laptop's and a phone's size, and first render times."""
    out.mkdir(parents=True, exist_ok=True)
    renders = {}
    for size_name, size in SIZES.items():
        page = new_page(browser, viewport=size, **({"is_mobile": True, "has_touch": True}
                                                   if size_name == "phone" else {}))
        for name, path in PAGES.items():
            t0 = time.perf_counter()
            open_app(page, f"{url}/{path}")
            if size_name == "laptop":
                renders[name] = time.perf_counter() - t0
            errors = error_texts(page)
            page.screenshot(path=out / f"{name}_{size_name}.png")  # the first screen, as seen
            screenshot_full(page, out / f"{name}_{size_name}_full.png")
            print(f"  {name} ({size_name}): rendered in {time.perf_counter() - t0:.2f} s"
                  f"{'; ERRORS: ' + str(errors) if errors else ''}", flush=True)
        # The latent page with the pointer between clusters of the VAE map.
        open_explorer(page, url)
        spot = page.evaluate(EMPTY_SPOT_JS, ["latent", "vae"])
        if size_name == "phone":
            page.touchscreen.tap(spot["x"], spot["y"])
        else:
            page.mouse.move(spot["x"], spot["y"])
        page.wait_for_timeout(100)
        page.screenshot(path=out / f"2_latent_space_pointer_{size_name}.png")
        page.context.close()
    return renders


def measure_memory(browser, url, server, n_sessions):
    """Server VmRSS in MiB: idle, then with ``n_sessions`` sessions open that visited every page."""
    rss = {"after_start_mib": server.rss_kib() / 1024}
    pages = []
    for i in range(n_sessions):
        page = new_page(browser)
        for path in PAGES.values():
            open_app(page, f"{url}/{path}")
        pages.append(page)
        rss[f"sessions_{i + 1}_mib"] = server.rss_kib() / 1024
        print(f"  {i + 1} session(s) open: {rss[f'sessions_{i + 1}_mib']:.0f} MiB", flush=True)
    for page in pages:  # every session still connected and idle when measured
        wait_idle(page)
        wait_rendered(page)
    rss[f"with_{n_sessions}_sessions_mib"] = server.rss_kib() / 1024
    for page in pages:
        page.context.close()
    return rss


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "artifacts")
    parser.add_argument("--starts", type=int, default=3)
    parser.add_argument("--clicks", type=int, default=10)
    parser.add_argument("--moves", type=int, default=80)
    parser.add_argument("--sessions", type=int, default=5)
    parser.add_argument("--screenshots-only", action="store_true", help="only take the screenshots")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    logs = args.out / "server-logs"
    logs.mkdir(exist_ok=True)

    # Timings depend on what else the machine runs: record the load with them.
    result = {"cpu_count": os.cpu_count(), "load_average_before": os.getloadavg()}
    with sync_playwright() as pw:
        browser = launch_browser(pw)
        if not args.screenshots_only:
            print(f"server start -> landing page rendered ({args.starts} fresh starts)")
            starts = measure_startup(browser, args.starts, logs)
            result["startup"] = starts
            result["startup_median_s"] = statistics.median(s["rendered_s"] for s in starts)
        with StreamlitServer(log_path=logs / "measure.log") as server:
            if not args.screenshots_only:
                print(f"server memory with {args.sessions} sessions")
                result["memory"] = measure_memory(browser, server.url, server, args.sessions)
            print("screenshots")
            result["first_render_s"] = screenshot_pages(browser, server.url, args.out / "screenshots")
            if not args.screenshots_only:
                page = new_page(browser, viewport=SIZES["laptop"])
                print(f"pointer -> decoded images ({args.moves} moves)")
                result["pointer"] = measure_pointer(page, server.url, args.moves)
                result["pointer_median_ms"] = statistics.median(result["pointer"]["ms"])
                print(f"click -> pinned ({args.clicks} clicks)")
                result["clicks"] = measure_clicks(page, server.url, args.clicks)
                page.context.close()
                result["click_median_ms"] = statistics.median(c["to_finished_ms"] for c in result["clicks"])
        browser.close()

    result["load_average_after"] = os.getloadavg()
    print(f"screenshots in {args.out / 'screenshots'}")
    if args.screenshots_only:
        return
    (args.out / "browser_measurements.json").write_text(json.dumps(result, indent=2) + "\n")
    runs = ", ".join(f"{s['rendered_s']:.2f}" for s in result["startup"])
    clicks_ms = [c["to_finished_ms"] for c in result["clicks"]]
    pointer_ms = result["pointer"]["ms"]
    memory = result["memory"]
    print()
    print(f"server start -> first page rendered: median {result['startup_median_s']:.2f} s (runs: {runs})")
    print(f"pointer -> both decoded images redrawn: median {statistics.median(pointer_ms):.1f} ms "
          f"(p95 {sorted(pointer_ms)[int(0.95 * (len(pointer_ms) - 1))]:.1f}, max {max(pointer_ms):.1f}, "
          f"n={len(pointer_ms)}; {result['pointer']['script_runs_during_moves']} script runs)")
    print(f"click -> pinned and the server's run finished: median {statistics.median(clicks_ms):.0f} ms "
          f"(min {min(clicks_ms):.0f}, max {max(clicks_ms):.0f}, n={len(clicks_ms)})")
    print(f"server RSS: {memory['after_start_mib']:.0f} MiB after start, "
          f"{memory[f'with_{args.sessions}_sessions_mib']:.0f} MiB with {args.sessions} sessions open")
    print(f"machine: {result['cpu_count']} CPUs, 1-min load average {result['load_average_before'][0]:.1f} "
          f"before and {result['load_average_after'][0]:.1f} after")

if __name__ == "__main__":
    main()
