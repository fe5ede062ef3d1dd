"""Helpers the chapters share (backprop_lib.book)."""
import pytest

from backprop_lib import book


@pytest.mark.parametrize("value,display", [(0.082167041, False), (3, True), ("text", False),
                                           (book.Markdown("| a |\n|---|\n| 1 |"), True)])
def test_glue_emits_exactly_what_myst_nbs_glue_emits(monkeypatch, value, display):
    import IPython.display
    import myst_nb.ext.glue as theirs

    calls = []
    monkeypatch.setattr(theirs, "ipy_display", lambda *a, **k: calls.append(("myst_nb", a, k)))
    monkeypatch.setattr(IPython.display, "display", lambda *a, **k: calls.append(("book", a, k)))
    theirs.glue("name", value, display=display)
    book.glue("name", value, display=display)
    (_, a1, k1), (_, a2, k2) = calls
    assert (a1, k1) == (a2, k2)
    assert book.GLUE_PREFIX == theirs.GLUE_PREFIX
    assert any(key.startswith(book.GLUE_PREFIX) for key in a2[0]) != display
