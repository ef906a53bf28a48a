"""Griffe extension for the docs site: Sphinx cross-reference roles as inline code.

The docstrings are numpydoc and use Sphinx roles (:func:`~fua.classify_grid`,
:class:`RoadNetwork`, :mod:`fua.scale`...). Markdown does not know them, so
without this they would show as ":func:" followed by the name. Each role
becomes inline code of the name it shows in Sphinx: the last component when
the target starts with ``~``, else the whole target.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:py:)?(?:func|class|mod|meth|attr|data|exc|obj|const):`(~?)([^`]+)`")


def _code(match: re.Match[str]) -> str:
    tilde, target = match.groups()
    return f"`{target.rsplit('.', 1)[-1] if tilde else target}`"


class SphinxRoles(griffe.Extension):
    """Rewrite Sphinx roles in every docstring when griffe loads an object."""

    def on_instance(self, **kwargs: Any) -> None:
        obj = kwargs["obj"]
        if obj.docstring is not None:
            obj.docstring.value = ROLE.sub(_code, obj.docstring.value)
