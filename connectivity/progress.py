"""Logging and progress bars for the whole toolkit, in one place.

* :func:`bar` wraps an iterable (or counts to ``total``) in a tqdm bar on
  stderr. It is shown only when the caller asked for progress *and* stderr is
  a terminal, so redirected logs get no bar fragments or escape codes.
* :class:`Steps` is a bar over the named steps of a run, with a timing per
  step; log records are routed through it so messages and the bar do not
  share a line.
* :func:`setup_logging` sets the level of the toolkit's loggers from ``-v`` /
  ``-q`` counts (used by both command-line tools).

Library functions take ``progress: bool = False`` and pass it to :func:`bar`;
nothing else in the toolkit imports tqdm.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

__all__ = ["Steps", "bar", "setup_logging", "stderr_is_terminal"]

log = logging.getLogger("connectivity.progress")

T = TypeVar("T")


def stderr_is_terminal() -> bool:
    """True when stderr is an interactive terminal (where a progress bar belongs)."""
    isatty = getattr(sys.stderr, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # closed stream
        return False


def bar(
    iterable: Iterable[T] | None = None,
    *,
    enabled: bool,
    total: int | None = None,
    desc: str | None = None,
    unit: str = "it",
    **kwargs: Any,
) -> Any:
    """A tqdm progress bar on stderr, shown when ``enabled`` and stderr is a terminal.

    Parameters
    ----------
    iterable : iterable, optional
        What to iterate over; omit it and use ``total`` with ``update()`` for a
        manual bar.
    enabled : bool
        The caller's ``progress`` flag.
    total, desc, unit, **kwargs
        Passed to tqdm (``leave``, ``unit_scale``, ...).
    """
    from tqdm.auto import tqdm

    show = bool(enabled) and stderr_is_terminal()
    return tqdm(
        iterable, total=total, desc=desc, unit=unit, disable=not show, file=sys.stderr, **kwargs
    )


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
    """A progress bar over the named steps of a run (stderr; shown only on a terminal).

    Log records of ``loggers`` are routed through the bar while a step runs,
    so messages and the bar do not overwrite each other. Use it as a context
    manager (the bar is closed at the end, also on errors) or call
    :meth:`close`.

    Examples
    --------
    >>> with Steps(2, enabled=False) as steps:
    ...     with steps.step("reading"):
    ...         pass
    ...     with steps.step("writing"):
    ...         pass
    """

    def __init__(
        self, total: int, *, enabled: bool, loggers: Sequence[str] = ("connectivity",)
    ) -> None:
        self._bar = bar(total=total, enabled=enabled, unit="step", leave=False)
        self._loggers = [logging.getLogger(n) for n in loggers]
        #: seconds per finished step, by name
        self.timings: dict[str, float] = {}

    @contextmanager
    def step(self, text: str) -> Iterator[None]:
        """Run the body as the step ``text``: shown on the bar, timed in :attr:`timings`."""
        from tqdm.contrib.logging import logging_redirect_tqdm

        self._bar.set_description(text)
        t0 = time.perf_counter()
        with logging_redirect_tqdm(loggers=self._loggers):
            yield
        self.timings[text] = round(time.perf_counter() - t0, 3)
        log.debug("%s: %.2f s", text, self.timings[text])
        self._bar.update(1)

    def close(self) -> None:
        """Close the bar."""
        self._bar.close()

    def __enter__(self) -> Steps:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
