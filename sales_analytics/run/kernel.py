"""The kernel manager of the run's notebooks: shut down without an interrupt.

jupyter_client's ``shutdown_kernel`` first sends the kernel SIGINT, then the
``shutdown_request`` (its ``shutdown_wait_time`` help says so). When a
notebook has finished, that interrupt is of no use, and if it lands while the
kernel is still inside a message handler ipykernel logs
``[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel.`` to the run's
stderr: a successful cron run then reads as a failure. This manager skips the
interrupt once a shutdown has begun; the shutdown request, and SIGTERM/SIGKILL
after ``shutdown_wait_time`` for a kernel that does not stop, are unchanged.
An interrupt asked for while the kernel runs (a timeout) is still sent.
"""

from __future__ import annotations

from jupyter_client import AsyncKernelManager

__all__ = ["QuietShutdownKernelManager"]


class QuietShutdownKernelManager(AsyncKernelManager):
    """:class:`AsyncKernelManager` without the SIGINT that precedes a shutdown."""

    async def _async_interrupt_kernel(self) -> None:
        if self.shutting_down:
            return
        await super()._async_interrupt_kernel()
