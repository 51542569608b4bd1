"""What each action costs the server, measured on the server process with one browser session.

    python -m scripts.server_cost [--out artifacts/load] [--repeats 12] [--trains 3] [--no-profile]

1. Starts ``streamlit run app.py``, opens every page once (the first visits load the shipped models
   and warm the caches; their cost is reported as ``warm_up``).
2. Cost per action: one headless Chromium session acts alone, with no pause: page visits by the
   sidebar links (every page in turn), a slider step on every page that has one, clicks on the
   latent map, retrainings of a new config (cache miss) and of the same configs again (hit). The
   server's CPU time (``/proc/<pid>/stat``, user + system, all threads) is read before and after
   each action, the server's idle rate is subtracted, and the mean per action type and per page
   is reported.
3. Where it goes (unless ``--no-profile``): ``py-spy`` (``pip install py-spy``) samples the server
   while the same session repeats one action type at a time; each sample is put in one category
   by the innermost frame that names one (figure building, Plotly's validation and JSON in
   ``st.plotly_chart``, the explorer's data, model compute, training, protobuf, Tornado...).
   The raw stacks are kept (``<out>/profile-<action>.txt``, flamegraph-ready).

4. Memory: the server's resident memory when idle, after the warm-up, and with 1, 5 and 10
   (``--memory-sessions``) sessions open that have each visited every page.

Writes ``<out>/server_cost.json`` and prints the tables.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from playwright.async_api import async_playwright

from harness import crowd
from harness.browser import StreamlitServer, cpu_seconds

REPO_ROOT = Path(__file__).resolve().parents[1]

# (category, test on one frame "function (file:line)"), tried from the innermost frame outwards;
# the first frame that matches any rule names the sample's category. A sample anywhere under a
# model's ``fit`` is training.
CATEGORIES = (
    ("end of run: gc.collect(2) (runner.postScriptGC)", lambda f: f.startswith("ScriptRunner._on_script_finished ")),
    ("plotly_chart: to_json", lambda f: "plotly/io/_json.py" in f),
    ("plotly_chart: re-validate figure", lambda f: "return_figure_from_figure_or_data" in f),
    ("figure building (figures.py + plotly objects)", lambda f: "latent_lab/drawing/figures.py" in f),
    ("download button (model_to_bytes, media files)",
     lambda f: "model_to_bytes" in f or "media_file" in f or "download_button" in f),
    ("model encode/decode/sample (vae_core)", lambda f: "vae_core/" in f),
    ("explorer data (latent_lab/drawing/latent_explorer.py)", lambda f: "latent_lab/drawing/latent_explorer.py" in f),
    ("component mount (streamlit components v2)", lambda f: "streamlit/components/v2" in f),
    ("plotly_chart: other", lambda f: "streamlit/elements/plotly_chart.py" in f),
    ("protobuf / messages", lambda f: "google/protobuf" in f or "forward_msg" in f
     or "streamlit/proto" in f),
    ("page state and URL (latent_lab/state/page_state.py)", lambda f: "latent_lab/state/page_state.py" in f),
    ("secrets file watcher (polls every 0.2 s)", lambda f: "streamlit/watcher/" in f),
    ("web server IO (uvicorn, starlette, websockets)",
     lambda f: any(m in f for m in ("uvicorn/", "starlette/", "websockets/", "tornado/", "asyncio/"))),
    ("streamlit runtime (script runner, widgets, caches)", lambda f: "streamlit/" in f),
    ("page and app code", lambda f: "latent_lab/" in f or re.search(r"\((app|\d_\w+)\.py:", f)),
)
TRAINING = "training (vae_core fit)"


def categorise(stack: str) -> str:
    frames = stack.split(";")
    if any(frame.startswith(("fit (vae_core", "train_model (latent_lab")) for frame in frames):
        return TRAINING
    for frame in reversed(frames):  # innermost first
        for name, test in CATEGORIES:
            if test(frame):
                return name
    return "other (interpreter, imports)"


# Innermost frames where a thread waits rather than works (sleeping, polling its sockets, waiting
# for work); py-spy does not always tell these from work, so they are dropped.
IDLE_LEAVES = ("(selectors.py:", "polling_path_watcher.py:90)", "(concurrent/futures/thread.py:81)",
               "Condition.wait (threading.py", "Event.wait (threading.py")


def read_profile(path: Path):
    """Samples per category, and per function the samples whose stack includes it (idle dropped)."""
    by_category = collections.Counter()
    inclusive = collections.Counter()
    leaf = collections.Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        if any(mark in stack.rsplit(";", 1)[-1] for mark in IDLE_LEAVES):
            continue
        total += n
        by_category[categorise(stack)] += n
        for frame in set(stack.split(";")):
            inclusive[frame] += n
        leaf[stack.split(";")[-1]] += n
    return total, by_category, inclusive, leaf


class Profiler:
    """``py-spy record`` attached to the server for one block of actions."""

    def __init__(self, pid, path: Path, rate=200):
        exe = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        self.proc = subprocess.Popen(
            [exe, "record", "--pid", str(pid), "--rate", str(rate), "--format", "raw",
             "--nonblocking", "--output", str(path)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.path = path

    def stop(self):
        self.proc.send_signal(signal.SIGINT)  # py-spy writes its file on Ctrl-C
        _, err = self.proc.communicate(timeout=60)
        if not self.path.exists():
            raise RuntimeError(f"py-spy wrote nothing: {err.decode(errors='replace')[-500:]}")


async def warm_up(browser, server):
    """Every page once: load the shipped models and fill the caches. Server CPU it took."""
    page = await crowd.new_visitor_page(browser)
    cpu0 = cpu_seconds(server.process.pid)
    await crowd.open_app(page, server.url, 180_000, 50)
    for label in crowd.PAGES[1:]:
        await crowd.visit(page, label, 180_000, 50)
    await page.context.close()
    return cpu_seconds(server.process.pid) - cpu0


async def profile_blocks(browser, server, out: Path, repeats, trains, prefix=""):
    """One py-spy recording per action type; category shares and the heaviest functions."""
    timeout, poll = 120_000, 50
    rng = __import__("random").Random(1)
    page = await crowd.new_visitor_page(browser)
    await crowd.open_app(page, server.url, timeout, poll)
    results = {}

    async def block(name, steps):
        path = out / f"profile-{prefix}{name}.txt"
        prof = Profiler(server.process.pid, path)
        cpu0 = cpu_seconds(server.process.pid)
        try:
            for step in steps:
                await step()
        finally:
            prof.stop()
        total, by_category, inclusive, leaf = read_profile(path)
        results[name] = {
            "server_cpu_s": round(cpu_seconds(server.process.pid) - cpu0, 2),
            "samples": total,
            "categories": {k: round(v / total, 3) for k, v in by_category.most_common()},
            "top_inclusive": [(frame, round(n / total, 3)) for frame, n in inclusive.most_common(60)],
            "top_self": [(frame, round(n / total, 3)) for frame, n in leaf.most_common(30)],
        }

    tour = [p for p in crowd.PAGES if p != crowd.HOME] + [crowd.HOME]
    await block("visit", [lambda t=t: crowd.visit(page, t, timeout, poll)
                          for t in (tour * repeats)[: max(repeats, len(tour))]])
    steps = []
    for where, key in crowd.SLIDERS.items():
        steps.append(lambda w=where: crowd.visit(page, w, timeout, poll))
        steps += [lambda k=key: crowd.slide(page, k, rng, timeout, poll)] * max(2, repeats // 4)
    await block("slider", steps)  # includes the visits to the slider pages
    await crowd.visit(page, crowd.LATENT, timeout, poll)
    await block("click", [lambda: crowd.click_map(page, rng, timeout, poll)] * repeats)
    await crowd.visit(page, crowd.TRAINING, timeout, poll)
    base = 2_000_000 + int(time.time()) % 1_000_000
    await block("train_miss", [lambda s=base + i: crowd.retrain(page, s, timeout, poll)
                               for i in range(trains)])
    await block("train_hit", [lambda s=base + i: crowd.retrain(page, s, timeout, poll)
                              for i in range(trains)])
    await page.context.close()
    return results


def print_tables(report):
    print(f"\nwarm-up (first visit of every page, fresh server): {report['warm_up_cpu_s']:.2f} s CPU")
    print(f"server idle: {report['solo']['idle_server_cpu_ms_per_s']} ms CPU per second")
    print(f"\n{'action':30} {'n':>4} {'server CPU/action':>18} {'latency p50':>12} {'sent':>10} "
          f"{'browser CPU':>12}")
    for name, row in {**report["solo"]["by_type"], **report["solo"]["by_page"]}.items():
        print(f"{name:30} {row['count']:>4} {row['server_cpu_ms_per_action']:>15.1f} ms "
              f"{row['latency_p50_s']:>10.3f} s {row['websocket_kib_per_action']:>6.0f} KiB "
              f"{row['client_cpu_ms_per_action']:>9.0f} ms")
    if "memory" in report:
        print("\nserver resident memory (MiB): " + ", ".join(
            f"{name} {value}" for name, value in report["memory"].items()))
    for name, prof in report.get("profile", {}).items():
        print(f"\nwhere the server's CPU goes: {name} ({prof['server_cpu_s']} s CPU, "
              f"{prof['samples']} samples)")
        for category, share in prof["categories"].items():
            print(f"  {100 * share:5.1f} %  {category}")


async def memory_with_sessions(browser, server, n_sessions):
    """The server's resident memory with 1..n sessions open, each having visited every page."""
    pages, memory = [], {}
    for i in range(1, n_sessions + 1):
        page = await crowd.new_visitor_page(browser)
        await crowd.open_app(page, server.url, 180_000, 50)
        for label in crowd.PAGES[1:]:
            await crowd.visit(page, label, 180_000, 50)
        pages.append(page)
        if i in (1, 5, 10, 20) or i == n_sessions:
            memory[f"{i} sessions"] = round(server.rss_kib() / 1024, 1)
    for page in pages:
        await page.context.close()
    return memory


