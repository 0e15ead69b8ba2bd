// The learner's progress, kept in localStorage under one versioned key. Storage that is absent,
// throws, is full or holds garbage never breaks a page: progress then lives in memory and a
// discreet notice says it cannot be saved.

export const KEY = "understand-world-models/progress";
export const VERSION = 1;

const empty = () => ({ version: VERSION, chapters: {}, answers: {}, code: {} });
const isMap = (value) => typeof value === "object" && value !== null && !Array.isArray(value);

function valid(data) {
  return isMap(data) && data.version === VERSION && isMap(data.chapters) && isMap(data.answers)
    && (data.code === undefined || isMap(data.code));
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
      if (valid(data)) return { code: {}, ...data };
    } catch { /* corrupt: start afresh below */ }
    return empty();
  }

  write() {
    if (!this.saving) return;
    try {
      window.localStorage.setItem(KEY, JSON.stringify(this.data));
    } catch {
      this.unsaved();
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

  code(sim) {
    const source = this.data.code[sim];
    return typeof source === "string" ? source : null;
  }

  saveCode(sim, source) {
    if (source) this.data.code[sim] = source; else delete this.data.code[sim];
    this.write();
  }

  reset() {
    this.data = empty();
    this.write();
  }

  export() {
    return JSON.stringify(this.data, null, 2);
  }

  import(text) {
    const data = JSON.parse(text);
    if (!valid(data)) throw new Error("This file is not a progress file of this course.");
    this.data = { code: {}, ...data };
    this.write();
  }
}
