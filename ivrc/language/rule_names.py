"""The name of every rule, read from the rule modules' file names in `ivrc/checks/` (a rule's
module is named as the rule, `_` for `-`). The code the registry itself imports (the
configuration, the check of suppression comments) knows the names from here without importing
the registry, so no import goes round in a circle; a test holds them to the registry."""

from __future__ import annotations

import functools
from pathlib import Path


@functools.cache
def rule_names() -> frozenset[str]:
    folder = Path(__file__).parent.parent / "checks"
    return frozenset(p.stem.replace("_", "-") for p in folder.glob("*.py") if not p.name.startswith("_"))
