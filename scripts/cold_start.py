"""Cold start of the dashboard against a bare Streamlit app, side by side in one run.

    python -m scripts.cold_start [--runs 5] [--out artifacts/cold_start.json]

A cold start is the time from spawning ``streamlit run`` to the landing page rendered in an
already running headless Chromium (a fresh browser context, so a fresh session): the first
script run finished, every Plotly chart drawn and, on the app's landing page, the latent
explorer's maps drawn. The bare app is a script with ``st.title`` and one Plotly chart, served
with the app's own ``.streamlit/config.toml``. The two alternate (bare, app, bare, app, ...), so
a machine that gets busier or quieter during the run weighs on both alike; the medians and their
ratio are printed and written to ``--out``.

Also reported: when the server answered its health check, and when the landing page's title
appeared (its first paint).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from harness.browser import REPO_ROOT, StreamlitServer, error_texts, launch_browser, new_page, wait_idle, wait_rendered

BARE_APP = '''import plotly.graph_objects as go
import streamlit as st

st.title("A bare app")
st.plotly_chart(go.Figure(go.Scatter(x=[0, 1, 2, 3], y=[1, 3, 2, 4])))
'''

# The landing page's latent explorer has drawn both maps: what the app's cold start waits for
# beyond the first run and its charts.
HOME_DRAWN_JS = """() => {
  const ex = (window.__latentExplorers || {}).home;
  return !!ex && ex.maps.length === 2 && ex.maps.every((m) => m.canvas.width > 0);
}"""


def cold_start(browser, app_dir: Path, script: str, log_path: Path, wait_for: str | None) -> dict:
    """Seconds from spawning the server to its health check, first paint and landing page rendered."""
    page = new_page(browser, viewport={"width": 1280, "height": 800})
    t0 = time.perf_counter()
    with StreamlitServer(app_dir, script=script, log_path=log_path) as server:
        healthy = time.perf_counter() - t0
        page.goto(server.url)
        page.locator('[data-testid="stMain"] h1').first.wait_for(timeout=120_000)
        title = time.perf_counter() - t0
        _wait_rendered(page, wait_for)
        rendered = time.perf_counter() - t0
        errors = error_texts(page)
    page.context.close()
    if errors:
        raise RuntimeError(f"{script} raised on its landing page: {errors}")
    return {"healthy_s": round(healthy, 3), "title_s": round(title, 3), "rendered_s": round(rendered, 3)}


def _wait_rendered(page, wait_for: str | None) -> None:
    """The first script run finished, every Plotly chart drawn, and ``wait_for`` true."""
    wait_idle(page, 0, timeout=120_000)
    wait_rendered(page, timeout=120_000)
    if wait_for:
        page.wait_for_function(wait_for, timeout=120_000)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="cold starts of each (at least 3)")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "artifacts" / "cold_start.json")
    args = parser.parse_args(argv)
    runs = max(3, args.runs)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    times = {"bare": [], "app": []}
    with tempfile.TemporaryDirectory(prefix="cold_start_") as tmp, sync_playwright() as pw:
        tmp = Path(tmp)
        (tmp / "bare.py").write_text(BARE_APP)
        shutil.copytree(REPO_ROOT / ".streamlit", tmp / ".streamlit")
        targets = {"bare": (tmp, "bare.py", None), "app": (REPO_ROOT, "app.py", HOME_DRAWN_JS)}
        browser = launch_browser(pw)
        try:
            # One start of each first, unmeasured: Python's bytecode caches and the OS's file
            # cache then hold for both what a hosted server's image holds.
            for name, (app_dir, script, wait_for) in targets.items():
                cold_start(browser, app_dir, script, tmp / f"warm_{name}.log", wait_for)
            for i in range(runs):
                for name, (app_dir, script, wait_for) in targets.items():
                    t = cold_start(browser, app_dir, script, tmp / f"{name}_{i}.log", wait_for)
                    times[name].append(t)
                    print(f"{name:>4} {i + 1}: healthy {t['healthy_s']:.2f} s, title {t['title_s']:.2f} s, "
                          f"rendered {t['rendered_s']:.2f} s", flush=True)
        finally:
            browser.close()
    medians = {name: {key: statistics.median(t[key] for t in ts) for key in ts[0]}
               for name, ts in times.items()}
    ratio = medians["app"]["rendered_s"] / medians["bare"]["rendered_s"]
    result = {"runs": runs, "times": times, "medians": medians, "ratio_rendered": round(ratio, 3)}
    args.out.write_text(json.dumps(result, indent=2))
    print(f"median landing page rendered: app {medians['app']['rendered_s']:.2f} s, bare "
          f"{medians['bare']['rendered_s']:.2f} s: {ratio:.2f}× (title: app "
          f"{medians['app']['title_s']:.2f} s, bare {medians['bare']['title_s']:.2f} s)")
    return result


if __name__ == "__main__":
    main()
