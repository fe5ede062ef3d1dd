"""Widgets that compute in the browser, so they stay live in the static HTML book.

>>> from backprop_lib.widgets import Playground, AnswerBox, check
>>> Playground("2-2-2")                          # sliders, diagram, every number, loss curve
>>> AnswerBox("2-2-2", "dE/dw5", hint="…")       # an exercise's answer box
>>> check("2-2-2", "dE/dw5", 0.082167041)        # the same check in Python

Both widgets are anywidgets whose front ends (``js/widget.js``, ``js/answer.js``) run
``js/engine.js``, a JavaScript twin of backprop_lib; the tests hold the two to 1e-12 on
random networks.  The answer box judges with ``js/judge.js``, the twin of ``answers.py``.
"""
from .answerbox import AnswerBox, check, key_text
from .playground import Playground
from .training import TrainingPlayground

__all__ = ["AnswerBox", "Playground", "TrainingPlayground", "check", "key_text"]
