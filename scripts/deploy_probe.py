"""What scripts/deploy_check.sh needs in Python: the rendered manifests in the forms podman 4.3
plays, and the visits a person makes, in Chromium, to two app replicas behind the check's proxy.

    deploy_probe.py split RENDERED OUT_DIR   one file per object of `kubectl kustomize`'s
                                             output (KIND-NAME.yaml), as podman 4.3 takes them
    deploy_probe.py browse URL A B KILL      the checks through the proxy at URL, whose replicas
                                             A and B (their addresses, host:port) a cookie picks;
                                             KILL is B's container, killed mid-turn

podman 4.3 plays Pods, Deployments (each replica a pod), PersistentVolumeClaims and ConfigMaps,
but neither Jobs nor Secrets: a Job is written as the Pod its template describes (played once,
as Kubernetes runs it), and a Secret as the JSON podman's own secret store gives kube play (each
key's value in base64), for `podman secret create`. Services have no podman counterpart: the
check gives each workload's pods its Service's name on the network instead. Containers lose
their `ports`, which podman 4.3 would publish on every address of the host.

Prints one line per check; exits non-zero with the reason on the first that fails.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from dsf_app.services.turns import CUT_OFF
from scripts.container_probe import (
    KILLED_ASK,
    KILLED_REPLY,
    NEXT_ASK,
    NEXT_REPLY,
    SLOW_ASK,
    SLOW_REPLY,
    TURN_TIMEOUT_MS,
    CheckFailed,
    check,
    chromium_page,
    generated_image_shows,
    send_chat,
)
from tests.accounts import SESSION_COOKIE, new_account, sign_up_in_browser, use_session

# The proxy sends a request to the replica this cookie names (a or b) while it lives, to the
# other when it does not, and to either without the cookie (deploy_check.sh's nginx.conf).
REPLICA_COOKIE = "dsf_replica"
UPSTREAM_HEADER = "x-dsf-upstream"
# A turn whose replica died is closed by the others once its heartbeat is stale (30 s,
# dsf_app/workers.py), when the tab next loads its chat.
CLOSED_TIMEOUT_MS = 150_000


def split(rendered: Path, out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for document in yaml.safe_load_all(rendered.read_text()):
        if not document:
            continue
        kind, name = document["kind"], document["metadata"]["name"]
        if kind == "Secret":
            values = {
                **document.get("data", {}),
                **{
                    key: base64.b64encode(str(value).encode()).decode()
                    for key, value in document.get("stringData", {}).items()
                },
            }
            (out_dir / f"secret-{name}.json").write_text(json.dumps(values))
            continue
        if kind == "Job":
            document = job_as_pod(document)
        if kind in ("Pod", "Deployment", "Job"):
            unpublished(document)
        (out_dir / f"{kind.lower()}-{name}.yaml").write_text(yaml.safe_dump(document))
    print(f"  {len(list(out_dir.iterdir()))} objects in {out_dir}", flush=True)


def unpublished(workload: dict[str, Any]) -> None:
    """Without the containers' `ports`: podman 4.3 publishes every containerPort on all of the
    host's addresses, where Kubernetes only documents them (a Service's numeric targetPort
    needs none). The check's pods are reached on its own network."""
    spec = workload["spec"] if workload["kind"] == "Pod" else workload["spec"]["template"]["spec"]
    for container in spec["containers"]:
        container.pop("ports", None)


def job_as_pod(job: dict[str, Any]) -> dict[str, Any]:
    template = job["spec"]["template"]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {**template.get("metadata", {}), "name": job["metadata"]["name"]},
        "spec": template["spec"],
    }


@dataclass(frozen=True)
class Proxy:
    """The check's proxy at `url` and the addresses of the replicas A and B behind it."""

    url: str
    a: str
    b: str

    def through(self, page: Page, replica: str) -> None:
        """Point the tab at `replica` ("a" or "b") and open /worlds there. Which replica the
        tab's requests reach is asked with the tab's cookies (the page itself may come from
        the browser's cache, with the header of whichever replica served it first)."""
        page.context.add_cookies([{"name": REPLICA_COOKIE, "value": replica, "url": self.url}])
        page.goto(f"{self.url}/worlds")
        served_by = page.context.request.get(f"{self.url}/livez").headers.get(UPSTREAM_HEADER)
        expected = self.a if replica == "a" else self.b
        check(
            served_by == expected, f"the tab is served by replica {replica.upper()} ({served_by})"
        )


