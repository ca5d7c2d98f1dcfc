"""Unit tests under mutation testing (``make mutation``): hypothesis without its deadline,
since a mutant's trampolines and a loaded machine slow every example, and with examples
drawn the same way each run, so that a mutant is killed or survives for a reason and not
by chance."""

from __future__ import annotations

import os

from hypothesis import settings

if "MUTANT_UNDER_TEST" in os.environ:
    settings.register_profile("mutation", deadline=None, derandomize=True, print_blob=False)
    settings.load_profile("mutation")
