"""Reading the built book in a real browser (Debian's Chromium driven by pip Playwright).

The book under test is the folder named by the environment variable ``BOOK_HTML``
(default ``_build/html``); the Makefile's ``browser`` target builds it first.  Every page is
served from 127.0.0.1 on a free port and opened in Chromium; a *visit* records what a reader's
browser does with it (every request, every failure, every script error) and what the reader
sees (math typeset or raw TeX, figures, links, widgets, accessibility).  The checks are plain
functions over a visit, so ``test_breaks.py`` can prove that each one fails on a page broken
on purpose.
"""
from __future__ import annotations

import contextlib
import functools
import html.parser
import json
import os
import re
import sys
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import booktoc  # noqa: E402  (tools/booktoc.py: the contents in reading order)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 900}
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def book_dir() -> Path:
    """The built HTML book under test."""
    return Path(os.environ.get("BOOK_HTML", ROOT / "_build" / "html")).resolve()


def toc_pages() -> list[str]:
    """The pages of ``_toc.yml`` in reading order, as paths of the built HTML (``chapters/x.html``)."""
    return booktoc.pages(ROOT)


def built_pages(root: Path) -> list[str]:
    """Every HTML page of the build, the table of contents' first, then the others (index, search…)."""
    found = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.html")
                   if not p.relative_to(root).parts[0].startswith("_"))
    ordered = [p for p in toc_pages() if p in found]
    return ordered + [p for p in found if p not in ordered]


def widget_pages(root: Path) -> list[str]:
    """The table-of-contents pages that display saved widgets."""
    return [p for p in toc_pages() if (root / p).is_file()
            and WIDGET_VIEW in (root / p).read_text(encoding="utf-8")]


# ---------------------------------------------------------------------------- serving
class _QuietHandler(SimpleHTTPRequestHandler):
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map,
                      ".js": "text/javascript", ".mjs": "text/javascript", ".json": "application/json",
                      ".svg": "image/svg+xml", ".woff": "font/woff", ".woff2": "font/woff2",
                      ".ttf": "font/ttf", ".ipynb": "application/json"}

    def log_message(self, *args):
        pass


class Server:
    """A static HTTP server for one folder on 127.0.0.1, on a free port."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        handler = functools.partial(_QuietHandler, directory=str(self.directory))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


# ---------------------------------------------------------------------------- the browser
def launch(playwright):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing; run 'make chromium' (as root it installs Debian's chromium)",
                    pytrace=False)
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


@pytest.fixture(scope="module")
def chromium():
    """One Chromium for a test module (a module at a time, so other modules may run their own).
    A fixture here so that both conftests (tests/browser, tests/lab) import the same one."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        yield browser
        browser.close()


def new_context(browser):
    return browser.new_context(viewport=VIEWPORT, color_scheme="light", reduced_motion="reduce",
                               service_workers="block")


def guarded_context(browser):
    """A new context whose requests to other machines never leave: each is blocked and noted in
    ``context.outside``.  ``context.problems`` collects what its tabs report (see open_tab)."""
    context = new_context(browser)
    context.outside, context.problems = [], []

    def route(r):
        if is_local(r.request.url):
            r.continue_()
        else:
            context.outside.append(r.request.url)
            r.abort("blockedbyclient")

    context.route("**/*", route)
    return context


def open_tab(context, url, *, ready=None, console=False, http_errors=False, timeout=30_000):
    """A new tab of a guarded context at ``url``, once the JavaScript condition ``ready`` holds.
    Script errors (and console errors, failed loads, if asked) go to ``context.problems``;
    ``tab.outside`` and ``tab.problems`` are the context's lists."""
    tab = context.new_page()
    problems = context.problems
    tab.on("pageerror", lambda e: problems.append(f"script error: {e}"))
    if console:
        tab.on("console", lambda m: m.type == "error" and problems.append(f"console error: {m.text}"))
    if http_errors:
        tab.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status} {r.url}"))
    tab.goto(url, wait_until="load")
    if ready:
        tab.wait_for_function(ready, timeout=timeout)
    tab.outside, tab.problems = context.outside, problems
    return tab


