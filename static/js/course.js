// The page's entry point: quizzes, sims, progress, search and in-place navigation, each built
// on the page's data- hooks. One Python worker serves every page of the visit.
import { Python } from "./python.js";
import { Sim } from "./sim.js";
import { initQuiz } from "./quiz.js";
import { Store } from "./store.js";
import { initNavigation } from "./nav.js";
import { initEditor } from "./editor.js";
import { bindShare, readShared } from "./share.js";
import { initProgressTools, showProgress } from "./progress.js";
import { initSearch } from "./search.js";
import { initGlossary } from "./glossary.js";
import { QUIZ_ANSWERED, SIM_INTERACT, SIM_READY } from "./events.js";

const config = JSON.parse(document.getElementById("course-config").textContent);
document.documentElement.classList.add("js");

// The page's policy allows requests to 'self': the whole origin, which a project site shares
// with its owner's other sites. A second policy narrows them to the course's own folder, for
// the page and for the Python worker, which inherits both.
function confineToCourse() {
  const root = new URL(".", new URL(config.offline, document.baseURI)).href;
  const runtime = /^https?:/.test(config.pyodide) ? ` ${config.pyodide}` : "";
  const policy = document.createElement("meta");
  policy.httpEquiv = "Content-Security-Policy";
  policy.content = `connect-src ${root}${runtime}`;
  document.head.append(policy);
}
confineToCourse();

function showUnsavedNotice() {
  if (document.querySelector(".storage-notice")) return;
  const notice = document.createElement("p");
  notice.className = "storage-notice";
  notice.setAttribute("role", "status");
  notice.textContent = "Your progress cannot be saved in this browser; it is kept until you leave the page.";
  document.querySelector(".site-header").after(notice);
}

const store = new Store(showUnsavedNotice);
const FROM_LINK = "This link contains code someone else wrote. Read it, then press Run.";
const FROM_FILE = "This code came from an imported progress file. Read it, then press Run.";
let python = null;
const chapterSlug = () => document.querySelector("article.chapter")?.dataset.chapter;

document.addEventListener(QUIZ_ANSWERED, (event) => {
  const slug = chapterSlug();
  if (slug && event.target.dataset.state === "correct") store.mark(slug, "quiz");
  showProgress(store);
});
document.addEventListener(SIM_INTERACT, () => chapterSlug() && store.mark(chapterSlug(), "sim"));

// Set up what the current <main> holds; returns how to take it down again.
function setUpPage() {
  const sims = [];
  let active = true; // a page left before its sims were made makes none
  const slug = chapterSlug();
  if (slug) store.mark(slug, "visited");
  for (const element of document.querySelectorAll("[data-quiz]")) initQuiz(element, store);
  initGlossary(document.querySelector("main"));
  showProgress(store);
  initProgressTools(store);
  for (const element of document.querySelectorAll("[data-sim]")) {
    python ??= new Python(config);
    const { name, controls } = JSON.parse(element.querySelector(".sim-config").textContent);
    readShared(location.hash, name, controls).then((shared) => {
      if (!active) return;
      // A link's controls and seed apply at once; code from a link or a file waits for Run.
      const imported = store.pending(name);
      const pending = shared?.source ? { source: shared.source, notice: FROM_LINK }
        : imported ? { source: imported, notice: FROM_FILE } : null;
      const source = pending ? null : store.code(name);
      const sim = new Sim(element, python, { params: shared?.params, seed: shared?.seed, source });
      sims.push(sim);
      python.attach(sim);
      initEditor(sim, store, config.sims, pending);
      bindShare(sim);
      if (shared) element.scrollIntoView();
    });
  }
  return () => {
    active = false;
    sims.forEach((sim) => sim.dispose());
  };
}

// Offline after the first visit; a browser without service workers simply goes without.
// It caches the whole course, so it starts once Python is up: never competing with it.
function goOffline() {
  if ("serviceWorker" in navigator) navigator.serviceWorker.register(config.offline).catch(() => {});
}
if (document.querySelector("[data-sim]")) document.addEventListener(SIM_READY, goOffline, { once: true });
else window.addEventListener("load", () => setTimeout(goOffline, 1000), { once: true });

let tearDown = setUpPage();
initSearch(config.search);
initNavigation({
  leave: () => tearDown(),
  arrive: () => { tearDown = setUpPage(); },
});
