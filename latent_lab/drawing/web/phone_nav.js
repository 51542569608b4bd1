// On a phone the open sidebar covers the page. Streamlit's own page navigation closes it after a
// tap on a page; the app draws its page links itself (st.page_link, so that a link carries the
// view), and those leave it open: the tapped page loads behind the sidebar and nothing seems to
// happen. This closes the sidebar after such a tap on a narrow screen. One listener per tab.

const NARROW = "(max-width: 768px)"; // where Streamlit's sidebar overlays the page

export default function ({ parentElement }) {
  // It draws nothing: its place in the sidebar takes no room either.
  const host = parentElement instanceof ShadowRoot ? parentElement.host : parentElement;
  const box = host && host.closest('[data-testid="stElementContainer"]');
  if (box) box.style.display = "none";
  if (window.__llPhoneNav) return;
  window.__llPhoneNav = true;
  document.addEventListener(
    "click",
    (event) => {
      const link = event.target.closest && event.target.closest(
        '[data-testid="stSidebar"] a[data-testid="stPageLink-NavLink"]');
      if (!link || !window.matchMedia(NARROW).matches) return;
      // After the link's own handler has started the navigation.
      setTimeout(() => {
        const close = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
        if (close) close.click();
      }, 0);
    },
    true,
  );
}