@contextlib.contextmanager
def book_in_chromium(*pages):
    """The built book served on 127.0.0.1 and Chromium started: ``(browser, server)``.  Fails
    at once, saying what to do, if a page of ``pages`` is not in the build."""
    html = book_dir()
    missing = [p for p in pages if not (html / p).is_file()]
    if missing:
        pytest.fail(f"no built book with {', '.join(missing)} at {html}: build it first (make book-strict)",
                    pytrace=False)
    from playwright.sync_api import sync_playwright

    with Server(html) as server, sync_playwright() as p:
        browser = launch(p)
        try:
            yield browser, server
        finally:
            browser.close()


@contextlib.contextmanager
def reading(page_path, **options):
    """``page_path`` of the built book open in one guarded tab (options as for open_tab)."""
    with book_in_chromium(page_path) as (browser, server):
        yield open_tab(guarded_context(browser), server.base + page_path, **options)


def is_local(url: str) -> bool:
    scheme = url.split(":", 1)[0].lower()
    if scheme in ("data", "blob", "about"):
        return True
    return urllib.parse.urlsplit(url).hostname in LOCAL_HOSTS


@dataclass
class Recorder:
    """Every request a page makes, and every failure and error it reports (while ``active``)."""
    requests: list = field(default_factory=list)
    external: list = field(default_factory=list)
    failed: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    active: bool = True

    def _add(self, bucket, item):
        if self.active:
            bucket.append(item)

    def attach(self, context, page):
        def route(r):
            if is_local(r.request.url):
                r.continue_()
            else:                       # recorded, and never allowed to leave the machine
                self._add(self.external, r.request.url)
                r.abort("blockedbyclient")

        def console(m):
            if m.type == "error":
                where = m.location or {}
                self._add(self.errors, f"console error: {m.text} (at {where.get('url', '?')}:"
                                       f"{where.get('lineNumber', '?')})")

        context.route("**/*", route)
        page.on("request", lambda r: self._add(self.requests, r.url))
        page.on("requestfailed", lambda r: self._add(self.failed, f"{r.url}: {r.failure}"))
        page.on("response", lambda r: r.status >= 400 and self._add(self.failed, f"{r.url}: HTTP {r.status}"))
        page.on("pageerror", lambda e: self._add(self.errors, f"page error: {e}"))
        page.on("console", console)
        page.on("websocket", lambda ws: is_local(ws.url) or self._add(self.external, ws.url))


# ---------------------------------------------------------------------------- in the page
# Text nodes outside code, scripts and MathJax output that still look like TeX.
RAW_TEX_JS = r"""
() => {
  const skip = 'script, style, noscript, template, textarea, pre, code, kbd, samp, .highlight, '
             + 'mjx-container, mjx-assistive-mml, .MathJax, math';
  const patterns = [
    ['$$', /\$\$/],
    ['$…$', /\$[^$\s](?:[^$\n]*[^$\s\\])?\$/],
    ['\\( \\) \\[ \\]', /\\[()\[\]]/],
    ['TeX command', /\\[A-Za-z]{2,}/],
    ['^{ or _{', /[\^_]\{/],
  ];
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentElement && node.parentElement.closest(skip)) continue;
    const text = node.textContent;
    for (const [what, re] of patterns) {
      const m = text.match(re);
      if (m) {
        const at = Math.max(0, m.index - 30);
        found.push(`${what}: …${text.slice(at, m.index + m[0].length + 30).replace(/\s+/g, ' ')}…`);
        break;
      }
    }
  }
  const untypeset = [...document.querySelectorAll('.math')]
    .filter(el => !el.querySelector('mjx-container') && !el.closest('pre, code, .highlight'))
    .map(el => el.textContent.trim().slice(0, 80));
  // TeX errors (mjx-merror) and undefined macros (MathJax's noundefined shows them in red)
  const mathErrors = [...document.querySelectorAll('mjx-merror')]
    .map(el => 'TeX error: ' + (el.getAttribute('data-mjx-error') || el.textContent).slice(0, 120))
    .concat([...document.querySelectorAll('mjx-assistive-mml mtext[mathcolor="red"]')]
      .map(el => 'undefined macro: ' + el.textContent.slice(0, 120)));
  return {rawTex: found, untypeset, mathErrors};
}
"""

