"""The presets reproduce their documents' published numbers to the documents' rounding.

Where a quoted number disagrees with the exact computation, the preset names the function
(``explained_by``, in backprop_lib/documents/) that reproduces it from the document's own
procedure: the test requires both the disagreement and the reproduction.
"""
import pytest

import backprop_lib as bp
from backprop_lib.documents import reproduce
from backprop_lib.quantities import decimals_of

CASES = [(pid, entry) for pid in bp.PRESETS for entry in bp.published(pid)]


@pytest.fixture(scope="module")
def computed():
    return {pid: bp.table(bp.preset(pid), [e["key"] for e in bp.published(pid)]) for pid in bp.PRESETS}


@pytest.mark.parametrize("pid,entry", CASES, ids=[f"{p}:{e['key']}" for p, e in CASES])
def test_published_number(computed, pid, entry):
    value = computed[pid][entry["key"]]
    quote = entry["quote"]
    if "explained_by" not in entry:
        assert bp.agrees(value, quote), (
            f"{pid} {entry['key']}: computed {value!r} does not round to the quoted {quote} "
            f"({decimals_of(quote)} places)")
    else:
        assert not bp.agrees(value, quote), f"{pid} {entry['key']}: agrees after all; drop explained_by"
        reproduced = reproduce(entry["explained_by"])[entry["key"]]
        assert bp.agrees(reproduced, quote), (
            f"{pid} {entry['key']}: {entry['explained_by']} gives {reproduced!r}, not the quoted {quote}")


@pytest.mark.parametrize("pid", bp.PRESETS)
def test_preset_settings_follow_the_documents(pid):
    net = bp.preset(pid)
    expected = {"2-2-2": ([2, 2, 2], 0.5, False, ["sigmoid", "sigmoid"]),
                "3-2-2": ([3, 2, 2], 0.01, True, ["sigmoid", "sigmoid"]),
                "2-2-1": ([2, 2, 1], 0.05, False, ["linear", "linear"])}[pid]
    assert (net.layers, net.learning_rate, net.update_biases, net.activations) == expected


def test_document_names_sit_where_the_documents_put_them():
    first, second, third = bp.preset("2-2-2"), bp.preset("3-2-2"), bp.preset("2-2-1")
    assert first.param("w2").location == ("weights", 0, 0, 1)      # i2 → h1
    assert first.param("w7").location == ("weights", 1, 1, 0)      # h1 → o2
    assert second.param("w2").location == ("weights", 0, 1, 0)     # x1 → h2
    assert second.param("w9").location == ("weights", 1, 0, 1)     # h2 → o1
    assert third.param("w6").location == ("weights", 1, 0, 1)      # h2 → out
    assert [p.value for p in second.parameters() if p.kind == "weights"] == \
           [0.1, 0.3, 0.5, 0.2, 0.4, 0.6, 0.7, 0.9, 0.8, 0.1]
    assert third.biases == [None, None]
