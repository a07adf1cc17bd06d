"""What the accessibility tests check in a page, in the browser that shows it.

axe-core (node_modules/axe-core, from package.json: `make axe`) is injected into the
page and run for the WCAG 2.1 A and AA rules; its best-practice rules are run too and
reported apart (docs/pages.md lists those that stay, with the reason). The other
checks read the page's geometry and text: reflow at 320 px, the language of parts,
the scroll regions, focus.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

from selenium.webdriver.remote.webdriver import WebDriver

from domain import commands
from interfaces.web import labels

ROOT = Path(__file__).resolve().parents[3]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
WIDTHS = (1280, 320)

# axe's rules, run once per page state: the WCAG 2.1 A/AA ones must find nothing;
# best practice is reported.
RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {
  runOnly: {type: "tag", values: arguments[0]},
  resultTypes: ["violations"],
}).then(
  (result) => done(result.violations.map((v) => ({
    id: v.id, impact: v.impact, tags: v.tags, help: v.help,
    nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5),
  }))),
  (error) => done(String(error)),
);
"""

# What sticks out sideways at the window's width: the document scrolling sideways,
# and each element past the window's edges that is not inside a data table's own
# scroll region (focusable, named) nor clipped away (visually hidden text).
OVERFLOW = """
const width = document.documentElement.clientWidth;
const found = [];
if (document.documentElement.scrollWidth > width) {
  found.push("the document is " + document.documentElement.scrollWidth + " px wide");
}
function describe(e) {
  let name = e.tagName.toLowerCase();
  if (e.id) name += "#" + e.id;
  else if (e.classList.length) name += "." + [...e.classList].join(".");
  return name;
}
function region(e) {
  for (let a = e.parentElement; a; a = a.parentElement) {
    const style = getComputedStyle(a);
    if (style.overflowX === "visible") continue;
    if (style.overflowX === "hidden" || style.overflowX === "clip") return "clipped";
    return a;
  }
  return null;
}
for (const e of document.body.querySelectorAll("*")) {
  const r = e.getBoundingClientRect();
  if (r.width === 0 || r.height === 0) continue;
  if (r.right <= width + 1 && r.left >= -1) continue;
  const style = getComputedStyle(e);
  if (style.visibility === "hidden") continue;
  const within = region(e);
  if (within === "clipped") continue;
  if (e.matches(".skip:not(:focus)")) continue;  // the skip link waits off-screen
  const named = within && (within.getAttribute("aria-label")
    || within.getAttribute("aria-labelledby"));
  if (named && within.tabIndex === 0 && within.getAttribute("role") === "region"
      && within.querySelector("table")
      && within.getBoundingClientRect().right <= width + 1) {
    continue;
  }
  found.push(describe(e) + " reaches " + Math.round(r.right) + " px");
  if (found.length > 8) break;
}
return found;
"""

# Every region that scrolls must be reachable by the keyboard and named.
SCROLLERS = """
const found = [];
for (const e of document.body.querySelectorAll("*")) {
  const style = getComputedStyle(e);
  if (!["auto", "scroll"].includes(style.overflowX) || e.scrollWidth <= e.clientWidth) {
    continue;
  }
  const named = e.getAttribute("aria-label") || e.getAttribute("aria-labelledby");
  if (e.tabIndex !== 0 || e.getAttribute("role") !== "region" || !named) {
    found.push((e.id ? "#" + e.id : e.className)
      + " scrolls but is not a named, focusable region");
  }
}
return found;
"""

