"""A crowd on one server: 20 browser sessions for 3 minutes, visiting, sliding, clicking, retraining.

Not part of the default run (marker ``load``); ``make load`` runs it, ``LOAD_MINUTES=0.5 make load``
or ``pytest tests/load -m load --load-minutes 0.5`` is a quick check. It writes its figures to
``artifacts/load/crowd-<time>.json`` (and ``crowd-latest.json``) and prints a summary.

Phases, all against one fresh ``streamlit run app.py``:

1. warm-up: one session visits every page (the first visits load the shipped models);
2. the crowd (``crowd.run_crowd``): the visitors arrive one by one over 30 s and open the app;
   once all are in, they act together for ``--load-minutes``: errors, actions per type, latency
   per type, the server's CPU and memory, the browsers' CPU (the machine's other processes too);
3. the crowd leaves: the server's memory at once and after a minute with no session (and its idle
   CPU over that minute);
4. cost per action (``crowd.solo_costs``): one session repeats each action type alone, and the
   server's CPU time per action of each type is measured; with these as weights, the crowd's
   measured server CPU is split over the action types it did.

The test fails on any error (a wait that timed out, an exception on a page, a wrong page or
model after an action, an uncaught JavaScript error) and if a visitor did nothing.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from pathlib import Path

import pytest
from playwright.async_api import async_playwright

from harness import crowd
from harness.browser import REPO_ROOT, StreamlitServer, cpu_seconds, memory_kib

pytestmark = [pytest.mark.load]


def options_from(config):
    return crowd.CrowdOptions(sessions=config.getoption("--load-sessions"),
                              minutes=config.getoption("--load-minutes"))


async def measure(server, options):
    report = {"options": {"sessions": options.sessions, "minutes": options.minutes,
                          "think_s": list(options.think_s), "ramp_s": options.ramp_s,
                          "train_epochs": crowd.TRAIN_EPOCHS, "seed_pool": options.seed_pool}}
    pid = server.process.pid
    report["server_start_rss_mib"] = round(server.rss_kib() / 1024, 1)
    async with async_playwright() as pw:
        browser = await crowd.launch(pw)
        # 1. warm-up
        cpu0 = cpu_seconds(pid)
        page = await crowd.new_visitor_page(browser)
        await crowd.open_app(page, server.url, 180_000, 50)
        for label in crowd.PAGES[1:]:
            await crowd.visit(page, label, 180_000, 50)
        await page.context.close()
        report["warm_up"] = {"server_cpu_s": round(cpu_seconds(pid) - cpu0, 2),
                             "rss_mib": round(server.rss_kib() / 1024, 1)}

        # 2. the crowd
        log = crowd.Log()
        report["crowd"] = await crowd.run_crowd(browser, server, options, log, random.Random(0))
        report["crowd"]["actions"] = sum(r.action != "open" for r in log.records)
        report["crowd"]["peak_rss_mib"] = round(server.peak_rss_kib() / 1024, 1)  # VmHWM
        report["latency"] = crowd.latency_table(log.records)
        report["errors"] = log.errors
        report["crowd"]["sessions_acting"] = len({r.session for r in log.records if r.action == "open"})
        report["actions_per_session"] = [sum(r.session == s and r.action != "open" for r in log.records)
                                         for s in range(options.sessions)]
        trains = [r for r in log.records if r.action == "train"]
        report["trainings"] = {"count": len(trains),
                               "distinct_seeds": len({r.detail for r in trains})}

        # 3. the crowd has left
        after = {"rss_at_once_mib": round(server.rss_kib() / 1024, 1)}
        cpu0, t0 = cpu_seconds(pid), time.perf_counter()
        samples = []
        while time.perf_counter() - t0 < 60:  # a minute with no session, sampled
            samples.append(memory_kib(pid)["VmRSS"])
            await asyncio.sleep(1)
        after["rss_after_1_min_mib"] = round(server.rss_kib() / 1024, 1)
        after["idle_server_cpu_ms_per_s"] = round(1000 * (cpu_seconds(pid) - cpu0)
                                                  / (time.perf_counter() - t0), 2)
        report["after_clients_leave"] = after

        # 4. cost per action, one session alone
        solo = await crowd.solo_costs(browser, server)
        report["solo"] = {k: v for k, v in solo.items() if k != "rows"}
        await browser.close()
    report["server_peak_rss_mib"] = round(server.peak_rss_kib() / 1024, 1)
    report["server_per_action"] = split_crowd_cpu(report)
    report["records"] = [vars(r) for r in log.records]
    return report


def split_crowd_cpu(report):
    """The crowd's server CPU split over action types, weighted by their solo cost.

    ``solo_ms`` is what one action costs the server when a session acts alone; ``crowd_ms``
    scales those so that they add up to the server CPU the crowd phase really used (the ratio
    says how much dearer an action is with 20 sessions around: bigger heaps to collect, more
    messages, more rerun bookkeeping).
    """
    solo = report["solo"]["by_type"]
    # The opens happened while the visitors arrived, before the measured phase.
    counts = {name: row["count"] for name, row in report["latency"].items() if name != "open"}
    idle = report["after_clients_leave"]["idle_server_cpu_ms_per_s"] / 1000
    measured = report["crowd"]["server_cpu_s"] - idle * report["crowd"]["wall_s"]
    estimated = sum(counts[name] * solo[name]["server_cpu_ms_per_action"] / 1000
                    for name in counts if name in solo)
    scale = measured / estimated if estimated else float("nan")
    split = {"measured_crowd_server_cpu_s": round(measured, 2),
             "solo_estimate_s": round(estimated, 2), "crowd_over_solo": round(scale, 2),
             "by_type": {}}
    for name, count in counts.items():
        if name in solo:
            ms = solo[name]["server_cpu_ms_per_action"]
            split["by_type"][name] = {"count": count, "solo_ms": ms, "crowd_ms": round(ms * scale, 1)}
    return split


def summary(report):
    c, lat, per = report["crowd"], report["latency"], report["server_per_action"]
    a = c["arrival"]
    lines = [
        f"arrival: {report['options']['sessions']} visitors opened the app in {a['wall_s']:.0f} s "
        f"(server {a['server_cpu_s']:.0f} s CPU, browsers {a['client_cpu_s']:.0f} s CPU)",
        f"{c['sessions_acting']} sessions together for {report['options']['minutes']:g} min: "
        f"{c['actions']} actions, {len(report['errors'])} errors",
        f"{'action':8} {'count':>6} {'p50 s':>7} {'p95 s':>7} {'solo p50':>9} "
        f"{'server CPU solo':>16} {'in the crowd':>13} {'browser CPU solo':>17}",
    ]
    solo = report["solo"]["by_type"]
    for name, row in lat.items():
        cost = per["by_type"].get(name, {})
        solo_p50 = solo.get(name, {}).get("latency_p50_s", float("nan"))
        lines.append(f"{name:8} {row['count']:>6} {row['p50_s']:>7.2f} {row['p95_s']:>7.2f} "
                     f"{solo_p50:>9.2f} {cost.get('solo_ms', float('nan')):>13.0f} ms "
                     f"{cost.get('crowd_ms', float('nan')):>10.0f} ms "
                     f"{solo.get(name, {}).get('client_cpu_ms_per_action', float('nan')):>14.0f} ms")
    lines += [
        f"CPU over {c['wall_s']:.0f} s on {c['cores']} cores: server {c['server_cpu_s']:.0f} s "
        f"({c['server_cores_used']:.2f} cores), browsers and driver {c['client_cpu_s']:.0f} s "
        f"({c['client_cores_used']:.2f} cores), other processes {c['others_cpu_s']:.0f} s; "
        f"machine busy {100 * c['machine_busy_share']:.0f} %",
        f"server RSS: start {report['server_start_rss_mib']} MiB, after warm-up "
        f"{report['warm_up']['rss_mib']} MiB, peak {report['server_peak_rss_mib']} MiB (VmHWM; "
        f"sampled {c['peak_sampled_rss_mib']} MiB), clients gone "
        f"{report['after_clients_leave']['rss_at_once_mib']} MiB, a minute later "
        f"{report['after_clients_leave']['rss_after_1_min_mib']} MiB",
    ]
    return "\n".join(lines)


@pytest.mark.timeout(0)  # bounded below, by --load-minutes plus a margin
def test_a_crowd_of_browser_sessions_gets_every_answer(request, tmp_path, capsys):
    options = options_from(request.config)
    out = Path(request.config.getoption("--load-out"))
    out = out if out.is_absolute() else REPO_ROOT / out
    out.mkdir(parents=True, exist_ok=True)
    server_args = [part for arg in request.config.getoption("--load-server-arg")
                   for part in arg.split("=", 1)]
    with StreamlitServer(REPO_ROOT, log_path=tmp_path / "server.log", args=server_args) as server:
        # Every action has its own timeout; this bounds the whole run as well.
        budget = options.minutes * 60 + 900
        report = asyncio.run(asyncio.wait_for(measure(server, options), timeout=budget))
    report["server_args"] = server_args
    stamp = time.strftime("%Y%m%d-%H%M%S")
    text = json.dumps(report, indent=1)
    (out / f"crowd-{stamp}.json").write_text(text)
    (out / "crowd-latest.json").write_text(text)
    with capsys.disabled():
        print("\n" + summary(report) + f"\nwritten: {out / f'crowd-{stamp}.json'}")

    assert report["errors"] == [], report["errors"][:5]
    assert report["crowd"]["sessions_acting"] == options.sessions
    assert min(report["actions_per_session"]) >= 2, report["actions_per_session"]  # all acted
    for action in ("open", "visit", "slider", "click"):
        assert report["latency"].get(action, {}).get("count", 0) > 0, f"no {action} happened"
    if options.minutes >= 1:
        assert report["trainings"]["count"] > 0, "nobody retrained"
