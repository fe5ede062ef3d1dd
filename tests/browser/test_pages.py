"""Every page of the built book, read in Chromium the way a reader meets it: offline, with math
typeset, figures and links working, no script error, and no serious accessibility problem.

Each page is opened once; the tests below look at different parts of that visit.  Under
pytest-xdist (make test), a page's tests go to one worker and the pages spread over the
workers (see conftest.py).
"""
from pathlib import Path

import pytest

from pagecheck import book_dir, built_pages, toc_pages, visit

pytestmark = pytest.mark.browser

_root = book_dir()
PAGES = built_pages(_root) if (_root / "index.html").is_file() else toc_pages()
CHAPTERS = set(toc_pages())


@pytest.fixture(scope="module")
def visits(chromium, book_server, book, screenshots):
    seen = {}

    def get(page):
        if page not in seen:
            shot = screenshots / (Path(page).stem + ".jpg") if page in CHAPTERS else None
            seen[page] = visit(chromium, book_server.base, page, book, screenshot=shot)
        return seen[page]

    return get


def _fail_if(items, message):
    if items:
        pytest.fail(message + "\n  " + "\n  ".join(items), pytrace=False)


def test_every_page_of_the_contents_is_built(book):
    missing = [p for p in toc_pages() if not (book / p).is_file()]
    assert not missing, f"pages of _toc.yml missing from {book}: {missing}"


@pytest.mark.parametrize("page", PAGES)
def test_nothing_leaves_the_machine(visits, page):
    v = visits(page)
    assert v.requests, f"{page}: no request recorded at all"
    _fail_if(v.external, f"{page} asks other machines for:")


@pytest.mark.parametrize("page", PAGES)
def test_no_failed_request(visits, page):
    v = visits(page)
    _fail_if(v.failed, f"{page}: requests that failed:")


@pytest.mark.parametrize("page", PAGES)
def test_no_script_error(visits, page):
    v = visits(page)
    _fail_if(v.errors, f"{page}:")


@pytest.mark.parametrize("page", PAGES)
def test_math_is_typeset(visits, page):
    v = visits(page)
    _fail_if(v.raw_tex, f"{page} shows raw TeX:")
    _fail_if(v.untypeset, f"{page}: math left untypeset:")
    _fail_if(v.math_errors, f"{page}: MathJax errors:")


@pytest.mark.parametrize("page", PAGES)
def test_figures_load(visits, page):
    v = visits(page)
    _fail_if(v.broken_figures, f"{page}: figures not shown:")


@pytest.mark.parametrize("page", PAGES)
def test_internal_links_resolve(visits, page):
    v = visits(page)
    assert v.links, f"{page}: no links found (navigation missing?)"
    _fail_if(v.broken_links, f"{page}: broken links:")


@pytest.mark.parametrize("page", PAGES)
def test_saved_widgets_render(visits, page):
    v = visits(page)
    _fail_if(v.broken_widgets, f"{page}:")


@pytest.mark.parametrize("page", PAGES)
def test_no_serious_accessibility_violation(visits, page):
    v = visits(page)
    _fail_if(v.axe, f"{page}: axe-core finds serious or critical violations:")


@pytest.mark.parametrize("page", [p for p in PAGES if p in CHAPTERS])
def test_a_screenshot_of_every_chapter(visits, page):
    shot = visits(page).screenshot
    assert shot is not None and shot.stat().st_size > 10_000, f"no screenshot of {page}"
