// Every custom event the page's modules send each other, in one place. Each bubbles from the
// element named, so that a listener on the document hears every sim's and every quiz's.
export const SIM_READY = "sim:ready"; // a sim's first frame is on screen (its <section data-sim>)
export const SIM_FRAME = "sim:frame"; // a frame was drawn; detail: {run}
export const SIM_ERROR = "sim:error"; // the sim stopped with an error; detail: its text
export const SIM_RUNAWAY = "sim:runaway"; // its code stopped answering, so Python restarts
export const SIM_INTERACT = "sim:interact"; // the learner used one of its controls
export const QUIZ_ANSWERED = "quiz:answered"; // a quiz was checked (its <form data-quiz>)

export function announce(element, type, detail) {
  element.dispatchEvent(new CustomEvent(type, { bubbles: true, detail }));
}
