"""The book as one PDF (``make pdf``), read back with poppler's pdftotext as a reader's viewer
would: every page of the contents in reading order, math typeset (no TeX left), the widgets
printed as they first render with a line pointing to the HTML book, an outline, and a
plausible number of pages.

Reads ``_build/pdf/book.pdf`` (or the file named by ``BOOK_PDF``); ``make test`` builds it
from the strict HTML build first.
"""
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from pagecheck import ROOT, book_dir, booktoc

pytestmark = pytest.mark.browser

PDF = Path(os.environ.get("BOOK_PDF", ROOT / "_build" / "pdf" / "book.pdf"))


def squeeze(text):
    return " ".join(text.replace("\u00ad", "").split())


def unnumbered(title):
    return re.sub(r"^\d+(\.\d+)*\.\s+", "", title)


def heading(page: Path):
    """A page's title as its HTML shows it: the article's h1 without its section number and
    its anchor sign (the contents and the outline number it; the page's own heading may not)."""
    import html
    source = page.read_text(encoding="utf-8")
    found = re.search(r"<h1[^>]*>((?:(?!</h1>).)*?)<a class=\"headerlink\"", source, re.S) \
        or re.search(r"<h1[^>]*>(.*?)</h1>", source, re.S)
    return unnumbered(squeeze(html.unescape(re.sub(r"<[^>]+>", "", found.group(1)))))


def code_text():
    """Every line of code the book's pages show (TeX inside code is code, not a typesetting failure)."""
    import html
    lines = set()
    for e in booktoc.entries(ROOT):
        source = (book_dir() / e.html).read_text(encoding="utf-8")
        for block in re.findall(r"<pre[^>]*>(.*?)</pre>", source, re.S):
            for line in html.unescape(re.sub(r"<[^>]+>", "", block)).splitlines():
                if line.strip():
                    lines.add(squeeze(line))
    return lines


@pytest.fixture(scope="module")
def pdf():
    if not PDF.is_file():
        pytest.fail(f"no PDF at {PDF}; build it first (make pdf)", pytrace=False)
    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext is missing; run 'make chromium' (as root it installs poppler-utils)", pytrace=False)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(PDF), "-"], capture_output=True, text=True,
                          check=True, timeout=120).stdout
    from pypdf import PdfReader
    return text, PdfReader(str(PDF))


def test_every_page_of_the_contents_is_in_the_pdf_in_reading_order(pdf):
    text, _ = pdf
    body = squeeze(text)
    contents_end = body.find(heading(book_dir() / booktoc.entries(ROOT)[1].html), body.find("Contents") + 1)
    titles = [heading(book_dir() / e.html) for e in booktoc.entries(ROOT)]
    # the contents list them all first, then each starts its own pages, in the same order
    at = body.find("Contents")
    assert at >= 0, "no table of contents"
    for title in titles:
        found = body.find(title, at)
        assert found >= 0, f"the contents lack {title!r}"
        at = found + len(title)
    for title in titles:
        found = body.find(title, at)
        assert found >= 0, f"{title!r} is missing from the body, or out of order"
        at = found + len(title)
    assert contents_end > 0


def test_no_tex_is_left_in_the_text(pdf):
    """No TeX outside the code the book shows on purpose (a line of code may wrap on paper:
    a line counts as code when it is part of one of the book's code lines)."""
    text, _ = pdf
    code = "\n".join(code_text())
    raw = [r"\frac", r"\partial", r"\mathrm", r"\_", "$$"]
    left = [line for line in text.splitlines() if any(r in line for r in raw) and squeeze(line) not in code]
    assert not left, "the PDF shows TeX:\n  " + "\n  ".join(left[:10])
    assert text.count("∂") > 100, "hardly any typeset partial derivative in the text"


def test_the_page_count_is_plausible(pdf):
    _, reader = pdf
    entries = booktoc.entries(ROOT)
    assert 2 * len(entries) <= len(reader.pages) <= 40 * len(entries), len(reader.pages)


def test_the_outline_holds_every_page_and_part(pdf):
    _, reader = pdf

    def titles(items):
        for item in items:
            if isinstance(item, list):
                yield from titles(item)
            else:
                yield unnumbered(squeeze(item.title))
    found = list(titles(reader.outline))
    entries = booktoc.entries(ROOT)
    want = [heading(book_dir() / e.html) for e in entries] + sorted({e.part for e in entries if e.part})
    assert sorted(found) == sorted(want)


def test_each_widget_is_a_picture_that_points_to_the_html_book(pdf):
    text, reader = pdf
    body = squeeze(text)
    views = sum(len(re.findall(r'type="application/vnd\.jupyter\.widget-view\+json"',
                               (book_dir() / e.html).read_text(encoding="utf-8")))
                for e in booktoc.entries(ROOT))
    assert views > 0
    assert body.count("Interactive in the HTML book: ") == views
    assert "chapters/playground.html" in body
    # printed as they render: an answer box's buttons and a playground's panels are on paper
    assert body.count("New numbers") >= 1 and "Weights and biases" in body
