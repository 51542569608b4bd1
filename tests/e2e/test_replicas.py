"""Replicas behind a real reverse proxy: any replica answers any link (deploy/nginx.conf).

Two ``streamlit run app.py`` replicas behind nginx, configured from ``deploy/nginx.conf``: a
WebSocket upgrade for the app's stream and sticky sessions by a route cookie. The route a browser
carries picks its replica, and nginx's access log says which replica answered each request, so
each test knows where its sessions really ran.

- A view made through one replica, opened by its link through the other, is the same view:
  the same settings, the same pinned point, the same images.
- One browser's requests all reach the replica that holds its session: the model file it uploads
  and the model file it downloads (both kept in that replica's memory) work every time.

Needs nginx: the fixture runs ``scripts/ensure_proxy.sh``, which installs Debian's when it is
missing and it may (root or sudo); without nginx the tests are skipped, saying why.
"""

from __future__ import annotations

import re
import subprocess
import time

import pytest

from harness.browser import (
    REPO_ROOT,
    NginxProxy,
    StreamlitServer,
    assert_same_view,
    error_texts,
    make_a_view,
    new_page,
    nginx_executable,
    open_app,
    read_view,
    rerun_after,
)
from vae_core import load_model

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

COOKIE = "latentlab_route"


@pytest.fixture(scope="module")
def replicas(tmp_path_factory):
    """Two replicas and nginx in front of them: (servers, proxy)."""
    if nginx_executable() is None:  # install it where we may (as root or through sudo)
        subprocess.run([str(REPO_ROOT / "scripts" / "ensure_proxy.sh")], check=False)
    if nginx_executable() is None:
        pytest.skip("nginx not found, and scripts/ensure_proxy.sh could not install it "
                    "(needs root or sudo and Debian's apt-get)")
    run = tmp_path_factory.mktemp("replicas")
    servers = [StreamlitServer(REPO_ROOT, log_path=run / f"replica{i}.log") for i in range(2)]
    proxy = NginxProxy([f"127.0.0.1:{s.port}" for s in servers], run / "nginx")
    try:
        for server in servers:
            server.start()
        proxy.start()
        yield servers, proxy
    finally:
        proxy.stop()
        for server in servers:
            server.stop()


def address(server):
    return f"127.0.0.1:{server.port}"


def route_to(proxy, server):
    """A route cookie value that nginx sends to ``server``."""
    for i in range(200):
        route = f"route{i}"
        if proxy.upstream_of(route) == address(server):
            return route
    raise AssertionError(f"no route reaches {address(server)}")


def page_on(browser, proxy, route):
    """A new browser session whose requests carry ``route``."""
    page = new_page(browser)
    page.context.add_cookies([{"name": COOKIE, "value": route, "url": proxy.url}])
    return page


def answered_by(proxy, route, what="GET /_stcore/stream", timeout=30.0):
    """The replicas that answered the requests of ``route`` starting with ``what``.

    nginx logs a request when it ends, a WebSocket when it closes: so close the session first.
    """
    deadline = time.monotonic() + timeout
    while True:
        rows = [r for r in proxy.log_lines() if r["route"] == route and r["request"].startswith(what)]
        if rows or time.monotonic() > deadline:
            return {r["upstream"] for r in rows}
        time.sleep(0.1)  # polling the access log for the line nginx writes on close


def test_a_view_made_on_one_replica_is_the_same_through_another(browser, replicas):
    (first, second), proxy = replicas
    route_a, route_b = route_to(proxy, first), route_to(proxy, second)

    maker = page_on(browser, proxy, route_a)
    view = make_a_view(maker, proxy.url)
    link = maker.url
    assert link.startswith(proxy.url) and "beta_beta=4" in link
    maker.context.close()
    # The whole session ran on the first replica, over a WebSocket through the proxy.
    assert answered_by(proxy, route_a) == {address(first)}
    assert {r["upstream"] for r in proxy.log_lines() if r["route"] == route_a} == {address(first)}

    visitor = page_on(browser, proxy, route_b)
    try:
        open_app(visitor, link)
        assert error_texts(visitor) == []
        assert_same_view(read_view(visitor), view)
    finally:
        visitor.context.close()
    assert answered_by(proxy, route_b) == {address(second)}


def test_one_browser_stays_on_its_replica_for_uploads_and_downloads(browser, replicas, tmp_path):
    _, proxy = replicas
    page = new_page(browser)  # no route yet: nginx picks one and sets the cookie
    try:
        open_app(page, f"{proxy.url}/Training_dynamics")
        route = next(c["value"] for c in page.context.cookies() if c["name"] == COOKIE)
        # The model uploader sits in the "Load a saved model" popover of the settings.
        opener = page.get_by_role("button", name=re.compile("Load a saved model"))
        uploader = page.locator('.st-key-train_upload [data-testid="stFileUploaderDropzoneInput"]')
        download = page.locator(".st-key-train_download_button button")
        # Each round trip is a request of its own: with requests spread over the replicas, one of
        # them would reach a replica that does not hold this session.
        for i, stem in enumerate(["ae_default", "vae_default"] * 2):
            asset = REPO_ROOT / "assets" / f"{stem}.npz"
            dropzone = page.locator('.st-key-train_upload [data-testid="stFileUploaderDropzone"]')
            if not dropzone.is_visible():  # the popover is closed
                opener.click()
                dropzone.wait_for(state="visible")
            rerun_after(page, lambda a=asset: uploader.set_input_files(a))
            page.keyboard.press("Escape")  # close the popover, as a person would
            caption = page.get_by_text(re.compile(r"^Showing: ")).inner_text()
            assert f"uploaded file {stem}" in caption.replace("\\", ""), caption
            assert error_texts(page) == []
            with page.expect_download() as info:
                download.click()
            assert info.value.failure() is None, f"round {i}: {info.value.failure()}"
            saved = tmp_path / f"{i}.npz"
            info.value.save_as(saved)
            assert load_model(saved).get_params() == load_model(asset).get_params()
    finally:
        page.context.close()
    replicas_used = {r["upstream"] for r in proxy.log_lines() if r["route"] == route}
    assert len(replicas_used) == 1, replicas_used
