// An embed page (embed/NAME.html) in an <iframe> tells the page around it how tall it is, so
// that the frame can fit it without scrollbars: the message {type: "uwm:height", height} (CSS
// pixels), sent on load and whenever the height changes. It carries nothing else, so it goes
// to any parent; the README shows the few lines a host page needs to apply it.
export const HEIGHT_MESSAGE = "uwm:height";

export function postHeight() {
  if (window.parent === window) return;
  let sent = 0;
  const send = () => {
    // A sim presenting covers the frame instead: its height is not the page's.
    if (document.querySelector(".is-presenting")) return;
    const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height === sent) return;
    sent = height;
    window.parent.postMessage({ type: HEIGHT_MESSAGE, height }, "*");
  };
  new ResizeObserver(send).observe(document.body);
  send();
}
