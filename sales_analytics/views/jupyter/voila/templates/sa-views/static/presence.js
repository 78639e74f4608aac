/* The page's presence: a websocket to /api/kernels/<kernel>/presence, opened as soon as the page
 * names its kernel and held while the tab is open (sales_analytics/voila_server.py,
 * PresenceHandler). When it closes and the page does not come back within the server's grace, the
 * server shuts the page's kernel down: a tab closed at any point of loading, before Voila's scripts
 * are up (they send their own close-tab request only once their widget manager is), frees its
 * kernel at once instead of at the idle cull. Nothing is sent on the socket.
 */
(function () {
  "use strict";

  const RETRIES = 5; // a dropped socket (a network blip) is reopened, up to this many times in a row
  let socket = null;
  let leaving = false;
  let retries = 0;

  function config() {
    const element = document.getElementById("jupyter-config-data");
    if (!element) return null;
    try {
      const data = JSON.parse(element.textContent);
      return data.kernelId ? data : null;
    } catch (error) {
      return null; // not all of it parsed yet: the observer calls again
    }
  }

  function open(data) {
    const url = new URL(`${data.baseUrl || "/"}api/kernels/${data.kernelId}/presence`, window.location.href);
    url.protocol = window.location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(url.href);
    socket.onopen = () => {
      retries = 0;
    };
    socket.onclose = () => {
      if (leaving || retries >= RETRIES) return; // (a kernel the server no longer has: 404 each time)
      retries += 1;
      window.setTimeout(() => open(data), 1000);
    };
  }

  function start() {
    const data = config();
    if (!data) return false;
    open(data);
    return true;
  }

  // the tab is leaving: say so now (the browser would close the socket a little later anyway)
  window.addEventListener("pagehide", () => {
    leaving = true;
    if (socket) socket.close();
  });

  if (!start()) {
    const watch = new MutationObserver(() => {
      if (start()) watch.disconnect();
    });
    watch.observe(document.documentElement, { childList: true, subtree: true });
  }
})();
