"""Code that runs inside the Voila server process of ``sales-analytics serve`` (not in kernels).

Two corrections to how Voila 0.5 handles the kernels of preheated views.

Closing a view's tab should shut its kernel down at once: Voila's page sends
``POST /voila/api/shutdown/<kernel>`` from ``beforeunload`` with the ``_xsrf``
cookie copied into the form. A page served from a preheated kernel is rendered
before the request arrives, so nothing reads the handler's ``xsrf_token`` and
the cookie is never set; every shutdown beacon is then refused with 403
("'_xsrf' argument missing from POST", voila-dashboards/voila#1458) and the
kernel lives until the idle cull. ``ViewsIdentityProvider`` sets the cookie on
each authenticated page request, so the beacon passes the XSRF check instead
of the check being switched off.

A preheated kernel waits in the pool, idle, often longer than the idle
timeout; the pool protects it from the cull. When a page takes it, the page's
websocket connects a moment later, and a cull check falling in between finds a
kernel long idle with no connection and shuts it down under the manager's eyes
(the page then never gets its widgets; seen in the views benchmark).
``ViewsKernelManager`` restarts the idle clock of a kernel the first time the
cull finds it outside the pool, so every kernel gets a full idle timeout after
it is handed to a page.
"""

from __future__ import annotations

from datetime import UTC, datetime

from jupyter_server.auth.identity import PasswordIdentityProvider
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

__all__ = ["ViewsIdentityProvider", "ViewsKernelManager"]


class ViewsIdentityProvider(PasswordIdentityProvider):
    """Voila's default identity provider, plus the ``_xsrf`` cookie on every page it serves."""

    async def _get_user(self, handler):
        user = await super()._get_user(handler)
        if user is not None and handler.request.method == "GET" and _is_page(handler):
            # the handler stores the user right after this returns; tornado's ``xsrf_token``
            # reads it (for the cookie's expiry), so store it first
            handler.current_user = user
            handler.xsrf_token  # noqa: B018 (reading the property sets the ``_xsrf`` cookie)
        return user


def _is_page(handler) -> bool:
    from voila.handler import VoilaHandler

    return isinstance(handler, VoilaHandler)


class ViewsKernelManager(AsyncMappingKernelManager):
    """The kernel manager Voila wraps with its pools, with a full idle timeout after hand-out."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._clock_restarted: set[str] = set()

    async def cull_kernel_if_idle(self, kernel_id: str):
        # Voila's pool wrapper returns before reaching here for kernels still in a pool
        if kernel_id not in self._clock_restarted and kernel_id in self._kernels:
            self._clock_restarted.add(kernel_id)
            self._kernels[kernel_id].last_activity = datetime.now(UTC)
            return
        await super().cull_kernel_if_idle(kernel_id)

    async def shutdown_kernel(self, kernel_id: str, *args, **kwargs):
        self._clock_restarted.discard(kernel_id)
        return await super().shutdown_kernel(kernel_id, *args, **kwargs)
