// When an answered question comes back: Leitner boxes. A right answer to a due question moves
// it to the next box, reviewed less often; a wrong one sends it to the first box, due again
// soon. Pure: the time is passed in, so a test can move the clock.
export const DAY = 86_400_000;
export const BOXES = [1, 3, 7, 14, 30].map((days) => days * DAY); // box -> interval
export const AGAIN = 10 * 60_000; // a wrong answer: back within the same sitting

// card: {box, due} or null for a question never answered; returns the new card.
export function next(card, right, now) {
  if (!right) return { box: 0, due: now + AGAIN };
  if (!card) return { box: 0, due: now + BOXES[0] };
  if (now < card.due) return card; // answered again before it came back: it stays where it was
  const box = Math.min(card.box + 1, BOXES.length - 1);
  return { box, due: now + BOXES[box] };
}

export function isCard(card) {
  return typeof card === "object" && card !== null && Number.isInteger(card.box)
    && card.box >= 0 && card.box < BOXES.length && Number.isFinite(card.due);
}

// The keys of the cards due at now, the longest overdue first.
export function due(cards, now) {
  return Object.entries(cards).filter(([, card]) => isCard(card) && card.due <= now)
    .sort(([, a], [, b]) => a.due - b.due).map(([key]) => key);
}

// "in 3 days", "in 10 minutes": when a card comes back, for the learner.
export function until(card, now) {
  const minutes = Math.max(1, Math.round((card.due - now) / 60_000));
  if (minutes < 90) return `in ${minutes} minute${minutes === 1 ? "" : "s"}`;
  const hours = Math.round(minutes / 60);
  if (hours < 36) return `in ${hours} hours`;
  const days = Math.round(hours / 24);
  return `in ${days} days`;
}
