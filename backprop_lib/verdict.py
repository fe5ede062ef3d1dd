"""The answer of a code exercise's check cell: one line, "Right: …" or "Not yet: …".

It is the check's return value, so a notebook shows it as the cell's result (the same in
nbclient and nbval, unlike a printed line after a suppressed ``False``), and it is true or
false, so code and tests can use it as a condition."""
from __future__ import annotations


class Verdict:
    def __init__(self, right, text):
        self.right = bool(right)
        self.text = ("Right: " if right else "Not yet: ") + text

    def __bool__(self):
        return self.right

    def __repr__(self):
        return self.text
