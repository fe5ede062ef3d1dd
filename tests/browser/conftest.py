"""Fixtures for reading the built book in Chromium; the checks themselves are in pagecheck.py."""
from __future__ import annotations

import shutil

import pytest

from pagecheck import Server, book_dir, chromium  # noqa: F401  (chromium: a fixture)


@pytest.fixture(scope="session")
def book():
    root = book_dir()
    if not (root / "index.html").is_file():
        pytest.fail(f"no built book at {root}; build it first (make book-strict) or set BOOK_HTML",
                    pytrace=False)
    return root


@pytest.fixture(scope="session")
def book_server(book):
    with Server(book) as server:
        yield server


@pytest.fixture(scope="session")
def screenshots(book):
    folder = book.parent / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def page_copy(book, tmp_path):
    """A throwaway copy of the book (pages copied, the big static folders linked) to break on purpose."""
    copy = tmp_path / "html"
    copy.mkdir()
    for item in book.iterdir():
        if item.is_dir() and item.name.startswith("_"):
            (copy / item.name).symlink_to(item, target_is_directory=True)
        elif item.is_dir():
            shutil.copytree(item, copy / item.name)
        else:
            shutil.copy2(item, copy / item.name)
    return copy



# ---------------------------------------------------------------------------- spreading the work
def pytest_xdist_make_scheduler(config, log):
    """Under ``--dist loadscope``, a test module goes to one worker as a whole, except that
    test_pages.py goes page by page: its checks of one page share one visit, and the pages,
    the longest part of the run, spread over the workers.  (pytest-xdist's own ``loadgroup``
    renames node ids, which pytest 9 no longer allows.)"""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ByPage(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            module, _, rest = nodeid.partition("::")
            if module.endswith("tests/browser/test_pages.py") and rest.endswith("]"):
                return module + "::" + rest[rest.index("[") + 1:-1]
            return super()._split_scope(nodeid)

    return ByPage(config, log)