# The text a Dutch page shows that is not Dutch: English words known to slip
# through, and codes (a_b) outside <code> and outside parts marked in another
# language.
VISIBLE_TEXT = """
const parts = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
  const e = node.parentElement;
  if (!e || e.closest("code, script, style, [hidden], .skip")) continue;
  const lang = e.closest("[lang]").getAttribute("lang");
  if (lang !== document.documentElement.lang) continue;
  if (!e.getClientRects().length) continue;
  const text = node.textContent.trim();
  if (text) parts.push(text);
}
const page = document.documentElement.lang;
for (const e of document.querySelectorAll("[aria-label], [title], [placeholder]")) {
  if (e.closest("[lang]").getAttribute("lang") !== page) continue;
  for (const name of ["aria-label", "title", "placeholder"]) {
    if (e.getAttribute(name)) parts.push(e.getAttribute(name));
  }
}
return parts;
"""
# A name shown as its code (a field without a label): "name", "coach_id".
NAMES_AS_CODES = """
const found = [];
for (const e of document.querySelectorAll(
    "main label:not(.check), main legend, main th, main dt, main caption")) {
  const words = e.cloneNode(true);
  for (const extra of words.querySelectorAll(".required, .code")) extra.remove();
  const text = words.textContent.trim();
  if (/^[a-z][a-z0-9_]*$/.test(text)) found.push(text);
}
return found;
"""
ENGLISH = re.compile(
    r"\b(Not Found|None|Method Not Allowed|Internal Server Error|Forbidden|version \d+"
    r"|is missing|does not match|belongs to no chain|field required|Field required"
    r"|value is not|Input should|page|true|false)\b"
)
CODE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")


@functools.cache
def codes() -> frozenset[str]:
    """Every name of a command's field: shown as such, a label is missing."""
    names = set(labels.FIELD_LABELS) | set(labels.FIGURE_LABELS)
    for command in vars(commands).values():
        if dataclasses.is_dataclass(command):
            names |= {f.name for f in dataclasses.fields(command)}
    return frozenset(names)


@dataclass
class Findings:
    """What the checks found, by page state."""

    states: int = 0
    violations: list[str] = field(default_factory=list)
    best_practice: dict[str, set[str]] = field(default_factory=dict)
    layout: list[str] = field(default_factory=list)
    language: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return self.violations + self.layout + self.language


def axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def run_axe(driver: WebDriver, source: str, tags: tuple[str, ...]) -> Any:
    if not driver.execute_script("return typeof window.axe === 'object'"):
        driver.execute_script(source)
    return driver.execute_async_script(RUN_AXE, list(tags))


def check_state(
    driver: WebDriver, source: str, findings: Findings, name: str, language: str
) -> None:
    """Runs every check on the page as it is now, at each width."""
    for width in WIDTHS:
        set_width(driver, width)
        where = f"{name} [{language}, {width} px]"
        findings.states += 1
        # Best practice once, at the full width.
        tags = (*WCAG, "best-practice") if width == WIDTHS[0] else WCAG
        violations = run_axe(driver, source, tags)
        assert isinstance(violations, list), f"{where}: axe failed: {violations}"
        for v in violations:
            if set(v["tags"]) & set(WCAG):
                findings.violations.append(
                    f"{where}: {v['id']} ({v['impact']}) {v['help']}: {v['nodes']}"
                )
            else:
                findings.best_practice.setdefault(v["id"], set()).add(name)
        for problem in driver.execute_script(SCROLLERS):
            findings.layout.append(f"{where}: {problem}")
        if width == 320:
            for problem in driver.execute_script(OVERFLOW):
                findings.layout.append(f"{where}: {problem}")
    set_width(driver, None)
    for text in driver.execute_script(NAMES_AS_CODES):
        if "_" in text or text in codes():
            findings.language.append(f"{name} [{language}]: {text!r}, a code")
    lang = driver.execute_script("return document.documentElement.lang")
    if lang != language:
        findings.language.append(f"{name}: lang={lang!r}, not {language!r}")
    if language == "nl":
        for text in driver.execute_script(VISIBLE_TEXT):
            slipped = ENGLISH.search(text) or CODE.search(text)
            if slipped:
                findings.language.append(
                    f"{name} [nl]: {slipped.group(0)!r} in {text[:80]!r}"
                )


def set_width(driver: WebDriver, width: int | None) -> None:
    """The viewport's width: headless Chromium's windows cannot be narrower than
    about 500 px, so a phone's is emulated."""
    if width is None or width >= 1000:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        driver.set_window_size(1280 if width is None else width, 900)
        return
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 700, "deviceScaleFactor": 1, "mobile": True},
    )
