"""The checks themselves are tested: a throwaway copy of a built page, broken on purpose in each
way a reader could meet, must be reported by the very functions test_pages.py and
test_playgrounds.py rely on.  (A check that cannot fail proves nothing.)
"""
import re

import pytest

from pagecheck import READ_JS, Server, move_slider, new_context, visit, wait_for_widgets, wrong_numbers

pytestmark = pytest.mark.browser

PAGE = "intro.html"

# Each break, injected into the page's article, and what the checks must say about it.
BREAKS = {
    "raw $ formula": '<p>A formula left raw: $w_5^{+}$ is the new weight.</p>',
    "TeX error": '<p>Broken TeX: <span class="math notranslate nohighlight">\\(\\frac{1}\\)</span></p>',
    "undefined macro": '<p>A typo: <span class="math notranslate nohighlight">\\(\\partail E\\)</span></p>',
    "external script": '<script src="https://cdn.jsdelivr.net/npm/left-pad@1.3.0/index.js"></script>',
    "external image": '<img src="https://upload.wikimedia.org/wikipedia/commons/a/a9/Example.jpg" alt="remote">',
    "missing figure": '<figure><img src="_images/no-such-figure.svg" alt="a figure that was never built"></figure>',
    "dead link": '<p><a href="chapters/no-such-chapter.html">a chapter that does not exist</a></p>',
    "dead anchor": '<p><a href="#no-such-section">a section that does not exist</a></p>',
    "script error": '<script>window.notAFunction();</script>',
    "nameless button": '<button class="broken-on-purpose"></button>',
}


@pytest.fixture(scope="module")
def broken_visit(chromium, book, tmp_path_factory):
    """One visit to a copy of the book whose first page has every break above."""
    copy = tmp_path_factory.mktemp("broken") / "html"
    copy.mkdir()
    for item in book.iterdir():             # the page copied, everything else linked
        (copy / item.name).symlink_to(item, target_is_directory=item.is_dir())
    (copy / PAGE).unlink()
    html = (book / PAGE).read_text(encoding="utf-8")
    article = re.search(r'<article class="bd-article"[^>]*>', html)
    assert article, f"{PAGE}: no <article class=\"bd-article\"> to break"
    html = html[:article.end()] + "\n".join(BREAKS.values()) + html[article.end():]
    (copy / PAGE).write_text(html, encoding="utf-8")
    with Server(copy) as server:
        yield visit(chromium, server.base, PAGE, copy)


def test_the_untouched_page_passes(chromium, book_server, book):
    assert visit(chromium, book_server.base, PAGE, book).problems() == {}


def test_raw_dollar_formula_is_reported(broken_visit):
    assert any("$w_5^{+}$" in t for t in broken_visit.raw_tex), broken_visit.raw_tex


def test_tex_errors_are_reported(broken_visit):
    assert any(e.startswith("TeX error") for e in broken_visit.math_errors), broken_visit.math_errors
    assert any("\\partail" in e for e in broken_visit.math_errors), broken_visit.math_errors


def test_external_script_is_reported_and_blocked(broken_visit):
    assert "https://cdn.jsdelivr.net/npm/left-pad@1.3.0/index.js" in broken_visit.external
    assert any("cdn.jsdelivr.net" in f for f in broken_visit.failed)


def test_external_image_is_reported(broken_visit):
    assert any("upload.wikimedia.org" in u for u in broken_visit.external)
    assert any("upload.wikimedia.org" in f for f in broken_visit.broken_figures)


def test_missing_figure_is_reported(broken_visit):
    assert any("no-such-figure.svg" in f for f in broken_visit.broken_figures), broken_visit.broken_figures
    assert any("no-such-figure.svg" in f and "404" in f for f in broken_visit.failed), broken_visit.failed


def test_dead_link_and_anchor_are_reported(broken_visit):
    assert any("no-such-chapter.html" in b for b in broken_visit.broken_links), broken_visit.broken_links
    assert any("#no-such-section" in b for b in broken_visit.broken_links), broken_visit.broken_links


def test_script_error_is_reported(broken_visit):
    assert any("notAFunction" in e for e in broken_visit.errors), broken_visit.errors


def test_accessibility_violation_is_reported(broken_visit):
    assert any(a.startswith("button-name") and "broken-on-purpose" in a for a in broken_visit.axe), broken_visit.axe


def test_all_breaks_fail_the_page(broken_visit):
    assert set(broken_visit.problems()) >= {"raw TeX", "math errors", "requests leaving the machine",
                                            "failed requests", "figures", "links", "script errors",
                                            "accessibility"}


def test_a_wrong_number_in_a_playground_is_reported(chromium, book, tmp_path):
    """The playground's engine sabotaged (every exp() 0.1 % too large) must show numbers
    that backprop_lib disagrees with, before and after a slider moves."""
    page_path = "chapters/playground.html"
    assert (book / page_path).is_file(), f"no {page_path} in {book}"
    copy = tmp_path / "html"
    copy.mkdir()
    for item in book.iterdir():
        (copy / item.name).symlink_to(item, target_is_directory=item.is_dir())
    (copy / "chapters").unlink()
    (copy / "chapters").mkdir()
    for item in (book / "chapters").iterdir():
        (copy / "chapters" / item.name).symlink_to(item)
    (copy / page_path).unlink()
    html = (book / page_path).read_text(encoding="utf-8")
    assert "Math.exp(" in html, "the playground's saved front end has no Math.exp( to sabotage"
    (copy / page_path).write_text(html.replace("Math.exp(", "1.001*Math.exp("), encoding="utf-8")
    with Server(copy) as server:
        context = new_context(chromium)
        page = context.new_page()
        try:
            page.goto(server.base + page_path, wait_until="load")
            wait_for_widgets(page)
            roots = page.locator(".bp-playground")
            assert roots.count() >= 1
            found = []
            for n in range(roots.count()):
                root = roots.nth(n)
                state = root.evaluate(READ_JS)
                found += wrong_numbers(state["spec"], state["shown"])
                _, after = move_slider(page, root, 0)
                found += wrong_numbers(after["spec"], after["shown"])
            assert found, "a sabotaged engine went unnoticed"
        finally:
            context.close()
