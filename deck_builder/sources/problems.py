"""Problems found in the user's files, and the one exception that carries them to the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, NamedTuple

import click


class Location(NamedTuple):
    """A place in a source file; line and column count from 1, as editors do.

    A NamedTuple, not a dataclass: every value in every file gets one, and a frozen
    dataclass costs several times more to create.
    """

    file: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.col}"
        return self.file


@dataclass(frozen=True)
class Problem:
    """One error or warning, with where it is and what to do about it."""

    location: Location
    severity: str  # "error" or "warning"
    message: str

    def __str__(self) -> str:
        # One problem, one line: user text echoed in a message may hold a newline.
        message = self.message.replace("\r", "\\r").replace("\n", "\\n")
        return f"{self.location}: {self.severity}: {message}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Problems in file order, so the output reads top to bottom like the sources."""
    return sorted(problems, key=lambda p: (p.location.file, p.location.line, p.location.col, p.message))


def plural(count: int, one: str, many: str | None = None) -> str:
    """ "1 note", "2 notes", "3 people" """
    return f"{count} {one if count == 1 else (many or one + 's')}"


def count_summary(problems: Iterable[Problem]) -> str:
    """ "2 errors, 1 warning" """
    problems = list(problems)
    errors = sum(p.is_error for p in problems)
    return f"{plural(errors, 'error')}, {plural(len(problems) - errors, 'warning')}"


class ProblemsError(click.ClickException):
    """Raised with every problem found; the CLI prints them all and exits 1."""

    exit_code = 1

    def __init__(self, problems: Iterable[Problem], summary: str | None = None):
        self.problems = sort_problems(problems)
        self.summary = summary or count_summary(self.problems) + "."
        super().__init__(self.summary)

    def format_message(self) -> str:
        return "\n".join([*(str(p) for p in self.problems), self.summary])

    def show(self, file=None) -> None:
        click.echo(self.format_message(), err=True)


class UserError(click.ClickException):
    """A single problem that has no place in a source file (a missing folder, an unwritable output)."""

    exit_code = 1

    def show(self, file=None) -> None:
        click.echo(f"error: {self.message}", err=True)
