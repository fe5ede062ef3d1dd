"""Settings for every test under tests/.

Property tests (hypothesis): ``make test`` draws the same pseudo-random networks on every run
(``derandomize``), so that a run is repeatable and never fails by chance on CI; set
``HYPOTHESIS_PROFILE=explore`` to draw fresh ones on each run and look for new failures.  No
deadline: sympy's derivations take a while.  The first failure is reported, not every one.
"""
import os

from hypothesis import settings

settings.register_profile("book", deadline=None, report_multiple_bugs=False, print_blob=True, derandomize=True)
settings.register_profile("explore", deadline=None, report_multiple_bugs=False, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "book"))
