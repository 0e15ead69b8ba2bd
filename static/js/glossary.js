// A glossary term's card: on hover or focus, the definition its link is described by
// (aria-describedby), beside the link. Escape hides it; the pointer may move onto the card
// without losing it. Without JavaScript the link simply leads to the glossary.
const GRACE_MS = 300; // time to move the pointer from the link onto its card

let open = null; // { link, card, timer }

function hide() {
  if (!open) return;
  clearTimeout(open.timer);
  open.card.hidden = true;
  open.card.classList.remove("is-open");
  open = null;
}

function show(link, card) {
  if (open?.card === card) return clearTimeout(open.timer);
  hide();
  card.hidden = false;
  card.classList.add("is-open");
  const box = link.getBoundingClientRect();
  const width = Math.min(card.offsetWidth, document.documentElement.clientWidth - 16);
  const left = Math.max(8, Math.min(box.left, document.documentElement.clientWidth - width - 8));
  card.style.left = `${left + window.scrollX}px`;
  card.style.top = `${box.bottom + window.scrollY + 6}px`;
  open = { link, card, timer: 0 };
}

function later() {
  if (open) open.timer = setTimeout(hide, GRACE_MS);
}

export function initGlossary(root = document) {
  for (const link of root.querySelectorAll("a.term[aria-describedby]")) {
    const card = document.getElementById(link.getAttribute("aria-describedby"));
    if (!card) continue;
    link.addEventListener("mouseenter", () => show(link, card));
    link.addEventListener("focus", () => show(link, card));
    link.addEventListener("mouseleave", later);
    link.addEventListener("blur", hide);
    card.addEventListener("mouseenter", () => open?.card === card && clearTimeout(open.timer));
    card.addEventListener("mouseleave", later);
  }
}

document.addEventListener("keydown", (event) => {
  if (event.key === "Escape") hide();
});
