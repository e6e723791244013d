"""The review page end to end in Debian's Chromium (Playwright), against a real uvicorn server:
log in, the queue by keyboard, a case with its highlighted evidence, a decision with a
recording correction and a rejected link, the audit trail, the labels and corrections
exports, log out. Every page is checked for accessibility basics, for resources fetched from
anywhere but the server, and for errors in the browser's console. Screenshots of each step
go to ``test-artifacts/review/`` (or ``$STALKFLAG_TEST_ARTIFACTS/review/``)."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from stalkflag.review._db import Incident, Pattern
from tests.conftest import PROJECT
from tests.service.conftest import MARKUP, PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip

ACCESSIBILITY = """() => {
  const problems = [];
  if (!document.documentElement.lang) problems.push("the page has no lang");
  if (!document.title.trim()) problems.push("the page has no title");
  const h1 = document.querySelectorAll("h1").length;
  if (h1 !== 1) problems.push(h1 + " h1 elements");
  let last = 0;
  for (const h of document.querySelectorAll("h1, h2, h3, h4, h5, h6")) {
    const level = Number(h.tagName[1]);
    if (level > last + 1) problems.push(h.tagName + " after h" + last + ": " + h.textContent.trim());
    last = level;
  }
  for (const el of document.querySelectorAll("input, select, textarea")) {
    if (el.type === "hidden") continue;
    if (!el.labels.length && !el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby"))
      problems.push("no label: " + el.tagName.toLowerCase() + " " + (el.id || el.name));
  }
  for (const el of document.querySelectorAll("a[href], button")) {
    if (!el.textContent.trim() && !el.getAttribute("aria-label"))
      problems.push("no name: " + el.outerHTML.slice(0, 60));
  }
  return problems;
}"""
FOCUSED = "[document.activeElement.outerHTML.slice(0, 80), getComputedStyle(document.activeElement).outline, document.activeElement.matches(':focus'), document.hasFocus()]"
FOCUS_SHOWN = """() => {
  const s = getComputedStyle(document.activeElement);
  return s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2;
}"""


def _artifacts() -> Path:
    folder = Path(os.environ.get("STALKFLAG_TEST_ARTIFACTS") or PROJECT / "test-artifacts")
    (folder / "review").mkdir(parents=True, exist_ok=True)
    return folder / "review"


@pytest.fixture()
def server(app) -> Iterator[str]:
    """The application served by uvicorn on a free port of 127.0.0.1, in a thread."""
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    serving = uvicorn.Server(config)
    thread = threading.Thread(target=serving.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not serving.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    serving.should_exit = True
    thread.join(timeout=10)
    sock.close()


def _chromium(playwright):
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the review page's browser test drives Debian's Chromium; "
            "`make setup` installs it (apt-get install chromium chromium-driver)."
        )
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)


class Checked:
    """A page with what every step checks: accessibility, visible focus, a screenshot."""

    def __init__(self, page, base: str) -> None:
        self.page = page
        self.base = base
        self.folder = _artifacts()
        self.step = 0

    def at(self, path: str) -> None:
        self.page.wait_for_url(self.base + path)

    def look(self, name: str, *, tab: bool = True) -> None:
        problems = self.page.evaluate(ACCESSIBILITY)
        assert problems == [], (self.page.url, problems)
        if tab:  # the next stops of the keyboard show where the focus is
            for _ in range(3):
                self.page.keyboard.press("Tab")
                if self.page.evaluate("document.activeElement === document.body"):
                    break  # past the page's last control
                shown = self.page.evaluate(FOCUS_SHOWN)
                assert shown, (self.page.url, self.page.evaluate(FOCUSED))
        self.step += 1
        self.page.screenshot(path=str(self.folder / f"{self.step:02d}-{name}.png"), full_page=True)


def test_review_a_case_in_chromium(server, app, scored_run):
    from playwright.sync_api import sync_playwright

    requests: list[str] = []
    console: list[str] = []
    dialogs: list[str] = []
    with sync_playwright() as p:
        browser = _chromium(p)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.on("request", lambda r: requests.append(r.url))
            page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: console.append(str(e)))
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            try:
                _flow(Checked(page, server), app, scored_run)
            except BaseException:
                page.screenshot(path=str(_artifacts() / "failed.png"), full_page=True)
                raise
        finally:
            browser.close()
    assert requests and all(u.startswith(server + "/") for u in requests), set(requests)
    assert console == [], console
    assert dialogs == []
    shots = sorted(_artifacts().glob("*.png"))
    assert len(shots) >= 8 and all(s.stat().st_size > 5_000 for s in shots)


def _flow(c: Checked, app, scored_run) -> None:
    page = c.page
    # anonymous: to the login page
    page.goto(c.base + "/queue")
    c.at("/login")
    assert page.evaluate("document.activeElement.id") == "username"  # autofocus
    c.look("login")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    with page.expect_navigation(url=c.base + "/queue"):
        page.get_by_role("button", name="Log in").click()
    assert page.locator("a.case-link").count() > 0
    c.look("queue", tab=False)

    # the queue by keyboard: j to the first case, Enter to open it
    page.keyboard.press("j")
    focused = page.evaluate("[document.activeElement.className, document.activeElement.href]")
    assert focused[0] == "case-link", focused
    page.keyboard.press("Enter")
    page.wait_for_url(focused[1])
    case_id = int(focused[1].rsplit("/", 1)[1])
    with app.state.store.session() as db:
        incidents = db.scalars(select(Incident).where(Incident.pattern_id == case_id)).all()
        ids = [i.incident_id for i in sorted(incidents, key=lambda i: i.reported_at)]
        recorded = {i.incident_id: i.recorded_category for i in incidents}
        pair = db.get(Pattern, case_id).pair_id
    assert len(ids) >= 2, "the top case should link several incidents"

    # highlighted evidence: marks labelled with the behaviour and its FOUR element
    marks = page.locator(".note mark")
    assert marks.count() > 0
    assert marks.first.get_attribute("title")
    assert marks.first.locator(".tag").inner_text().startswith("[")
    c.look("case", tab=False)

    # decide: c picks "confirmed"; reclassify; reject the first link; s saves
    page.keyboard.press("c")
    assert page.evaluate("document.activeElement.id") == "decision-confirmed"
    assert page.is_checked("#decision-confirmed")
    page.check("#reclassify")
    page.check("#reject-1")
    with page.expect_navigation(url=f"{c.base}/cases/{case_id}"):
        page.keyboard.press("s")
    history = page.locator("section[aria-labelledby=history-h]").inner_text()
    assert "admin: confirmed stalking · reclassify as stalking" in history
    assert "1 links rejected" in history
    # the form shows the decision as saved, so saving it again (with a note) keeps it all
    assert page.is_checked("#decision-confirmed") and page.is_checked("#reject-1")
    assert page.is_checked("#reclassify") and not page.is_checked("#reject-2")
    reason = page.input_value("#correction_reason")
    assert reason and f"reclassify as stalking ({reason})" in history
    assert page.locator("#incident-1 .badge", has_text="link rejected").count() == 1
    c.look("decided")

    # a note holding markup shows it as text and runs nothing
    with app.state.store.session() as db:
        marked = db.scalar(
            select(Incident.pattern_id).where(Incident.incident_id.in_(scored_run.marked))
        )
    page.goto(f"{c.base}/cases/{marked}")
    notes = "\n".join(page.locator(".note").all_inner_texts())
    assert MARKUP in notes
    assert page.locator(".note script, .note b").count() == 0
    sources = page.evaluate("Array.from(document.scripts, s => s.src)")
    assert sources == [f"{c.base}/static/keys.js"]
    page.locator(".note", has_text=MARKUP).scroll_into_view_if_needed()
    c.look("markup-as-text", tab=False)

    # the audit trail shows the decision
    page.get_by_role("link", name="Audit trail").click()
    c.at("/audit")
    row = page.locator("tr", has_text=f"case {case_id}").filter(has_text="decide")
    assert row.count() == 1
    assert "confirmed; reclassify as stalking; 1 links rejected" in row.inner_text()
    c.look("audit")

    # the exports: this case's incidents but the rejected link, labelled 1
    labels = _download(page, "Export labels")
    mine = labels[labels["pair_id"] == pair]
    assert list(mine["incident_id"]) == ids[1:]
    assert set(mine["label"]) == {"1"} and set(mine["decision"]) == {"confirmed"}
    corrections = _download(page, "Export corrections")
    expected = [i for i in ids[1:] if recorded[i] != "stalking"]
    assert list(corrections["incident_id"]) == expected
    assert set(corrections["corrected_category"]) <= {"stalking"}

    page.goto(c.base + "/users")
    c.look("users")

    # log out: the queue sends us to the login page again
    page.get_by_role("button", name="Log out").click()
    c.at("/login")
    page.goto(c.base + "/queue")
    c.at("/login")
    c.look("logged-out", tab=False)


def _download(page, link: str) -> pd.DataFrame:
    with page.expect_download() as download:
        page.get_by_role("link", name=link).click()
    return pd.read_csv(download.value.path(), dtype=str, keep_default_na=False)
