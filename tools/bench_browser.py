"""Browser timings of the playground: one slider move, measured in Chromium.

    python tools/bench_browser.py [--book PATH] [--moves N]

Opens the playground chapter of the built book (``--book``, else ``BOOK_HTML``, else
``_build/html``; with no built book, a page holding the same widgets, made here) from
127.0.0.1 in Chromium, and for each preset moves the ``w5`` slider many times.  One move is
timed with ``performance.now()`` from the slider's input event to the end of the layout it
causes (the handler recomputes the network, the N-step loss curve and every number, and
the page is laid out again): the time until the move could be painted.  Printed: the median
and the 90th percentile per preset, with a loss curve of 1,000 and of 10,000 steps, against
the targets (one frame, 16 ms, with 1,000 steps; 50 ms with 10,000).
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import tempfile
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
PAGE = "chapters/playground.html"
PRESETS = ("2-2-2", "3-2-2", "2-2-1")
TARGETS = {1000: 16.0, 10000: 50.0}

# In the page: move slider `name` of playground `index` `moves` times, timing each move.
MEASURE_JS = """async ([index, name, steps, moves]) => {
  const root = document.querySelectorAll('.bp-playground')[index];
  const stepsInput = root.querySelector('input[aria-label="steps"]');
  stepsInput.value = String(steps);
  stepsInput.dispatchEvent(new Event('input', {bubbles: true}));
  const slider = [...root.querySelectorAll('input[type=range]')].find(s => s.getAttribute('aria-label') === name);
  const start = slider.value;
  const lo = Number(slider.min), hi = Number(slider.max), step = Number(slider.step);
  const frame = () => new Promise(r => requestAnimationFrame(() => r()));
  const times = [];
  for (let i = 0; i < moves + 10; i++) {
    const v = Number(start) + step * ((i % 21) - 10);
    slider.value = String(Math.min(hi, Math.max(lo, v)));
    const t0 = performance.now();
    slider.dispatchEvent(new Event('input', {bubbles: true}));
    root.getBoundingClientRect();          // the layout the move causes
    document.body.offsetHeight;
    const t1 = performance.now();
    if (i >= 10) times.push(t1 - t0);      // the first moves warm the JIT up
    if (i % 5 === 0) await frame();        // let the page paint now and then, as a reader sees it
  }
  slider.value = start;
  slider.dispatchEvent(new Event('input', {bubbles: true}));
  times.sort((a, b) => a - b);
  const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
  return {median: q(0.5), p90: q(0.9), max: times[times.length - 1], n: times.length,
          E: root.querySelector('[data-key="E"]').textContent,
          title: JSON.parse(root.getAttribute('data-spec')).title || ''};
}"""


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def standalone_page(folder):
    """A page with the three presets' playgrounds, rendered by the widgets' own module through
    a minimal stand-in for the widget manager's model (for a machine without a built book)."""
    from backprop_lib.widgets import Playground
    from backprop_lib.widgets._bundle import css, esm

    states = []
    for pid in PRESETS:
        w = Playground(pid)
        states.append({k: getattr(w, k) for k in ("_kind", "spec", "values", "steps", "selected")})
    html = f"""<!doctype html><html><head><meta charset="utf-8"><style>{css()}</style></head><body>
<script type="module">
const url = URL.createObjectURL(new Blob([{json.dumps(esm())}], {{type: "text/javascript"}}));
const mod = await import(url);
for (const st of {json.dumps(states)}) {{
  const on = {{}};
  const model = {{get: k => st[k], set: (k, v) => {{ st[k] = v; (on["change:" + k] || []).forEach(f => f()); }},
                 on: (e, f) => (on[e] = on[e] || []).push(f), off: () => {{}}, save_changes: () => {{}}}};
  const el = document.createElement("div");
  document.body.append(el);
  mod.default.render({{model, el}});
}}
</script></body></html>"""
    (folder / "chapters").mkdir(parents=True, exist_ok=True)
    (folder / PAGE).write_text(html, encoding="utf-8")
    return folder


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--book", help="the built HTML book (default: BOOK_HTML or _build/html)")
    parser.add_argument("--moves", type=int, default=60, help="timed moves per preset and curve length")
    args = parser.parse_args(argv)
    print("One slider move in Chromium (input event → recomputed numbers, loss curve and layout)")
    if not Path(CHROMIUM).exists():
        print(f"  skipped: {CHROMIUM} is not installed")
        return 0
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("  skipped: the playwright package is not installed")
        return 0

    book = Path(args.book or os.environ.get("BOOK_HTML", ROOT / "_build" / "html"))
    temp = None
    page_file = book / PAGE
    if page_file.is_file() and '"_kind": "playground"' in page_file.read_text(encoding="utf-8"):
        where = f"the built book ({page_file})"
    else:
        temp = tempfile.TemporaryDirectory()
        book = standalone_page(Path(temp.name))
        where = "a page holding the presets' playgrounds (no built book with playgrounds found)"
    print(f"  on {where}")

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = ThreadingHTTPServer(("127.0.0.1", port), partial(_Quiet, directory=str(book)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    failed = False
    try:
        import backprop_lib as bp

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"http://127.0.0.1:{port}/{PAGE}", wait_until="load")
            page.wait_for_function("() => document.querySelectorAll('.bp-playground [data-key=\"E\"]').length >= 3",
                                   timeout=30_000)
            titles = page.evaluate("() => [...document.querySelectorAll('.bp-playground')].map("
                                   "r => JSON.parse(r.getAttribute('data-spec')).title || '')")
            print(f"  {'preset':8} {'loss curve':>12} {'median':>9} {'90th pct':>9} {'max':>8}   target")
            for pid in PRESETS:
                title = bp.preset(pid).title
                if title not in titles:
                    print(f"  {pid:8} not on the page")
                    continue
                index = titles.index(title)
                for steps, target in TARGETS.items():
                    r = page.evaluate(MEASURE_JS, [index, "w5", steps, args.moves])
                    ok = r["median"] <= target
                    failed |= not ok and pid in ("2-2-2", "3-2-2")
                    print(f"  {pid:8} {steps:>6,} steps {r['median']:7.2f} ms {r['p90']:7.2f} ms {r['max']:6.1f} ms"
                          f"   ≤ {target:g} ms median {'ok' if ok else 'MISSED'}")
                page.evaluate(MEASURE_JS, [index, "w5", 1000, 0])          # the curve back to 1,000 steps
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
        if temp:
            temp.cleanup()
    failed |= training_playground(book if temp is None else None)
    return 1 if failed else 0


# ---------------------------------------------------------------------------- the training playground
TRAINING_PAGE = "chapters/training-playground.html"

# Press Train on the default settings (2-8-8-1 on 200 points); the page's clock from the click
# to the first status line with an accuracy of at least 0.95; then frames for `seconds` more:
# how many the page drew, and each one's work (train one epoch, the boundary, the curve, the
# status line).
TRAINING_JS = """async (seconds) => {
  const root = document.querySelector('.bp-trainer');
  const status = root.querySelector('[role=status]');
  const button = (name) => [...root.querySelectorAll('button')].find(b => b.textContent === name);
  const layers = root.bpRun.layers.join('-'), points = root.bpRun.n;
  const reached = await new Promise((resolve) => {
    let start = null;
    const seen = new MutationObserver(() => {
      const m = /accuracy (\\d\\.\\d+)/.exec(status.textContent);
      if (start !== null && m && Number(m[1]) >= 0.95) { seen.disconnect(); resolve(performance.now() - start); }
    });
    seen.observe(status, {childList: true, characterData: true, subtree: true});
    button('Train').addEventListener('click', () => { start = performance.now(); }, {once: true, capture: true});
    button('Train').click();
    setTimeout(() => { seen.disconnect(); resolve(null); }, 30000);
  });
  const stats = root.bpStats, frames0 = stats.frames, work0 = stats.work.length, t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const frames = stats.frames - frames0, elapsed = performance.now() - t0;
  const work = stats.work.slice(work0).sort((a, b) => a - b);
  button('Pause').click();
  return {reached, layers, points, fps: frames / (elapsed / 1000), median: work[Math.floor(work.length / 2)],
          p90: work[Math.floor(0.9 * work.length)], status: status.textContent};
}"""


def training_standalone_page(folder):
    """A page holding the training playground at its defaults, rendered by its own module through
    a minimal stand-in for the widget manager's model (for a machine without a built book)."""
    from backprop_lib.widgets.training import TrainingPlayground
    from backprop_lib.widgets._bundle import esm

    w = TrainingPlayground()
    state = {k: getattr(w, k) for k in ("dataset", "seed", "noise", "hidden", "activation", "learning_rate",
                                        "batch_size", "samples", "steps", "selected", "use_url")}
    html = f"""<!doctype html><html><head><meta charset="utf-8"><style>{w._css}</style></head><body>
<script type="module">
const url = URL.createObjectURL(new Blob([{json.dumps(esm("train_view.js"))}], {{type: "text/javascript"}}));
const mod = await import(url);
const st = {json.dumps(state)};
const model = {{get: k => st[k], set: (k, v) => {{ st[k] = v; }}, on: () => {{}}, off: () => {{}}, save_changes: () => {{}}}};
const el = document.createElement("div");
document.body.append(el);
mod.default.render({{model, el}});
</script></body></html>"""
    (folder / "chapters").mkdir(parents=True, exist_ok=True)
    (folder / TRAINING_PAGE).write_text(html, encoding="utf-8")
    return folder


def training_playground(book=None, seconds=3.0):
    """Time to 95 % training accuracy after pressing Train, and boundary frames per second while
    training, for the default 2-8-8-1 network on 200 points; against the targets (5 s, 30 frames
    per second).  Returns True when a target is missed."""
    print("\nThe training playground in Chromium (default settings: 2-8-8-1 on 200 points)")
    from playwright.sync_api import sync_playwright

    temp = None
    if book is None or not (Path(book) / TRAINING_PAGE).is_file() or \
            '"_kind": "training"' not in (Path(book) / TRAINING_PAGE).read_text(encoding="utf-8"):
        temp = tempfile.TemporaryDirectory()
        book = training_standalone_page(Path(temp.name))
        print("  on a page holding the playground alone (no built book with it found)")
    else:
        print(f"  on the built book ({Path(book) / TRAINING_PAGE})")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = ThreadingHTTPServer(("127.0.0.1", port), partial(_Quiet, directory=str(book)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"http://127.0.0.1:{port}/{TRAINING_PAGE}", wait_until="load")
            page.wait_for_function("() => { const r = document.querySelector('.bp-trainer');"
                                   " return r && r.bpRun && r.querySelector('[role=status]').textContent.startsWith('step 0 '); }",
                                   timeout=30_000)
            page.locator(".bp-trainer").first.scroll_into_view_if_needed()
            r = page.evaluate(TRAINING_JS, seconds)
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
        if temp:
            temp.cleanup()
    reached_ok = r["reached"] is not None and r["reached"] <= 5000
    fps_ok = r["fps"] >= 30
    reached = "not within 30 s" if r["reached"] is None else f"{r['reached'] / 1000:5.2f} s"
    print(f"  network {r['layers']} on {r['points']} points")
    print(f"  Train → accuracy ≥ 0.95       {reached}   (required ≤ 5 s)   {'ok' if reached_ok else 'MISSED'}")
    print(f"  boundary frames per second   {r['fps']:6.1f}     (required ≥ 30)    {'ok' if fps_ok else 'MISSED'}")
    print(f"  work per frame (one epoch, boundary, curve, status): median {r['median']:.2f} ms, "
          f"90th percentile {r['p90']:.2f} ms: room for {1000 / r['median']:.0f} frames per second "
          f"(the screen refreshes 60 times a second)")
    print(f"  status after {seconds:g} s more: {r['status']}")
    return not (reached_ok and fps_ok)


if __name__ == "__main__":
    sys.exit(main())
