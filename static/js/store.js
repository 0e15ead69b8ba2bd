// The learner's progress, kept in localStorage under one versioned key. Storage that is absent,
// throws, is full or holds garbage never breaks a page: progress then lives in memory and a
// discreet notice says it cannot be saved.

import { isCard } from "./schedule.js";

export const KEY = "understand-world-models/progress";
export const VERSION = 1;
export const MAX_IMPORT_CHARS = 2_000_000; // nine sims' edited code is far less

// code: what the learner ran here; pending: code from an imported file, shown but not run
// until the learner reads it and presses Run; review: each answered question's Leitner card
// (schedule.js).
const empty = () => ({ version: VERSION, chapters: {}, answers: {}, code: {}, pending: {}, review: {} });
const isMap = (value) => typeof value === "object" && value !== null && !Array.isArray(value);

function valid(data) {
  return isMap(data) && data.version === VERSION && isMap(data.chapters) && isMap(data.answers)
    && [data.code, data.pending, data.review].every((field) => field === undefined || isMap(field));
}

export class Store {
  constructor(onUnsaved = () => {}) {
    this.onUnsaved = onUnsaved;
    this.saving = true;
    this.data = this.read();
  }

  read() {
    let raw = null;
    try {
      raw = window.localStorage.getItem(KEY);
    } catch {
      this.unsaved();
      return empty();
    }
    if (raw === null) return empty();
    try {
      const data = JSON.parse(raw);
      if (valid(data)) return { ...empty(), ...data };
    } catch { /* corrupt: start afresh below */ }
    return empty();
  }

  // Whether the data is stored: false when it lives in memory only.
  write() {
    if (!this.saving) return false;
    try {
      window.localStorage.setItem(KEY, JSON.stringify(this.data));
      return true;
    } catch {
      this.unsaved();
      return false;
    }
  }

  unsaved() {
    this.saving = false;
    this.onUnsaved();
  }

  chapter(slug) {
    return this.data.chapters[slug] || { visited: false, quiz: false, sim: false };
  }

  mark(slug, field, value = true) {
    const entry = { ...this.chapter(slug), [field]: value };
    if (this.data.chapters[slug] && this.data.chapters[slug][field] === value) return;
    this.data.chapters[slug] = entry;
    this.write();
  }

  answer(key) {
    const chosen = this.data.answers[key];
    return Array.isArray(chosen) && chosen.every(Number.isInteger) ? chosen : null;
  }

  saveAnswer(key, chosen) {
    if (chosen) this.data.answers[key] = chosen; else delete this.data.answers[key];
    this.write();
  }

  card(key) {
    const card = this.data.review[key];
    return isCard(card) ? card : null;
  }

  saveCard(key, card) {
    this.data.review[key] = card;
    this.write();
  }

  code(sim) {
    const source = this.data.code[sim];
    return typeof source === "string" ? source : null;
  }

  pending(sim) {
    const source = this.data.pending[sim];
    return typeof source === "string" ? source : null;
  }

  // The learner ran source (or went back to the original, with null): no code waits any more.
  saveCode(sim, source) {
    if (source) this.data.code[sim] = source; else delete this.data.code[sim];
    delete this.data.pending[sim];
    this.write();
  }

  reset() {
    this.data = empty();
    this.write();
  }

  export() {
    const { pending, code, ...rest } = this.data;
    return JSON.stringify({ ...rest, code: { ...pending, ...code } }, null, 2);
  }

  // A file's progress replaces this browser's; its code waits for the learner's Run. Returns
  // whether it could be stored (else it lasts until the page is left).
  import(text) {
    if (text.length > MAX_IMPORT_CHARS) throw new Error("This file is too large to be a progress file of this course.");
    const data = JSON.parse(text);
    if (!valid(data)) throw new Error("This file is not a progress file of this course.");
    const { code, pending, ...rest } = data;
    this.data = { ...empty(), ...rest, pending: { ...pending, ...code } };
    return this.write();
  }
}
