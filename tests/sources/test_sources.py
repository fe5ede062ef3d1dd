"""The book's quotations against the source documents' own text (``make check-sources``).

The three tutorials are not part of this repository: their text extractions, with a README
listing the values their images held, live in the folder named by the environment variable
``SOURCES`` (the Makefile's default: ``../shared/seeds``).  Everything else about the
published numbers (that each is quoted, and that the book's computation reproduces it or
explains the difference) is tested inside the repository by ``tests/test_presets.py``.
"""
import os
import re
from pathlib import Path

import pytest

import backprop_lib as bp
from backprop_lib import presets

DECIMAL = re.compile(r"(?<![\w.])(\d+\.\d+)")


@pytest.fixture(scope="session")
def sources():
    folder = os.environ.get("SOURCES")
    if not folder or not Path(folder).is_dir():
        pytest.exit(f"check-sources: no folder {folder or '(SOURCES is not set)'}; set SOURCES to the folder "
                    "holding the three documents and their README.md", returncode=2)
    return Path(folder)


def document(sources, preset_id):
    return (sources / presets.info(preset_id)["document"]["file"]).read_text(encoding="utf-8")


@pytest.mark.parametrize("pid", bp.PRESETS)
def test_each_preset_names_its_documents_file_and_title(sources, pid):
    doc = presets.info(pid)["document"]
    text = document(sources, pid)
    assert doc["title"].lower() in " ".join(text.split()).lower()
    if doc.get("author"):
        assert doc["author"].split(" (")[0] in text         # the name, without a site name after it


def test_every_value_the_readme_lists_for_the_first_and_third_documents_is_quoted(sources):
    """Their numbers were in images: the README lists them; each is in a preset's quotations."""
    text = (sources / "README.md").read_text(encoding="utf-8")
    first = text.split("## First document")[1].split("## Second document")[0]
    third = text.split("## Third document")[1]
    quoted = {pid: {e["quote"].lstrip("-") for e in bp.published(pid)} for pid in bp.PRESETS}

    def numbers(section, skip):
        return set(DECIMAL.findall(section.replace("−", "-"))) - skip
    # parameters, inputs, targets and settings are the network itself, not published results
    params_222 = {"0.15", "0.20", "0.25", "0.30", "0.35", "0.40", "0.45", "0.50", "0.55", "0.60",
                  "0.05", "0.10", "0.01", "0.99", "0.5"}
    params_221 = {"0.11", "0.21", "0.12", "0.08", "0.14", "0.15", "0.05"}
    found_222, found_221 = numbers(first, params_222), numbers(third, params_221)
    assert len(found_222) >= 30 and len(found_221) >= 8, "the README's lists were not read"
    missing_222 = found_222 - quoted["2-2-2"]
    assert not missing_222, f"2-2-2: not in the preset's published list: {sorted(missing_222)}"
    missing_221 = found_221 - quoted["2-2-1"]
    assert not missing_221, f"2-2-1: not in the preset's published list: {sorted(missing_221)}"


def test_every_decimal_in_the_second_documents_worked_example_is_quoted(sources):
    text = document(sources, "3-2-2")
    worked = text.split("Step 2", 1)[1].split("So what do we do now?", 1)[0]
    found = set(DECIMAL.findall(worked))
    given = {"0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9", "0.05", "0.01"}  # the network itself
    quoted = {p["quote"] for p in bp.published("3-2-2")}
    assert len(found) > 30, "the worked example was not read"
    assert found - given <= quoted, sorted(found - given - quoted)


def test_the_second_documents_quotations_stand_in_its_text(sources):
    """Its text carries its numbers (the worked example's and its readers' comments')."""
    text = document(sources, "3-2-2")
    quotes = [p["quote"] for p in bp.published("3-2-2")]
    assert len(quotes) > 30
    missing = [q for q in quotes if q not in text]
    assert not missing, f"quoted but not in the document: {missing}"
