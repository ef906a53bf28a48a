"""Command-line plumbing shared by the ``connectivity`` and ``fua`` commands.

Logging set-up, a progress bar over named steps, and one-line error
messages; private to the distribution (``fua.cli`` imports it, which the
layering allows: fua may use connectivity, never the reverse).
"""

from __future__ import annotations

import functools
import logging
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import click

__all__ = ["Steps", "friendly_errors", "setup_logging"]

log = logging.getLogger("connectivity.cli")


def setup_logging(verbose: int, quiet: int, names: Sequence[str]) -> None:
    """WARNING by default; -v INFO, -vv DEBUG; -q errors only (for the loggers ``names``)."""
    level = max(logging.DEBUG, min(logging.ERROR, logging.WARNING + 10 * (quiet - verbose)))
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    for name in names:
        lg = logging.getLogger(name)
        lg.handlers[:] = [handler]
        lg.setLevel(level)
        lg.propagate = False


class Steps:
    """A progress bar over the named steps of a run (stderr; off with -q).

    Log records of ``loggers`` are routed through the bar while a step runs,
    so messages and the bar do not overwrite each other.
    """

    def __init__(
        self, total: int, *, enabled: bool, loggers: Sequence[str] = ("connectivity",)
    ) -> None:
        from tqdm.auto import tqdm

        self._bar = tqdm(
            total=total, disable=not enabled, unit="step", leave=False, file=sys.stderr
        )
        self._loggers = [logging.getLogger(n) for n in loggers]
        #: seconds per finished step, by name
        self.timings: dict[str, float] = {}

    @contextmanager
    def step(self, text: str) -> Iterator[None]:
        from tqdm.contrib.logging import logging_redirect_tqdm

        self._bar.set_description(text)
        t0 = time.perf_counter()
        with logging_redirect_tqdm(loggers=self._loggers):
            yield
        self.timings[text] = round(time.perf_counter() - t0, 3)
        log.debug("%s: %.2f s", text, self.timings[text])
        self._bar.update(1)

    def close(self) -> None:
        self._bar.close()


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
