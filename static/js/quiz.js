// Quizzes: check the chosen options, explain the choice and the right answer, allow a retry.
import { announce, QUIZ_ANSWERED } from "./events.js";

// fresh: ask it anew (a review), not as last answered.
export function initQuiz(element, store, { fresh = false } = {}) {
  const form = element.querySelector("form");
  const correct = JSON.parse(element.querySelector(".quiz-answer").textContent);
  const inputs = [...form.querySelectorAll("input")];
  const feedback = form.querySelector(".quiz-feedback");
  const retry = form.querySelector(".quiz-retry");
  const submit = form.querySelector('button[type="submit"]');
  const key = element.dataset.quiz;
  const after = form.querySelector(".quiz-after"); // what only an answer reveals (a prediction's measured number)
  element.querySelector(".quiz-key").hidden = true;
  form.querySelector(".quiz-actions").hidden = false;

  function show(chosen, announce) {
    const right = correct.every((c, i) => c === chosen.includes(i));
    element.dataset.state = right ? "correct" : "incorrect";
    inputs.forEach((input, i) => {
      input.checked = chosen.includes(i);
      input.disabled = true;
      const option = input.closest(".quiz-option");
      option.classList.toggle("is-correct", correct[i]);
      option.classList.toggle("is-chosen", chosen.includes(i));
      option.querySelector(".quiz-explanation").hidden = !(correct[i] || chosen.includes(i));
    });
    feedback.textContent = right
      ? "Correct. The explanations are below each option."
      : "Not quite. Read why below each option, then try again.";
    if (after) after.hidden = false;
    submit.hidden = true;
    retry.hidden = false;
    if (announce) retry.focus();
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = inputs.flatMap((input, i) => (input.checked ? [i] : []));
    if (!chosen.length) {
      feedback.textContent = "Choose an answer first.";
      return;
    }
    show(chosen, true);
    store.saveAnswer(key, chosen);
    announce(element, QUIZ_ANSWERED);
  });

  retry.addEventListener("click", () => {
    element.dataset.state = "unanswered";
    inputs.forEach((input) => {
      input.disabled = false;
      input.checked = false;
      const option = input.closest(".quiz-option");
      option.classList.remove("is-correct", "is-chosen");
      option.querySelector(".quiz-explanation").hidden = true;
    });
    feedback.textContent = "";
    if (after) after.hidden = true;
    submit.hidden = false;
    retry.hidden = true;
    store.saveAnswer(key, null);
    inputs[0].focus();
  });

  const saved = fresh ? null : store.answer(key);
  if (saved) show(saved, false);
}
