// Chapter changes in place: fetch the next page, swap its <main>, keep the Python worker alive.
// Back/forward, scroll positions and deep links keep working; any failure falls back to a
// full page load, and without script the links are plain links.

const isPage = (url) => url.origin === location.origin && /(\.html|\/)$/.test(url.pathname);
const fetched = new Map(); // path -> promise of the page's HTML, fetched ahead for the next link
let shown = location.pathname; // the page in <main>: a history step within it only scrolls

// The element a fragment names, or null: a malformed fragment (#%E0%A4%A) names none.
function target(hash) {
  try {
    return hash ? document.getElementById(decodeURIComponent(hash.slice(1))) : null;
  } catch {
    return null;
  }
}

function fetchPage(path) {
  if (!fetched.has(path)) {
    fetched.set(path, fetch(path).then((response) => {
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return response.text();
    }));
    fetched.get(path).catch(() => fetched.delete(path));
  }
  return fetched.get(path);
}

// The next chapter is the likeliest click: fetch it while the learner reads.
function prefetchNext() {
  const next = document.querySelector(".pager-next");
  if (next) setTimeout(() => fetchPage(new URL(next.href).pathname).catch(() => {}), 1500);
}

export function initNavigation({ leave, arrive }) {
  history.replaceState({ scroll: history.state?.scroll ?? 0 }, "");
  prefetchNext();
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[href]");
    if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey
        || event.shiftKey || event.altKey || link.target || link.hasAttribute("download")) return;
    const url = new URL(link.href, location.href);
    if (!isPage(url) || (url.pathname === location.pathname && url.hash)) return;
    event.preventDefault();
    if (url.pathname === location.pathname) window.scrollTo(0, 0); // this page: nothing to fetch
    else go(url, { push: true, leave, arrive });
  });
  addEventListener("popstate", (event) => {
    // A fragment on the same page (the skip link, a contents link, Back to one) only scrolls:
    // the page, its sims and any unsaved code stay as they are.
    if (location.pathname === shown) target(location.hash)?.scrollIntoView();
    else go(new URL(location.href), { push: false, scroll: event.state?.scroll, leave, arrive });
  });
}

async function go(url, { push, scroll = 0, leave, arrive }) {
  history.replaceState({ ...history.state, scroll: window.scrollY }, "");
  let page;
  try {
    page = new DOMParser().parseFromString(await fetchPage(url.pathname), "text/html");
    if (!page.querySelector("main") || !page.querySelector(".chapter-menu")) throw new Error("not a course page");
  } catch {
    location.assign(url.href);
    return;
  }
  leave();
  shown = url.pathname;
  document.querySelector("main").replaceWith(document.adoptNode(page.querySelector("main")));
  document.querySelector(".chapter-menu").replaceWith(document.adoptNode(page.querySelector(".chapter-menu")));
  document.title = page.title;
  if (push) history.pushState({ scroll: 0 }, "", url.href);
  arrive();
  prefetchNext();
  const anchor = target(url.hash);
  if (anchor) anchor.scrollIntoView();
  else window.scrollTo(0, scroll);
  const heading = document.querySelector("main h1");
  if (heading && !anchor) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: true });
  }
}
