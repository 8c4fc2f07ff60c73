"""Hypothesis profiles: CI runs a fixed, derandomized search, so it can never fail by chance.

`CI` set (as `.ci/run` and most CI systems do) selects the `ci` profile: every property test
draws the same examples on every run. Without it (a developer's machine) the search is random,
so each local run explores new examples; `HYPOTHESIS_PROFILE=ci|random` picks one explicitly.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("random", print_blob=True)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "random")
)