FIGURES_JS = r"""
async () => {
  const imgs = [...document.images];
  for (const img of imgs) { if (img.loading === 'lazy') img.loading = 'eager'; }
  await Promise.all(imgs.map(img => img.decode().catch(() => null)));
  const broken = [];
  let count = 0;
  for (const img of imgs) {
    count += 1;
    const r = img.getBoundingClientRect();
    const shown = img.checkVisibility({checkVisibilityCSS: true});
    if (!img.complete || img.naturalWidth === 0 || img.naturalHeight === 0)
      broken.push(`img ${img.getAttribute('src')}: did not load`);
    else if (shown && (r.width === 0 || r.height === 0))
      broken.push(`img ${img.getAttribute('src')}: shown with zero size`);
  }
  const outer = [...document.querySelectorAll('svg')].filter(s => !s.parentElement.closest('svg'))
    .filter(s => s.closest('figure, .cell_output, .output, .bp-playground, .jupyter-widgets, article'))
    .filter(s => !s.closest('button, .headerlink, .fa, [class*="fa-"], .btn'));
  for (const svg of outer) {
    count += 1;
    const parentShown = svg.parentElement.checkVisibility({checkVisibilityCSS: true});
    const r = svg.getBoundingClientRect();
    if (parentShown && (r.width === 0 || r.height === 0 || svg.childElementCount === 0))
      broken.push(`inline svg in ${svg.parentElement.className || svg.parentElement.tagName}: empty or zero size`);
  }
  return {count, broken};
}
"""

LINKS_JS = r"""
() => {
  const links = [...document.querySelectorAll('a[href]')].map(a => a.href)
    .concat([...document.querySelectorAll('link[href]')]
      .filter(l => !/stylesheet|preload|icon/.test(l.rel)).map(l => l.href));
  const ids = [...document.querySelectorAll('[id]')].map(e => e.id)
    .concat([...document.querySelectorAll('a[name]')].map(e => e.name));
  return {links, ids};
}
"""

# Saved widgets: the HTML manager puts a div.widget-subarea before each view's script tag.
WIDGETS_JS = r"""
() => {
  const views = [...document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]')];
  const pending = views.filter(v => {
    const area = v.previousElementSibling;
    return !(area && area.classList.contains('widget-subarea') && area.childElementCount > 0);
  });
  const broken = [...document.querySelectorAll('.widget-subarea .jupyter-widgets-error-widget, .widget-subarea .jp-ErrorWidget')];
  return {views: views.length, pending: pending.length, broken: broken.length};
}
"""

SETTLE_JS = r"""
async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    try { await MathJax.startup.promise; } catch (e) { return String(e); }
  }
  return '';
}
"""


@dataclass(repr=False)
class Visit:
    """What one page did and showed in the browser."""
    page: str
    requests: list = field(default_factory=list)
    external: list = field(default_factory=list)
    failed: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    raw_tex: list = field(default_factory=list)
    untypeset: list = field(default_factory=list)
    math_errors: list = field(default_factory=list)
    figures: int = 0
    broken_figures: list = field(default_factory=list)
    links: int = 0
    broken_links: list = field(default_factory=list)
    widgets: int = 0
    broken_widgets: list = field(default_factory=list)
    axe: list = field(default_factory=list)            # serious or critical violations
    axe_minor: list = field(default_factory=list)      # the others, for the record
    screenshot: Path | None = None

    def __repr__(self):
        return f"Visit({self.page!r}, {len(self.requests)} requests, problems={self.problems()!r})"

    def problems(self) -> dict:
        """Every failed check, by name (empty when the page is fine)."""
        found = {
            "requests leaving the machine": self.external,
            "failed requests": self.failed,
            "script errors": self.errors,
            "raw TeX": self.raw_tex,
            "math not typeset": self.untypeset,
            "math errors": self.math_errors,
            "figures": self.broken_figures,
            "links": self.broken_links,
            "widgets": self.broken_widgets,
            "accessibility": self.axe,
        }
        return {k: v for k, v in found.items() if v}


