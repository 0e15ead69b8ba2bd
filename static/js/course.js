// The page's entry point: quizzes, sims and progress, each built on the page's data- hooks.
import { Python } from "./python.js";
import { Sim } from "./sim.js";
import { initQuiz } from "./quiz.js";
import { Store } from "./store.js";

const config = JSON.parse(document.getElementById("course-config").textContent);
document.documentElement.classList.add("js");

function showUnsavedNotice() {
  if (document.querySelector(".storage-notice")) return;
  const notice = document.createElement("p");
  notice.className = "storage-notice";
  notice.setAttribute("role", "status");
  notice.textContent = "Your progress cannot be saved in this browser; it is kept until you leave the page.";
  document.querySelector(".site-header").after(notice);
}

const store = new Store(showUnsavedNotice);
const article = document.querySelector("article.chapter");
const slug = article ? article.dataset.chapter : null;

if (slug) store.mark(slug, "visited");
for (const element of document.querySelectorAll("[data-quiz]")) initQuiz(element, store);
document.addEventListener("quiz:answered", (event) => {
  if (slug && event.target.dataset.state === "correct") store.mark(slug, "quiz");
});
document.addEventListener("sim:interact", () => slug && store.mark(slug, "sim"));

const simElements = document.querySelectorAll("[data-sim]");
if (simElements.length) {
  const python = new Python(config);
  for (const element of simElements) python.attach(new Sim(element, python));
  python.start();
}

// The landing page: progress per chapter and overall.
const cards = document.querySelectorAll(".chapter-card");
if (cards.length) {
  let done = 0;
  for (const card of cards) {
    const progress = store.chapter(card.dataset.chapter);
    const parts = [progress.visited && "visited", progress.sim && "sim explored", progress.quiz && "quiz passed"].filter(Boolean);
    const line = card.querySelector(".chapter-progress");
    line.textContent = parts.length ? `Progress: ${parts.join(", ")}.` : "Not started yet.";
    line.hidden = false;
    card.classList.toggle("is-done", progress.visited && progress.quiz);
    if (progress.visited && progress.quiz) done += 1;
  }
  const overall = document.querySelector(".progress-overall");
  overall.textContent = `You have completed ${done} of ${cards.length} chapters.`;
  overall.hidden = false;
}