def analyse(folder: Path):
    """Categories of the py-spy recordings already in ``folder`` (profile-*.txt)."""
    report = {"profile": {}}
    for path in sorted(folder.glob("profile-*.txt")):
        total, by_category, _, _ = read_profile(path)
        report["profile"][path.stem.removeprefix("profile-")] = {
            "server_cpu_s": "?", "samples": total,
            "categories": {k: round(v / total, 3) for k, v in by_category.most_common()}}
    for name, prof in report["profile"].items():
        print(f"\n{name} ({prof['samples']} samples, idle dropped)")
        for category, share in prof["categories"].items():
            print(f"  {100 * share:5.1f} %  {category}")


async def main_async(args):
    if args.analyse:
        analyse(Path(args.analyse))
        return
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    report = {}
    args_for_server = [a for arg in args.server_arg for a in arg.split("=", 1)]
    report["server_args"] = args_for_server
    with StreamlitServer(REPO_ROOT, log_path=out / "server_cost-server.log",
                         args=args_for_server) as server:
        memory = {"idle, no session yet": round(server.rss_kib() / 1024, 1)}
        async with async_playwright() as pw:
            browser = await crowd.launch(pw)
            report["warm_up_cpu_s"] = round(await warm_up(browser, server), 2)
            memory["after one visit of every page"] = round(server.rss_kib() / 1024, 1)
            solo = await crowd.solo_costs(browser, server, repeats=args.repeats, trains=args.trains)
            report["solo"] = {k: v for k, v in solo.items() if k != "rows"}
            report["solo_rows"] = solo["rows"]
            if not args.no_profile:
                report["profile"] = await profile_blocks(browser, server, out, args.repeats,
                                                         args.trains, prefix=f"{args.name}-" if args.name else "")
            if args.memory_sessions:
                memory.update(await memory_with_sessions(browser, server, args.memory_sessions))
            report["memory"] = memory
            await browser.close()
        report["server_rss_mib"] = round(server.rss_kib() / 1024, 1)
        report["server_peak_rss_mib"] = round(server.peak_rss_kib() / 1024, 1)
    name = args.name or "server_cost"
    (out / f"{name}.json").write_text(json.dumps(report, indent=1))
    print_tables(report)
    print(f"\nwritten: {out / name}.json")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(REPO_ROOT / "artifacts" / "load"))
    parser.add_argument("--name", help="file name of the report (default: server_cost)")
    parser.add_argument("--analyse", metavar="DIR", help="only categorise the py-spy recordings "
                        "(profile-*.txt) already in DIR")
    parser.add_argument("--repeats", type=int, default=12, help="visits, slider steps and clicks")
    parser.add_argument("--trains", type=int, default=3, help="retrainings, missed then hit")
    parser.add_argument("--no-profile", action="store_true", help="skip the py-spy breakdown")
    parser.add_argument("--memory-sessions", type=int, default=10,
                        help="finally, resident memory with up to this many sessions open (0: skip)")
    parser.add_argument("--server-arg", action="append", default=[], metavar="--OPTION=VALUE",
                        help="a streamlit option for the server, to compare settings "
                             "(e.g. --server-arg=--runner.postScriptGC=false)")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
