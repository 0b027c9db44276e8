"""Brain-Score ids and plugin folder names of exported plugins.

brain-score.org refuses a hyphen in any newly registered id since October 2025 (brain-score.web PR #470,
``validate_identifiers_no_hyphens``), so an export registers a hyphen-free id derived from the suite's id
(``lcl-v2`` -> ``lcl_v2``, ``FreemanZiemba2013.V2-texmod`` -> ``FreemanZiemba2013.V2_texmod``); the suite's own ids
stay as they are.
"""

from __future__ import annotations

import re

from brainscore_lcl.errors import UsageError

#: what an exported id may hold: letters, digits, ``_`` and ``.``, starting with a letter (no ``..``)
IDENTIFIER_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_.]*$")


def export_identifier(name: str) -> str:
    """The Brain-Score id derived from a suite id or file name: every run of characters other than letters, digits,
    ``_`` and ``.`` becomes one ``_`` and ``..`` becomes ``.`` (``lcl-v2`` -> ``lcl_v2``)."""
    identifier = re.sub(r"[^A-Za-z0-9_.]+", "_", name)
    return re.sub(r"\.{2,}", ".", identifier).strip("_.")


def plugin_dirname(identifier: str) -> str:
    """Python-package folder name of the plugin registering ``identifier``: lower case, runs of other characters as
    one ``_`` (``FreemanZiemba2013.V2_texmod`` -> ``freemanziemba2013_v2_texmod``)."""
    return re.sub(r"[^a-z0-9]+", "_", identifier.lower()).strip("_")


def checked_identifier(identifier: str) -> str:
    """``identifier`` if brain-score.org and a plugin folder can take it, else ``UsageError`` naming a valid one."""
    if not IDENTIFIER_PATTERN.match(identifier) or ".." in identifier:
        suggestion = export_identifier(identifier)
        hint = f", e.g. {suggestion!r}" if IDENTIFIER_PATTERN.match(suggestion) else ""
        raise UsageError(
            f"--identifier {identifier!r} cannot be registered on brain-score.org: use letters, digits, "
            f"'_' and '.' only, starting with a letter, with no '..' (hyphens, spaces and paths are "
            f"refused){hint}"
        )
    return identifier