class _Ids(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids = set()

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k == "id" or (tag == "a" and k == "name"):
                self.ids.add(v)


@functools.lru_cache(maxsize=None)
def _ids_of(path: Path) -> frozenset:
    parser = _Ids()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return frozenset(parser.ids)


def check_links(links, own_ids, page_url, base_url, directory: Path):
    """Internal links whose file or anchor is missing."""
    broken = []
    base = urllib.parse.urlsplit(base_url)
    here = urllib.parse.urlsplit(page_url)
    for link in dict.fromkeys(links):
        u = urllib.parse.urlsplit(link)
        if u.scheme not in ("http", "https") or u.netloc != base.netloc:
            continue                           # mailto:, javascript:, other sites: not a file of the book
        rel = urllib.parse.unquote(u.path)[len(base.path):]
        target = directory / rel
        if rel == "" or rel.endswith("/"):
            target = target / "index.html"
        if not target.is_file():
            broken.append(f"{link}: no such file {rel or 'index.html'}")
            continue
        fragment = urllib.parse.unquote(u.fragment)
        if not fragment or target.suffix != ".html":
            continue
        ids = own_ids if (u.path == here.path) else _ids_of(target)
        if fragment not in ids:
            broken.append(f"{link}: no anchor #{fragment} in {rel}")
    return broken


def visit(browser, base_url: str, page_path: str, directory: Path, *, axe: bool = True,
          screenshot: Path | None = None, widget_timeout: float = 15.0) -> Visit:
    """Open ``page_path`` of the book served at ``base_url`` (files in ``directory``) and record it."""
    record = Visit(page_path)
    rec = Recorder(record.requests, record.external, record.failed, record.errors)
    context = new_context(browser)
    page = context.new_page()
    rec.attach(context, page)
    try:
        url = urllib.parse.urljoin(base_url, page_path)
        page.goto(url, wait_until="load", timeout=30_000)
        if re.search(r'http-equiv="refresh"', (directory / page_path).read_text(encoding="utf-8"), re.I):
            page.wait_for_url(lambda u: u != url, timeout=10_000)     # a redirect page: read its target
            page.wait_for_load_state("load")
        settled = page.evaluate(SETTLE_JS)
        if settled:
            record.errors.append(f"MathJax did not start: {settled}")

        # saved widgets render after the page loads (require.js, then the HTML manager)
        state = page.evaluate(WIDGETS_JS)
        deadline = widget_timeout * 1000
        waited = 0
        while state["pending"] and waited < deadline:
            page.wait_for_timeout(100)
            waited += 100
            state = page.evaluate(WIDGETS_JS)
        record.widgets = state["views"]
        if state["pending"]:
            record.broken_widgets.append(f"{state['pending']} of {state['views']} widget views not rendered "
                                         f"after {widget_timeout:.0f} s")
        if state["broken"]:
            record.broken_widgets.append(f"{state['broken']} widget views show an error")
        page.evaluate(SETTLE_JS)
        page.wait_for_timeout(200)          # typesetting queued by widgets

        math = page.evaluate(RAW_TEX_JS)
        record.raw_tex, record.untypeset, record.math_errors = math["rawTex"], math["untypeset"], math["mathErrors"]
        figures = page.evaluate(FIGURES_JS)
        record.figures, record.broken_figures = figures["count"], figures["broken"]
        links = page.evaluate(LINKS_JS)
        record.links = len(links["links"])
        record.broken_links = check_links(links["links"], set(links["ids"]), page.url, base_url, directory)

        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=True, type="jpeg", quality=70)
            record.screenshot = screenshot
        if axe:
            # axe-core re-fetches style sheets itself (and resolves some @import paths its own
            # way): what it requests is not what a reader's browser does, so stop recording.
            rec.active = False
            from axe_playwright_python.sync_playwright import Axe

            result = Axe().run(page)
            for v in result.response["violations"]:
                first = v["nodes"][0]
                why = " ".join(first.get("failureSummary", "").split("\n")[1:2]).strip()
                entry = (f"{v['id']} ({v['impact']}): {v['help']} — "
                         + "; ".join(" ".join(map(str, n["target"])) for n in v["nodes"][:3])
                         + (f" (+{len(v['nodes']) - 3} more)" if len(v["nodes"]) > 3 else "")
                         + (f" — first: {why}" if why else ""))
                (record.axe if v["impact"] in ("serious", "critical") else record.axe_minor).append(entry)
    finally:
        context.close()
    return record



# ---------------------------------------------------------------------------- playgrounds
# The widgets' DOM contract: a root .bp-playground with data-spec (the network at the current
# slider values), sliders input[type=range] named by aria-label, numbers [data-key].
MOVES = 3              # arrow-key presses per slider moved

READ_JS = """root => ({
  spec: root.getAttribute('data-spec'),
  sliders: [...root.querySelectorAll('input[type=range]')].map(s => ({
      label: s.getAttribute('aria-label'), value: s.value, min: s.min, max: s.max, step: s.step})),
  shown: [...root.querySelectorAll('[data-key]')].map(e => [e.getAttribute('data-key'), e.textContent]),
})"""

