// Spaced review on the page: every answered question gets a card (schedule.js); review.html
// lists the questions due, and a chapter's Review panel asks a few due from other chapters.
// The questions live once, rendered in review.html; the panel takes its due ones from there.
import { due, next, until } from "./schedule.js";
import { initQuiz } from "./quiz.js";

const PANEL_QUESTIONS = 2; // a short panel: the chapter is what the learner came for
const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

// A question was checked (anywhere): schedule its next review; the line to announce.
export function recordAnswer(store, element, now) {
  const right = element.dataset.state === "correct";
  const card = next(store.card(element.dataset.quiz), right, now);
  store.saveCard(element.dataset.quiz, card);
  return right ? `It comes back for review ${until(card, now)}.` : `It comes back soon, ${until(card, now)}.`;
}

function ask(item, store) {
  item.classList.add("is-due");
  initQuiz(item.querySelector("[data-quiz]"), store, { fresh: true });
}

// review.html: show what is due, with the count announced.
export function initReviewPage(container, store, now) {
  const keys = due(store.data.review, now);
  const items = new Map([...container.querySelectorAll("[data-review-item]")].map((item) => [item.dataset.reviewItem, item]));
  const asked = keys.filter((key) => items.has(key));
  for (const key of asked) {
    const item = items.get(key);
    item.parentElement.append(item); // in the order they fell due
    ask(item, store);
  }
  container.classList.add("is-scheduled");
  const status = container.querySelector(".review-status");
  const cards = Object.keys(store.data.review).length;
  status.textContent = asked.length ? `${plural(asked.length, "question")} to review. Answer each one; a right answer comes back later, a wrong one sooner.`
    : cards ? "Nothing is due now. Questions you have answered come back here when they are due."
      : "Nothing to review yet. Answer the questions in the chapters, and they come back here a day later, then after 3 days, a week, 2 weeks and a month.";
}

// A chapter's Review panel: up to PANEL_QUESTIONS due from other chapters, from review.html.
export async function initReviewPanel(panel, store, slug, now) {
  const keys = due(store.data.review, now).filter((key) => !key.startsWith(`${slug}-`)).slice(0, PANEL_QUESTIONS);
  if (!keys.length) return;
  let page;
  try {
    const response = await fetch(panel.dataset.reviewPanel);
    page = new DOMParser().parseFromString(await response.text(), "text/html");
  } catch {
    return; // offline without the review page: no panel, the chapter reads as it is
  }
  const list = panel.querySelector(".review-list");
  for (const key of keys) {
    const item = page.querySelector(`[data-review-item="${CSS.escape(key)}"]`);
    if (!item) continue;
    list.append(document.adoptNode(item));
    ask(item, store);
  }
  if (!list.children.length) return;
  panel.hidden = false; // shown first, so that the status is announced
  panel.querySelector(".review-status").textContent =
    `${plural(list.children.length, "question")} from earlier reading ${list.children.length === 1 ? "is" : "are"} due for review.`;
}
