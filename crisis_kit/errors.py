"""The few exceptions crisis-kit raises, each written for the person fixing the input."""

from __future__ import annotations

import copy

__all__ = ["CrisisKitError", "InputError", "ConfigError", "StoreBusyError", "NotebookError"]


class CrisisKitError(Exception):
    """An error the user can fix: what went wrong, where, and how to fix it.

    Parameters
    ----------
    what : str
        One sentence saying what is wrong.
    where : str, optional
        The file, line and column (or key) concerned.
    fix : str, optional
        What the user should do about it.
    """

    def __init__(self, what: str, where: str | None = None, fix: str | None = None) -> None:
        self.what = what
        self.where = where
        self.fix = fix
        super().__init__(self.message)

    def located(self, where: str) -> CrisisKitError:
        """The same error, placed: ``where`` (the file, the incident.yaml entry) before its own ``where``.

        Returns a copy of the same class; the original is left as it was.
        """
        placed = copy.copy(self)
        placed.where = f"{where}, {self.where}" if self.where and where not in self.where else (
            self.where or where)
        placed.args = (placed.message,)
        return placed

    @property
    def message(self) -> str:
        """The one readable paragraph shown to the user."""
        parts = [self.what.rstrip(".") + "."]
        if self.where:
            parts.append(f"Where: {self.where}.")
        if self.fix:
            parts.append(f"Fix: {self.fix.rstrip('.')}.")
        return " ".join(parts)


class InputError(CrisisKitError):
    """An export file that cannot be read as a whole (not a row-level problem)."""


class ConfigError(CrisisKitError):
    """An invalid `incident.yaml` or invalid parameters."""


class StoreBusyError(CrisisKitError):
    """Another process holds the evidence store."""


class NotebookError(CrisisKitError):
    """A notebook run failed; ``executed`` names the notebook that holds the error."""

    def __init__(self, what: str, executed: str, fix: str | None = None) -> None:
        self.executed = executed
        super().__init__(what, where=executed, fix=fix)
