"""ICD-10-CM codes, checked offline against the code set shipped by simple-icd-10-cm (pinned)."""

from __future__ import annotations

import warnings
from functools import cache
from types import ModuleType

from ivig_graph.errors import CurationError


@cache
def _code_set() -> ModuleType:
    """The code set, loaded on first use: importing it reads ~100k codes (about 1.7 s)."""
    with warnings.catch_warnings():
        # simple-icd-10-cm 1.5.0 loads its data with importlib.resources' legacy API.
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm

    code_set: ModuleType = simple_icd_10_cm  # the package has no type information
    return code_set


def is_code(code: str) -> bool:
    """A real ICD-10-CM category or subcategory code (not a chapter or a block of categories)."""
    cm = _code_set()
    return bool(cm.is_valid_item(code)) and not cm.is_chapter_or_block(code)


def describe(code: str) -> str:
    """The official description of ``code``; CurationError if it is not an ICD-10-CM code."""
    if not is_code(code):
        raise CurationError(
            f"ICD-10-CM code {code!r} in data/icd10cm.toml is not in the code set shipped by "
            "simple-icd-10-cm: check it against the official tabular list and fix or remove it."
        )
    return str(_code_set().get_description(code))
