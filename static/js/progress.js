// Progress on the page: the landing page's chapter cards and totals, its reset, export and
// import tools, and a mark on each finished chapter in the chapter menu.
import { MAX_IMPORT_CHARS } from "./store.js";

const finished = (progress) => progress.visited && progress.quiz;

export function showProgress(store) {
  for (const link of document.querySelectorAll(".chapter-menu a[data-chapter]")) {
    const done = finished(store.chapter(link.dataset.chapter));
    link.classList.toggle("is-done", done);
    let mark = link.querySelector(".done-mark");
    if (done && !mark) {
      mark = document.createElement("span");
      mark.className = "done-mark";
      mark.textContent = " (completed)";
      link.append(mark);
    } else if (!done && mark) {
      mark.remove();
    }
  }
  const cards = document.querySelectorAll(".chapter-card");
  if (!cards.length) return;
  let done = 0;
  for (const card of cards) {
    const progress = store.chapter(card.dataset.chapter);
    const parts = [progress.visited && "visited", progress.sim && "simulation explored",
      progress.quiz && "quiz passed"].filter(Boolean);
    const line = card.querySelector(".chapter-progress");
    line.textContent = parts.length ? `Progress: ${parts.join(", ")}.` : "Not started yet.";
    line.hidden = false;
    card.classList.toggle("is-done", finished(progress));
    if (finished(progress)) done += 1;
  }
  const overall = document.querySelector(".progress-overall");
  overall.textContent = `You have completed ${done} of ${cards.length} chapters.`;
  overall.hidden = false;
}

export function initProgressTools(store) {
  const tools = document.querySelector(".progress-tools");
  if (!tools) return;
  tools.hidden = false;
  const note = tools.querySelector(".progress-note");
  tools.querySelector('[data-progress="export"]').addEventListener("click", () => {
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([store.export()], { type: "application/json" }));
    link.download = "understand-world-models-progress.json";
    link.click();
    URL.revokeObjectURL(link.href);
    note.textContent = "Progress exported.";
  });
  const file = tools.querySelector('input[type="file"]');
  file.addEventListener("change", async () => {
    try {
      if (file.files[0].size > MAX_IMPORT_CHARS) throw new Error("This file is too large to be a progress file of this course.");
      const stored = store.import(await file.files[0].text());
      note.textContent = (stored ? "Progress imported." :
        "Progress imported for this visit only: this browser could not store it.")
        + (Object.keys(store.data.pending).length ? " Its edited code waits in each sim's editor: read it, then press Run." : "");
      showProgress(store);
    } catch (error) {
      note.textContent = `Nothing was imported: ${error instanceof SyntaxError ? "the file is not JSON." : error.message}`;
    }
    file.value = "";
  });
  tools.querySelector('[data-progress="reset"]').addEventListener("click", () => {
    if (!window.confirm("Forget all progress, quiz answers, the review schedule and edited code?")) return;
    store.reset();
    note.textContent = "Progress reset.";
    showProgress(store);
  });
}
