"""Command-line plumbing shared by the ``connectivity`` and ``fua`` commands.

Logging set-up, a progress bar over named steps, and one-line error
messages; private to the distribution (``fua.cli`` imports it, which the
layering allows: fua may use connectivity, never the reverse).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

import click

__all__ = ["Steps", "friendly_errors", "setup_logging"]

from connectivity.progress import Steps, setup_logging

log = logging.getLogger("connectivity.cli")


def friendly_errors(
    errors: tuple[type[BaseException], ...], *, traceback_verbosity: int = 1
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Show ``errors`` as one line with exit code 1; re-raise (traceback) at
    ``-v`` repeated ``traceback_verbosity`` times."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            ctx = click.get_current_context()
            try:
                return func(*args, **kwargs)
            except errors as exc:
                if ctx.obj and ctx.obj.get("verbose", 0) >= traceback_verbosity:
                    raise
                raise click.ClickException(f"{type(exc).__name__}: {exc}") from exc

        return wrapper

    return decorate
