"""Terminal colours as upstream's PaastaColors, switched off when output is not a TTY."""

from __future__ import annotations

import re
from dataclasses import dataclass

BOLD = "\033[1m"
BLUE = "\033[34m"
CYAN = "\033[36m"
GREEN = "\033[32m"
RED = "\033[31m"
YELLOW = "\033[33m"
GREY = "\033[1m\033[30m"
DEFAULT = "\033[0m"
_ANSI_RE = re.compile(r"\x1b\[[0-9;]*m")


def strip_colors(text: str) -> str:
    """``text`` without colour escape codes."""
    return _ANSI_RE.sub("", text)


def terminal_len(text: str) -> int:
    """The printed width of ``text``."""
    return len(strip_colors(text))


@dataclass(frozen=True)
class Palette:
    """Colour functions; with ``enabled=False`` every one returns its text unchanged."""

    enabled: bool = True

    def color(self, code: str, text: str) -> str:
        return f"{code}{text}{DEFAULT}" if self.enabled else text

    def bold(self, text: str) -> str:
        return self.color(BOLD, text)

    def blue(self, text: str) -> str:
        return self.color(BLUE, text)

    def cyan(self, text: str) -> str:
        return self.color(CYAN, text)

    def green(self, text: str) -> str:
        return self.color(GREEN, text)

    def red(self, text: str) -> str:
        return self.color(RED, text)

    def yellow(self, text: str) -> str:
        return self.color(YELLOW, text)

    def grey(self, text: str) -> str:
        return self.color(GREY, text)

    def default(self, text: str) -> str:
        return self.color(DEFAULT, text)


PLAIN = Palette(enabled=False)
