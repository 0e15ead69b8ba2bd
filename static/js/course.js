// The page's entry point: quizzes, sims, progress, search and in-place navigation, each built
// on the page's data- hooks. One Python worker serves every page of the visit.
import { Python } from "./python.js";
import { Sim } from "./sim.js";
import { initQuiz } from "./quiz.js";
import { Store } from "./store.js";
import { initNavigation } from "./nav.js";
import { initEditor } from "./editor.js";
import { bindShare, readShared } from "./share.js";
import { bindPresent } from "./present.js";
import { postHeight } from "./embed.js";
import { initProgressTools, showProgress } from "./progress.js";
import { initSearch } from "./search.js";
import { initGlossary } from "./glossary.js";
import { initReviewPage, initReviewPanel, recordAnswer } from "./review.js";
import { QUIZ_ANSWERED, SIM_INTERACT, SIM_READY } from "./events.js";

const config = JSON.parse(document.getElementById("course-config").textContent);
document.documentElement.classList.add("js");
// An embed page (embed/NAME.html): one sim, maybe in another site's <iframe>, where storage
// and the offline worker may be refused; each then goes without, as on any page.
const embedded = document.body.classList.contains("embed");

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
  document.querySelector(".site-header")?.after(notice); // an embed page says nothing: it has no room
}

const store = new Store(showUnsavedNotice);
const FROM_LINK = "This link contains code someone else wrote. Read it, then press Run.";
const FROM_FILE = "This code came from an imported progress file. Read it, then press Run.";
let python = null;
let sims = []; // the current page's
const chapterSlug = () => document.querySelector("article.chapter")?.dataset.chapter;

document.addEventListener(QUIZ_ANSWERED, (event) => {
  const question = event.target;
  const slug = chapterSlug();
  if (slug && question.dataset.state === "correct" && question.closest(".chapter-body")) store.mark(slug, "quiz");
  question.querySelector(".quiz-feedback").append(` ${recordAnswer(store, question, Date.now())}`);
  // A prediction, once committed, runs in its sim on this page: the settings it names, played.
  const run = question.querySelector(".predict-run");
  if (run) {
    const { sim, params, seed } = JSON.parse(run.textContent);
    sims.find((s) => s.element.id === sim)?.apply(params, seed);
  }
  showProgress(store);
});
document.addEventListener(SIM_INTERACT, () => chapterSlug() && store.mark(chapterSlug(), "sim"));

// Set up what the current <main> holds; returns how to take it down again.
function setUpPage() {
  sims = [];
  const made = sims;
  let active = true; // a page left before its sims were made makes none
  if (document.querySelector("[data-sim]")) (python ??= new Python(config)).boot();
  const slug = chapterSlug();
  if (slug) store.mark(slug, "visited");
  const review = document.querySelector("[data-review]");
  for (const element of document.querySelectorAll("[data-quiz]")) if (!review?.contains(element)) initQuiz(element, store);
  if (review) initReviewPage(review, store, Date.now());
  const panel = document.querySelector("[data-review-panel]");
  if (panel && slug) initReviewPanel(panel, store, slug, Date.now());
  initGlossary(document.querySelector("main"));
  showProgress(store);
  initProgressTools(store);
  for (const element of document.querySelectorAll("[data-sim]")) {
    const { name, controls } = JSON.parse(element.querySelector(".sim-config").textContent);
    readShared(location.hash, name, controls).then((shared) => {
      if (!active) return;
      // A link's controls and seed apply at once; code from a link or a file waits for Run.
      const imported = store.pending(name);
      const pending = shared?.source ? { source: shared.source, notice: FROM_LINK }
        : imported ? { source: imported, notice: FROM_FILE } : null;
      const source = pending ? null : store.code(name);
      const sim = new Sim(element, python, { params: shared?.params, seed: shared?.seed, source });
      made.push(sim);
      python.attach(sim);
      initEditor(sim, store, config.sims, pending);
      bindShare(sim);
      bindPresent(sim, { embedded });
      if (shared && !embedded) element.scrollIntoView();
    });
  }
  return () => {
    active = false;
    made.forEach((sim) => sim.dispose());
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
if (embedded) {
  postHeight();
} else {
  initSearch(config.search);
  initNavigation({
    leave: () => tearDown(),
    arrive: () => { tearDown = setUpPage(); },
  });
}