def browse(proxy: Proxy, kill: str) -> None:
    account = new_account("Deploy Check")
    with chromium_page(proxy.url) as page:
        proxy.through(page, "a")
        sign_up_in_browser(page, proxy.url, account)
        check(True, f"signed up {account.email} in Chromium through replica A")
        proxy.through(page, "b")
        # A replica's first page after its start may take a while on a busy machine.
        expect(page.locator("#account-name")).to_have_text(account.name, timeout=90_000)
        check(True, "replica B knows the session made on replica A")
        same_host_name_keeps_runs(page, proxy)
        generated_image_shows(page, proxy.url)
        killed_replica(page, proxy, kill)


def same_host_name_keeps_runs(page: Page, proxy: Proxy) -> None:
    """A turn driven by replica A while the same person's other tab loads the chat on replica
    B, which has the same host name: B must not take A's turn for a dead one."""
    proxy.through(page, "a")
    send_chat(page, SLOW_ASK)
    expect(page.locator("#chat-cancel")).to_be_visible()
    browser = page.context.browser
    assert browser is not None
    other = browser.new_context()
    session = [c for c in page.context.cookies(proxy.url) if c.get("name") == SESSION_COOKIE]
    use_session(other, proxy.url, session[0].get("value", ""))
    tab = other.new_page()
    proxy.through(tab, "b")
    expect(tab.locator("#chat-input")).to_be_visible()
    other.close()
    expect(page.locator(".chat-row .chat-assistant").last).to_contain_text(
        SLOW_REPLY, timeout=TURN_TIMEOUT_MS
    )
    check(
        page.locator(".chat-error").filter(has_text=CUT_OFF).count() == 0,
        "a turn on replica A finished while replica B (the same host name) loaded that chat",
    )


def killed_replica(page: Page, proxy: Proxy, container: str) -> None:
    """Replica B is killed (SIGKILL) while it drives the tab's turn: the tab carries on through
    A (no Cancel left standing), the turn ends on screen without a reload (closed with the usual
    sentence, or finished), and a new turn completes."""
    proxy.through(page, "b")
    closed = page.locator(".chat-error").filter(has_text=CUT_OFF)
    finished = page.locator(".chat-row .chat-assistant").filter(has_text=KILLED_REPLY)
    closed_before, finished_before = closed.count(), finished.count()
    send_chat(page, KILLED_ASK)
    expect(page.locator("#chat-cancel")).to_be_visible()
    subprocess.run(
        ["podman", "kill", "--signal", "KILL", container],
        check=True,
        timeout=60,
        stdout=subprocess.DEVNULL,
    )
    killed = time.monotonic()
    check(True, f"killed replica B ({container}) while it drove the turn")
    expect(page.locator("#chat-cancel")).to_have_count(0, timeout=CLOSED_TIMEOUT_MS)
    check(True, f"the tab is not stuck: no Cancel {time.monotonic() - killed:.0f} s after the kill")
    try:
        expect(closed.or_(finished)).to_have_count(
            closed_before + finished_before + 1, timeout=CLOSED_TIMEOUT_MS
        )
    except AssertionError as exc:
        raise CheckFailed(
            f"{CLOSED_TIMEOUT_MS // 1000} s after the kill the tab shows neither the cut-off "
            "sentence nor the reply: the turn looks as if it were still running"
        ) from exc
    how = "was closed with the sentence" if closed.count() > closed_before else "finished"
    check(True, f"the turn {how} on screen {time.monotonic() - killed:.0f} s after the kill")
    send_chat(page, NEXT_ASK)
    expect(page.locator(".chat-row .chat-assistant").last).to_contain_text(
        NEXT_REPLY, timeout=TURN_TIMEOUT_MS
    )
    check(True, "a new turn in the same tab completes through replica A")


def main() -> int:
    step = sys.argv[1]
    try:
        if step == "split":
            split(Path(sys.argv[2]), Path(sys.argv[3]))
        else:
            browse(Proxy(sys.argv[2].rstrip("/"), sys.argv[3], sys.argv[4]), sys.argv[5])
    except (CheckFailed, AssertionError, httpx.HTTPError, PlaywrightError) as exc:
        print(f"  FAILED: {exc or type(exc).__name__}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
