// Search across all chapters: an index made at build time, loaded on first use; "/" focuses it.

let index = null;

const words = (text) => text.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "").match(/[a-z0-9]+/g) || [];

function score(section, terms) {
  const title = words(section.chapter + " " + section.heading);
  const body = section.words;
  let total = 0;
  for (const term of terms) {
    const inTitle = title.filter((w) => w.startsWith(term)).length;
    const inBody = body.filter((w) => w.startsWith(term)).length;
    if (!inTitle && !inBody) return 0;
    total += 5 * inTitle + Math.min(inBody, 10);
  }
  return total;
}

function snippet(text, terms) {
  const lower = text.toLowerCase();
  const at = Math.max(0, Math.min(...terms.map((t) => lower.indexOf(t)).filter((i) => i >= 0)) - 60);
  return (at > 0 ? "…" : "") + text.slice(at, at + 160).trim() + "…";
}

export function search(sections, query, limit = 8) {
  const terms = words(query);
  if (!terms.length) return [];
  return sections.map((s) => ({ s, score: score(s, terms) })).filter((r) => r.score > 0)
    .sort((a, b) => b.score - a.score).slice(0, limit)
    .map(({ s }) => ({ ...s, snippet: snippet(s.text, terms) }));
}

export function initSearch(url) {
  const form = document.querySelector(".site-search");
  if (!form || !url) return;
  const input = form.querySelector("input");
  const results = form.querySelector(".search-results");
  const status = form.querySelector(".search-status");
  const load = () => (index ??= fetch(url).then((r) => r.json()).then((sections) =>
    sections.map((s) => ({ ...s, words: words(s.text) }))));

  async function update() {
    const query = input.value.trim();
    const found = query ? search(await load(), query) : [];
    results.replaceChildren(...found.map((r) => {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = r.url;
      const title = document.createElement("strong");
      title.textContent = r.heading ? `${r.chapter} › ${r.heading}` : r.chapter;
      const text = document.createElement("span");
      text.textContent = r.snippet;
      link.append(title, text);
      item.append(link);
      return item;
    }));
    results.hidden = !query;
    status.textContent = query ? `${found.length} result${found.length === 1 ? "" : "s"}` : "";
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    results.querySelector("a")?.click();
  });
  input.addEventListener("focus", () => load().catch(() => { status.textContent = "Search is unavailable offline."; }));
  input.addEventListener("input", update);
  if (input.value) load().then(update, () => {}); // typed in before this script ran
  form.addEventListener("keydown", (event) => {
    const links = [...results.querySelectorAll("a")];
    const at = links.indexOf(document.activeElement);
    if (event.key === "Escape") { input.value = ""; update(); input.blur(); }
    else if (event.key === "ArrowDown" && links.length) { event.preventDefault(); links[Math.min(at + 1, links.length - 1)].focus(); }
    else if (event.key === "ArrowUp" && at >= 0) { event.preventDefault(); (at ? links[at - 1] : input).focus(); }
  });
  results.addEventListener("click", () => { input.value = ""; results.hidden = true; status.textContent = ""; });
  document.addEventListener("keydown", (event) => {
    const typing = event.target.closest("input, textarea, select, [contenteditable]");
    if (event.key === "/" && !typing && !event.metaKey && !event.ctrlKey && !event.altKey) {
      event.preventDefault();
      input.focus();
    }
  });
}
