"""Measure the dashboard in a real browser and screenshot every page.

    python scripts/measure_browser.py [--out artifacts] [--starts 3] [--clicks 10] [--sessions 5]

Reports (and writes to ``<out>/browser_measurements.json``):

* server start to first page fully rendered: from spawning ``streamlit run app.py`` to the landing
  page's first script run finished and its charts drawn, in an already running headless Chromium;
  median of ``--starts`` fresh servers;
* click-to-decoded-image latency on the latent page, timed in the browser: from mouse-down on a
  map to both decoded images redrawn, median of ``--clicks`` clicks at different points,
  alternating between the AE and the VAE map (and, for comparison, to the server's "script
  finished" message);
* server resident memory (VmRSS) after start, and with ``--sessions`` browser sessions open, each
  having visited every page;
* full-page screenshots of every page in ``<out>/screenshots/``, plus the latent page after a click
  in empty space.

Start-up times are wall-clock from this script, so they include Playwright's round trips to the
browser; in-browser times are checked once per animation frame (about 17 ms).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "tests" / "e2e"))

from browser_harness import (  # noqa: E402
    StreamlitServer,
    chart,
    click_at,
    empty_spot,
    error_texts,
    figure_data,
    launch_browser,
    new_page,
    open_app,
    plot_point,
    rerun_after,
    screenshot_full,
    wait_idle,
    wait_rendered,
)
from playwright.sync_api import sync_playwright  # noqa: E402

PAGES = {
    "0_home": "",
    "1_training_dynamics": "Training_dynamics",
    "2_latent_space": "Latent_space",
    "3_beta_tradeoff": "Beta_tradeoff",
    "4_interpolation": "Interpolation",
    "5_generation_gallery": "Generation_gallery",
}
IMAGE_KEYS = ("latent_ae_image_chart", "latent_vae_image_chart")


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


def measure_clicks(page, url, n_clicks):
    """Milliseconds from mouse-down on a latent map to both decoded images redrawn, per click.

    Timed inside the browser: ``to_finished_ms`` is when the server's "script finished" message
    arrived (selection sent, page rerun, new elements received), ``total_ms`` when both decoded
    image charts show new data (checked once per animation frame).
    """
    open_app(page, f"{url}/Latent_space")
    # Points spread over the plot area, each different from the last one clicked on its map.
    fractions = [(0.15 + 0.7 * ((i * 0.37) % 1), 0.15 + 0.7 * ((i * 0.61) % 1)) for i in range(n_clicks)]
    times = []
    for i, (fx, fy) in enumerate(fractions):
        latent_map = chart(page, "latent_ae_chart" if i % 2 == 0 else "latent_vae_chart")
        spot = plot_point(latent_map, fx, fy)
        before = [figure_data(chart(page, key)) for key in IMAGE_KEYS]
        rerun_after(page, lambda s=spot: click_at(page, s["x"], s["y"]))
        page.wait_for_function(
            """([keys, before]) => {
                 const changed = keys.every((k, i) => {
                   const gd = document.querySelector(`.st-key-${k} .js-plotly-plot`);
                   return gd && JSON.stringify(gd.data.map((t) => [t.type, t.name, t.x, t.y, t.z]))
                     !== before[i];
                 });
                 if (changed) window.__clickDoneAt = performance.now();
                 return changed;
               }""",
            arg=[list(IMAGE_KEYS), before],
        )
        t = page.evaluate("""() => ({
            total_ms: window.__clickDoneAt - window.__stMouseDownAt,
            to_finished_ms: window.__stFinishedAt - window.__stMouseDownAt})""")
        times.append(t)
        print(f"  click {i + 1}: {t['total_ms']:.0f} ms (server run finished after "
              f"{t['to_finished_ms']:.0f} ms)", flush=True)
    return times


def screenshot_pages(browser, url, out):
    """A full-page screenshot of every page, and the first render time of each on a warm server."""
    out.mkdir(parents=True, exist_ok=True)
    page = new_page(browser)
    renders = {}
    for name, path in PAGES.items():
        t0 = time.perf_counter()
        open_app(page, f"{url}/{path}")
        renders[name] = time.perf_counter() - t0
        errors = error_texts(page)
        screenshot_full(page, out / f"{name}.png")
        print(f"  {name}: rendered in {renders[name]:.2f} s{'; ERRORS: ' + str(errors) if errors else ''}",
              flush=True)
    # The latent page after a click in the empty space between clusters.
    open_app(page, f"{url}/Latent_space")
    spot = empty_spot(chart(page, "latent_vae_chart"))
    rerun_after(page, lambda: click_at(page, spot["x"], spot["y"]))
    screenshot_full(page, out / "2_latent_space_clicked.png")
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
                print(f"click -> decoded images ({args.clicks} clicks)")
                page = new_page(browser)
                result["clicks"] = measure_clicks(page, server.url, args.clicks)
                page.context.close()
                result["click_median_ms"] = statistics.median(c["total_ms"] for c in result["clicks"])
        browser.close()

    result["load_average_after"] = os.getloadavg()
    print(f"screenshots in {args.out / 'screenshots'}")
    if args.screenshots_only:
        return
    (args.out / "browser_measurements.json").write_text(json.dumps(result, indent=2) + "\n")
    runs = ", ".join(f"{s['rendered_s']:.2f}" for s in result["startup"])
    clicks_ms = [c["total_ms"] for c in result["clicks"]]
    finished_ms = statistics.median(c["to_finished_ms"] for c in result["clicks"])
    memory = result["memory"]
    print()
    print(f"server start -> first page rendered: median {result['startup_median_s']:.2f} s (runs: {runs})")
    print(f"click -> decoded images: median {statistics.median(clicks_ms):.0f} ms "
          f"(min {min(clicks_ms):.0f}, max {max(clicks_ms):.0f}, n={len(clicks_ms)}; "
          f"median {finished_ms:.0f} ms until the server's run finished)")
    print(f"server RSS: {memory['after_start_mib']:.0f} MiB after start, "
          f"{memory[f'with_{args.sessions}_sessions_mib']:.0f} MiB with {args.sessions} sessions open")
    print(f"machine: {result['cpu_count']} CPUs, 1-min load average {result['load_average_before'][0]:.1f} "
          f"before and {result['load_average_after'][0]:.1f} after")

if __name__ == "__main__":
    main()
