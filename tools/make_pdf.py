"""The whole book as one PDF, for reading on paper or a tablet: ``make pdf``.

    python tools/make_pdf.py [--html _build/html] [--out _build/pdf/book.pdf]

Chromium (Debian's, driven by pip Playwright, as in the browser tests) prints each page of the
built HTML book in reading order, after MathJax has typeset it and the saved widgets have
rendered; pypdf joins the pages behind a title page and a table of contents with page
numbers, numbers the pages and adds the outline (bookmarks).

For print, each page is tidied in the browser first:
- every playground and answer box is printed as it first renders (its initial state, a picture
  on paper), with a line beneath that points to its page of the HTML book, where it is live;
- folded solutions are unfolded, code the HTML hides stays hidden, and links to other pages
  (which a PDF cannot follow) become plain text;
- the navigation (sidebars, header, previous/next) is left out.

Nothing is fetched from the network: the book is served from 127.0.0.1, and any other
request is refused (and reported, which fails the run).
"""
from __future__ import annotations

import argparse
import asyncio
import html
import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import booktoc  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
WIDTH = 1000                 # CSS px of the browser window the pages are laid out in
A4 = {"format": "A4", "margin": {"top": "16mm", "bottom": "18mm", "left": "15mm", "right": "15mm"}}
AT_ONCE = 3                  # pages printed at a time (much of it is waiting on the browser)
TIMING = False

WIDGET_VIEW = 'script[type="application/vnd.jupyter.widget-view+json"]'
READY_JS = """() => {
  const views = [...document.querySelectorAll('%s')];
  return views.every(v => { const a = v.previousElementSibling;
                            return a && a.classList.contains('widget-subarea') && a.childElementCount > 0; });
}""" % WIDGET_VIEW

