// Reruns the page when the tab gets its connection to the server back.
//
// After a server restart (a redeploy, a crash) the tab reconnects to a process that holds a new,
// empty session, while it still shows the old session's view; Streamlit reruns nothing until the
// next click, and that click's callback is lost with the old session. So when the app's
// connection state goes back to CONNECTED, this sets the trigger value "reconnected": the page
// reruns at once and says what was lost (latent_lab/state/sessions.py). One watcher per tab.

export default function (component) {
  // It draws nothing: its place in the sidebar takes no room either.
  const root = component.parentElement;
  const host = root instanceof ShadowRoot ? root.host : root;
  const box = host && host.closest('[data-testid="stElementContainer"]');
  if (box) box.style.display = "none";
  const watch = (window.__llReconnect = window.__llReconnect || { lost: false, trigger: null });
  watch.trigger = component.setTriggerValue;
  if (!watch.observer) {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app) return;
    watch.observer = new MutationObserver(() => {
      const state = app.getAttribute("data-test-connection-state");
      if (state !== "CONNECTED") {
        watch.lost = true;
      } else if (watch.lost) {
        watch.lost = false;
        if (watch.trigger) watch.trigger("reconnected", Date.now());
      }
    });
    watch.observer.observe(app, { attributes: true, attributeFilter: ["data-test-connection-state"] });
  }
}
