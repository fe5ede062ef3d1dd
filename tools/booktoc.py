"""The book's table of contents (``_toc.yml``) in reading order, for the tools and the tests.

>>> [(e.part, e.file, e.level) for e in entries()][:2]
[(None, 'intro', 0), ('The three documents, with numbers', 'chapters/2-2-1', 1)]
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Entry:
    file: str            # as in _toc.yml, without a suffix: "chapters/2-2-2"
    part: str | None     # the caption of its part (None for the title page)
    level: int           # 0 the title page, 1 a chapter, 2 a section of a chapter

    @property
    def html(self) -> str:
        """Its page in the built HTML book."""
        return self.file + ".html"


def entries(root: Path = ROOT) -> list[Entry]:
    import yaml

    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    found = [Entry(str(Path(toc["root"]).with_suffix("")), None, 0)]

    def walk(node, part, level):
        for key in ("chapters", "sections"):
            for entry in node.get(key, []) or []:
                if "file" in entry:
                    found.append(Entry(str(Path(entry["file"]).with_suffix("")), part, level))
                walk(entry, part, level + 1)

    for part in toc.get("parts", []) or []:
        walk(part, part.get("caption"), 1)
    walk(toc, None, 1)
    return found


def pages(root: Path = ROOT) -> list[str]:
    """The built HTML pages of the contents, in reading order (``chapters/x.html``)."""
    return [e.html for e in entries(root)]