MATHJAX_JS = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  if (window.MathJax && MathJax.typesetPromise) await MathJax.typesetPromise();
}"""

# The widget areas, numbered, so that each gets its caption.
MARK_WIDGETS_JS = """() => {
  const areas = [...document.querySelectorAll('%s')].map(v => v.previousElementSibling);
  areas.forEach((a, n) => a.setAttribute('data-pdf-widget', n));
  return areas.length;
}""" % WIDGET_VIEW

# A figure around the widget, with the line that points to the live page.
CAPTION_JS = """([n, note]) => {
  const area = document.querySelector(`[data-pdf-widget="${n}"]`);
  const figure = document.createElement('figure');
  figure.className = 'pdf-widget';
  area.replaceWith(figure);
  const caption = document.createElement('figcaption');
  caption.textContent = note;
  figure.append(area, caption);
  area.querySelectorAll('button, input, select').forEach(e => e.setAttribute('tabindex', '-1'));
}"""

TIDY_JS = """(pageUrl) => {
  const here = new URL(pageUrl);
  // code the HTML hides behind "Show code cell source" stays hidden on paper
  document.querySelectorAll('details.hide.above-input, .cell.tag_remove-input .cell_input').forEach(e => e.remove());
  // folded solutions and other toggles, unfolded
  document.querySelectorAll('.toggle-hidden').forEach(e => e.classList.remove('toggle-hidden'));
  document.querySelectorAll('details').forEach(d => d.open = true);
  // links to other pages of the book become text; links within the page and to other sites stay
  for (const a of document.querySelectorAll('article a[href]')) {
    const u = new URL(a.href, here);
    if (u.host === here.host && u.pathname !== here.pathname) {
      const span = document.createElement('span');
      span.className = a.className;
      span.innerHTML = a.innerHTML;
      a.replaceWith(span);
    }
  }
  const style = document.createElement('style');
  style.textContent = `
    .bd-header, .bd-header-article, .bd-sidebar-primary, .bd-sidebar-secondary, .prev-next-area,
    .bd-footer, .bd-footer-article, .bd-footer-content, footer, .headerlink, .copybtn,
    button.toggle-button, .toggle-button, .header-article-items, #pst-skip-link, .search-button,
    .theme-switch-button { display: none !important; }
    html, body { background: white !important; }
    .bd-main, .bd-content, .bd-article-container, .bd-container, .bd-page-width {
      max-width: none !important; width: 100% !important; margin: 0 !important; padding: 0 !important; }
    .bd-article { padding: 0 !important; }
    figure.pdf-widget { margin: 0.8em 0; break-inside: avoid; }
        figure.pdf-widget figcaption { font-size: 0.85em; color: #444; font-style: italic; }
    .cell_input, div.highlight, .cell_output { break-inside: avoid; }
    h1, h2, h3 { break-after: avoid; }
    table, svg, img, .math, mjx-container[display="true"] { break-inside: avoid; }
    pre { white-space: pre-wrap; }
  `;
  document.head.append(style);
  const h1 = document.querySelector('article h1');
  return h1 ? h1.textContent.replace(/#\\s*$/, '').trim() : document.title;
}"""


class Page:
    def __init__(self, entry, title, pdf, pages, widgets):
        self.entry, self.title, self.pdf, self.pages, self.widgets = entry, title, pdf, pages, widgets


def _serve(directory):
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class Quiet(SimpleHTTPRequestHandler):
        extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".js": "text/javascript",
                          ".mjs": "text/javascript", ".svg": "image/svg+xml", ".woff2": "font/woff2"}

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(directory)))
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}/"


async def _print_page(context, base, entry, problems):
    from pypdf import PdfReader

    t0 = time.monotonic()
    page = await context.new_page()
    page.on("pageerror", lambda e: problems.append(f"{entry.html}: script error: {e}"))
    url = base + entry.html
    await page.goto(url, wait_until="load", timeout=60_000)
    await page.evaluate(MATHJAX_JS)
    await page.wait_for_function(READY_JS, timeout=30_000)
    await page.evaluate(MATHJAX_JS)              # what the widgets typeset
    count = await page.evaluate(MARK_WIDGETS_JS)
    note = f"Interactive in the HTML book: {entry.html} (this is its initial state)."
    for n in range(count):
        await page.evaluate(CAPTION_JS, [n, note])
    title = await page.evaluate(TIDY_JS, url)
    await page.emulate_media(media="print")
    t1 = time.monotonic()
    pdf = await page.pdf(print_background=True, **A4)
    await page.close()
    if TIMING:
        print(f"{entry.html}: {t1 - t0:.1f} s to prepare, {time.monotonic() - t1:.1f} s to print", file=sys.stderr)
    return Page(entry, title, pdf, len(PdfReader(io.BytesIO(pdf)).pages), count)


def _front_matter_html(title, author, rows):
    """The title page and the contents; ``rows`` are (level, text, page number or None)."""
    lines = []
    for level, text, number in rows:
        cls = {0: "part", 1: "chapter", 2: "section"}[level]
        num = "" if number is None else str(number)
        lines.append(f'<div class="row {cls}"><span class="t">{html.escape(text)}</span>'
                     f'<span class="n">{num}</span></div>')
    return f"""<!doctype html><html><head><meta charset="utf-8"><style>
      body {{ font-family: 'DejaVu Sans', 'Liberation Sans', sans-serif; color: #111; }}
      .title {{ height: 240mm; display: flex; flex-direction: column; justify-content: center;
               text-align: center; break-after: page; }}
      .title h1 {{ font-size: 30pt; margin: 0 0 8mm; }}
      .title p {{ font-size: 13pt; color: #444; margin: 2mm; }}
      h2 {{ font-size: 18pt; margin: 0 0 6mm; }}
      .row {{ display: flex; align-items: baseline; font-size: 11pt; margin: 1.2mm 0; }}
      .row .t {{ flex: 1; overflow: hidden; white-space: nowrap; }}
      .row .t::after {{ content: " . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . .\
 . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . ."; color: #999; }}
      .row .n {{ padding-left: 2mm; }}
      .part {{ font-weight: bold; margin-top: 5mm; font-size: 12pt; }}
      .part .t::after {{ content: ""; }}
      .chapter {{ font-weight: 600; }}
      .section {{ padding-left: 7mm; }}
    </style></head><body>
    <div class="title"><h1>{html.escape(title)}</h1><p>{html.escape(author)}</p>
    <p>The interactive book, printed. Its playgrounds and answer boxes appear here as pictures;
    they are live in the HTML book.</p></div>
    <h2>Contents</h2>{''.join(lines)}</body></html>"""


def _numbers_html(first, count):
    """``count`` A4 pages, each with its page number at the foot, numbered from ``first``."""
    pages = "".join(f'<div class="p"><span>{first + n}</span></div>' for n in range(count))
    return f"""<!doctype html><html><head><meta charset="utf-8"><style>
      @page {{ size: A4; margin: 0; }}
      html, body {{ margin: 0; background: transparent; }}
      .p {{ height: 297mm; position: relative; break-after: page; }}
      .p span {{ position: absolute; bottom: 8mm; left: 0; right: 0; text-align: center;
                 font: 9pt 'DejaVu Sans', sans-serif; color: #555; }}
    </style></head><body>{pages}</body></html>"""


async def _render_html(context, text, **options):
    page = await context.new_page()
    await page.set_content(text, wait_until="load")
    pdf = await page.pdf(print_background=False, **options)
    await page.close()
    return pdf


async def build(html_dir: Path, out: Path) -> dict:
    from playwright.async_api import async_playwright
    from pypdf import PdfReader, PdfWriter

    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    entries = booktoc.entries(ROOT)
    missing = [e.html for e in entries if not (html_dir / e.html).is_file()]
    if missing:
        raise SystemExit(f"make_pdf: the built book at {html_dir} lacks {', '.join(missing)}; build it first (make book)")
    httpd, base = _serve(html_dir)
    problems, outside = [], []
    try:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            context = await browser.new_context(viewport={"width": WIDTH, "height": 1200}, device_scale_factor=1.5,
                                                color_scheme="light", reduced_motion="reduce")

            async def route(r):
                if r.request.url.startswith(base) or r.request.url.startswith(("data:", "blob:", "about:")):
                    await r.continue_()
                else:
                    outside.append(r.request.url)
                    await r.abort("blockedbyclient")
            await context.route("**/*", route)

            queue = asyncio.Queue()
            for e in entries:
                queue.put_nowait(e)
            printed = {}

            async def worker():
                while not queue.empty():
                    e = queue.get_nowait()
                    printed[e.file] = await _print_page(context, base, e, problems)
            await asyncio.gather(*(worker() for _ in range(AT_ONCE)))
            pages = [printed[e.file] for e in entries]

            # the front matter: its length fixes where the chapters start
            def rows(offset):
                out, last_part, n = [], object(), offset
                for pg in pages:
                    if pg.entry.part != last_part and pg.entry.part:
                        out.append((0, pg.entry.part, None))
                    last_part = pg.entry.part
                    out.append((max(pg.entry.level, 1), pg.title, n))
                    n += pg.pages
                return out
            author = config.get("author", "")
            front = await _render_html(context, _front_matter_html(config["title"], author, rows(1)), **A4)
            front_pages = len(PdfReader(io.BytesIO(front)).pages)
            front = await _render_html(context, _front_matter_html(config["title"], author, rows(front_pages + 1)), **A4)
            assert len(PdfReader(io.BytesIO(front)).pages) == front_pages
            total = front_pages + sum(pg.pages for pg in pages)
            numbers = await _render_html(context, _numbers_html(front_pages + 1, total - front_pages),
                                         format="A4", margin={"top": "0", "bottom": "0", "left": "0", "right": "0"})
            await browser.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
    if outside or problems:
        raise SystemExit("make_pdf: " + "; ".join(problems + [f"asked the network for {u}" for u in outside]))

    writer = PdfWriter()
    for p in PdfReader(io.BytesIO(front)).pages:
        writer.add_page(p)
    stamps = PdfReader(io.BytesIO(numbers)).pages
    start, parents = front_pages, {}
    for pg in pages:
        for k, p in enumerate(PdfReader(io.BytesIO(pg.pdf)).pages):
            writer.add_page(p).merge_page(stamps[start - front_pages + k])
        parent = None
        if pg.entry.part and pg.entry.part not in parents:
            parents[pg.entry.part] = writer.add_outline_item(title=pg.entry.part, page_number=start)
        if pg.entry.part:
            parent = parents[pg.entry.part]
        if pg.entry.level == 2 and "chapter" in parents:
            parent = parents["chapter"]
        item = writer.add_outline_item(title=pg.title, page_number=start, parent=parent)
        if pg.entry.level == 1:
            parents["chapter"] = item
        start += pg.pages
    writer.add_metadata({"/Title": config["title"], "/Author": author})
    writer.page_mode = "/UseOutlines"
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as f:
        writer.write(f)
    return {"pages": total, "chapters": len(pages), "widgets": sum(pg.widgets for pg in pages)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "pdf" / "book.pdf")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"make_pdf: {CHROMIUM} is missing; run 'make chromium' (as root it installs Debian's chromium)")
    start = time.monotonic()
    info = asyncio.run(build(args.html.resolve(), args.out.resolve()))
    print(f"The PDF: {args.out.resolve()} ({info['pages']} pages, {info['chapters']} pages of the book, "
          f"{info['widgets']} interactive figures; {time.monotonic() - start:.0f} s)")


if __name__ == "__main__":
    main()
