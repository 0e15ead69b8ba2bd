// "Edit the code": the sim's own Python in an editor; Run, Reset, errors with the learner's
// line, and a note when runaway code made Python restart. Edits are kept until Reset.
// Code someone else wrote (from a link or an imported file) opens here with a notice and runs
// only when the learner presses Run.
import { CodeEditor } from "./code-editor.js";
import { SIM_ERROR, SIM_FRAME, SIM_READY, SIM_RUNAWAY } from "./events.js";
import { RUNAWAY_MS } from "./sim.js";

let bundle = null;
const originals = (url) => (bundle ??= fetch(url).then((r) => (r.ok ? r.json() : Promise.reject(new Error(r.status)))));

// pending: {source, notice} for code that waits for the learner's Run, or null.
export function initEditor(sim, store, bundleUrl, pending = null) {
  const toggle = sim.element.querySelector(".sim-edit-toggle");
  const panel = sim.element.querySelector(".sim-code");
  if (!toggle || !panel) return;
  const message = panel.querySelector(".sim-code-message");
  const badge = sim.element.querySelector(".sim-edited");
  let editor = null;
  toggle.hidden = false;
  badge.hidden = !sim.shown.source;

  // kind: "" for news, "error", or "notice" for code someone else wrote.
  const say = (text, kind = "") => {
    message.textContent = text;
    for (const each of ["error", "notice"]) message.classList.toggle(`is-${each}`, kind === each);
  };

  async function open({ focus = true } = {}) {
    if (!editor) {
      const original = (await originals(bundleUrl))[`${sim.shown.name}.py`];
      editor = new CodeEditor(panel.querySelector(".sim-code-area"), pending?.source ?? sim.shown.source ?? original,
        `Python source of the ${sim.shown.name} simulation`);
      editor.original = original;
    }
    panel.hidden = false;
    toggle.setAttribute("aria-expanded", "true");
    if (focus) editor.input.focus();
  }
  const couldNotLoad = () => say("The code could not be loaded. Check your connection and try again.", "error");

  sim.listen(toggle, "click", () => {
    if (panel.hidden) open().catch(couldNotLoad);
    else { panel.hidden = true; toggle.setAttribute("aria-expanded", "false"); }
  });
  if (pending) open({ focus: false }).then(() => say(pending.notice, "notice")).catch(couldNotLoad);
  sim.listen(panel, "click", (event) => {
    const action = event.target.closest("button[data-code]")?.dataset.code;
    if (!action || !editor) return;
    if (action === "run") {
      sim.setSource(editor.value);
      store.saveCode(sim.shown.name, editor.value);
      say("Running your code…");
    } else if (action === "reset") {
      editor.value = editor.original;
      sim.setSource(null);
      store.saveCode(sim.shown.name, null);
      say("Back to the original code.");
    }
    badge.hidden = !sim.shown.source;
  });
  sim.listen(sim.element, SIM_READY, () => sim.shown.source && say("Your code is running."));
  sim.listen(sim.element, SIM_FRAME, () => {
    if (message.classList.contains("is-error") && sim.shown.source) say("Your code is running.");
  });
  sim.listen(sim.element, SIM_ERROR, (event) => {
    const line = [...event.detail.matchAll(/\(edited\)", line (\d+)/g)].pop();
    const why = event.detail.startsWith("Traceback") ? "the traceback" : "the message"; // a broken frame has no line
    say(line ? `Your code stopped with an error at line ${line[1]}: see ${why} in the picture.` :
      `The simulation stopped with an error: see ${why} in the picture.`, "error");
    if (line && editor && !panel.hidden) editor.showLine(Number(line[1]));
  });
  sim.listen(sim.element, SIM_RUNAWAY, () => {
    say(`Your code ran for more than ${RUNAWAY_MS / 1000} seconds without drawing a frame, so Python was restarted `
      + "and the original code runs again. Your edit is still here: fix it and press Run.", "error");
    badge.hidden = true;
  });
}