RENDERED_JS = """() => [...document.querySelectorAll(
    'script[type="application/vnd.jupyter.widget-view+json"]')].every(v => {
  const area = v.previousElementSibling;
  return area && area.classList.contains('widget-subarea') && area.childElementCount > 0; })"""


def shown_number(text):
    return float(text.strip().replace("\u2212", "-"))


def wrong_numbers(spec_text, shown):
    """The shown numbers that differ from backprop_lib's, for the network ``spec_text`` describes."""
    import backprop_lib as bp

    net = bp.parse(json.loads(spec_text))
    trained = {}
    half_unit = 0.5 * 10.0 ** -net.decimals
    wrong = []
    for key, text in shown:
        want = bp.value(net, key, trained)
        expected = bp.format_number(want, net.decimals)
        try:
            got = shown_number(text)
        except ValueError:
            wrong.append(f"{key}: shows {text!r}, not a number (backprop_lib: {expected})")
            continue
        if text.strip().replace("\u2212", "-") != expected and not abs(got - want) <= half_unit * (1 + 1e-9):
            wrong.append(f"{key}: shows {text.strip()}, backprop_lib computes {expected}")
    return wrong


def value_in_spec(spec_text, label):
    """What the network in ``spec_text`` holds for the slider named ``label`` (``w5``,
    ``learning rate``, an input ``i1``, a target ``target_o1``; ``[s]`` names sample s), as a
    list of candidates: an input or a target named without a sample has one per sample."""
    import backprop_lib as bp

    net = bp.parse(json.loads(spec_text))
    m = re.fullmatch(r"(?P<name>.+?)(\[(?P<sample>\d+)\])?", label)
    name, sample = m["name"], m["sample"]
    rows = slice(None) if sample is None else slice(int(sample), int(sample) + 1)
    if name == "learning rate":
        return [net.learning_rate]
    if name.startswith("target_"):
        j = net.neuron_names[-1].index(name[len("target_"):])
        return [float(t) for t in net.targets[rows, j]]
    if name in net.neuron_names[0]:
        j = net.neuron_names[0].index(name)
        return [float(x) for x in net.inputs[rows, j]]
    return [net[name]]


def three_sliders(sliders):
    """The first slider, the learning rate (else the middle one) and the last."""
    labels = [s["label"] for s in sliders]
    middle = labels.index("learning rate") if "learning rate" in labels else len(labels) // 2
    chosen = []
    for i in (0, middle, len(labels) - 1):
        if i not in chosen:
            chosen.append(i)
    return chosen


def wait_for_widgets(page, timeout=15_000):
    page.wait_for_function(RENDERED_JS, timeout=timeout)


class SliderStuck(AssertionError):
    """The slider did not move, or the playground did not answer."""


def move_slider(page, root, index, moves=MOVES, keyboard=True, timeout=5_000):
    """Move the ``index``-th slider of playground ``root`` by ``moves`` steps and return the
    playground's state before and after.  With ``keyboard`` the reader's arrow keys move it;
    otherwise its value is set as a drag would (``input`` and ``change`` events)."""
    before = root.evaluate(READ_JS)
    s = before["sliders"][index]
    step = float(s["step"] or 1)
    up = float(s["value"]) + moves * step <= float(s["max"])
    slider = root.locator("input[type=range]").nth(index)
    if keyboard:
        slider.focus()
        for _ in range(moves):
            slider.press("ArrowRight" if up else "ArrowLeft")
    else:
        places = len(s["step"].split(".")[1]) if "." in s["step"] else 0
        slider.fill(f"{float(s['value']) + (moves if up else -moves) * step:.{places}f}")
    try:
        page.wait_for_function("([root, spec]) => root.getAttribute('data-spec') !== spec",
                               arg=[root.element_handle(), before["spec"]], timeout=timeout)
    except Exception as e:
        how = "the arrow keys" if keyboard else "setting its value"
        raise SliderStuck(f"slider {s['label']}: {how} changed nothing (value {root.evaluate(READ_JS)['sliders'][index]['value']}, "
                          f"was {s['value']})") from e
    page.wait_for_timeout(50)          # let every readout catch up with the spec
    return before, root.evaluate(READ_JS)
