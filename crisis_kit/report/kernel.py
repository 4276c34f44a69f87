"""The kernel a notebook runs in, started before papermill needs it.

Left to itself, papermill starts its kernel when it executes the notebook, after the
report runner has spent about a second importing papermill, nbformat and nbconvert;
the kernel then spends another second importing ipykernel and, in the notebook's
first cell, pandas, scipy, plotly and crisis-kit. :class:`Kernel` starts the kernel
first, so it boots (and imports the modules it is told to ``preload``) on a second
CPU while the runner imports its own. papermill still executes every cell of the
notebook in it: it takes the kernel manager as nbclient's ``km`` argument, and then
leaves the kernel's shutdown to its owner, which asks for it (:meth:`Kernel.release`)
before writing the HTML and waits for it (:meth:`Kernel.close`) after.

Nothing the notebook shows depends on this: ``preload`` only imports modules (the
kernel keeps no name of them and counts no execution), and the notebook's cells
import them again as written.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync

__all__ = ["KERNEL_ARGUMENTS", "KERNEL_NAME", "Kernel"]

KERNEL_NAME = "python3"
"""The kernel spec: ipykernel in the interpreter running crisis-kit."""

KERNEL_ARGUMENTS = (
    # ipykernel warns on stderr at every start (TCP without CurveZMQ keys, on
    # localhost); warnings of the notebook's own code still reach the saved notebook.
    "--IPKernelApp.log_level=CRITICAL",
    # what nbclient passes to a kernel it starts itself: no history file on disk
    "--HistoryManager.hist_file=:memory:",
)
"""Arguments of every kernel started here."""


class _Manager(AsyncKernelManager):
    """A kernel manager that keeps the clients it makes (nbclient's among them).

    nbclient stops its client's channels only when it owns the kernel manager; the
    owner of the kernel stops them here instead (:meth:`Kernel.close`).
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.clients: list[AsyncKernelClient] = []

    def client(self, **kwargs: Any) -> AsyncKernelClient:
        """Return a new client of the kernel, and remember it."""
        made = super().client(**kwargs)
        self.clients.append(made)
        return made


class Kernel:
    """A kernel started now, for papermill to run a notebook in later.

    Parameters
    ----------
    cwd : str or Path
        The kernel's working folder (IPython puts it on ``sys.path``).
    preload : sequence of str
        Modules the kernel imports while it starts (the notebook's own first imports).

    Notes
    -----
    Use it as a context manager: leaving the block shuts the kernel down (at once
    when the block raised, since nothing is left to save). Pass :attr:`manager` to
    ``papermill.execute_notebook(..., km=kernel.manager)``; papermill then does not
    shut it down.
    """

    def __init__(self, cwd: str | Path, preload: Sequence[str] = ()) -> None:
        arguments = list(KERNEL_ARGUMENTS)
        if preload:
            # one line per module; ``del`` leaves the notebook's namespace as it was
            arguments += [f"--IPKernelApp.exec_lines=import {name}; del {name.split('.')[0]}"
                          for name in preload]
        self.manager = _Manager(kernel_name=KERNEL_NAME)
        run_sync(self.manager.start_kernel)(extra_arguments=arguments, cwd=str(cwd))
        self._released = False

    def release(self) -> None:
        """Ask the kernel to shut down, without waiting (it exits while we export)."""
        if not self._released and self.manager.has_kernel:
            run_sync(self.manager.request_shutdown)()
        self._released = True

    def close(self, now: bool = False) -> None:
        """Shut the kernel down (kill it when ``now``), wait until it has exited, stop clients."""
        manager = self.manager
        for client in manager.clients:
            client.stop_channels()
        manager.clients.clear()
        if not manager.has_kernel:
            return
        if now:
            run_sync(manager.shutdown_kernel)(now=True)
            return
        self.release()
        run_sync(manager.finish_shutdown)()
        run_sync(manager.cleanup_resources)()

    def __enter__(self) -> Kernel:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> Any:
        self.close(now=kind is not None)
        return None
