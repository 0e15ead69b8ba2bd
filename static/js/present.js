// Presentation mode: one sim fills the screen for a lecture hall, with large controls and text
// (the stylesheet's --sim-zoom makes the canvas draw its text larger too). The Fullscreen API
// where the browser has it and allows it, else a fixed overlay of the whole window. Escape or
// the button leaves; focus stays on the button throughout, and the page behind is inert.

const presenting = (element) => element.classList.contains("is-presenting");

// Everything outside element, made inert (or back): its siblings and its ancestors' siblings.
function isolate(element, inert) {
  for (let node = element; node && node !== document.body; node = node.parentElement) {
    for (const sibling of node.parentElement.children) {
      if (sibling !== node && !(sibling instanceof HTMLScriptElement)) sibling.inert = inert;
    }
  }
}

export function bindPresent(sim, { embedded = false } = {}) {
  const element = sim.element;
  const button = element.querySelector('button[data-action="present"]');
  // In a frame without fullscreen, an overlay would fill only the frame it already fills.
  if (!button || (embedded && !document.fullscreenEnabled)) return;
  const note = element.querySelector(".sim-share-note");
  const stage = element.querySelector(".sim-stage");
  const main = element.querySelector(".sim-main");
  button.hidden = false;

  // On a wide screen the text and controls stand beside the canvas, which is as tall as its
  // width makes it: find the widest canvas that fits the screen's height under the title.
  const fit = () => {
    if (!presenting(element)) return;
    const grid = getComputedStyle(main);
    if (grid.display !== "grid") { main.style.removeProperty("--fit"); return; } // narrow: it scrolls
    const column = main.clientWidth - parseFloat(grid.columnGap) - 16 * parseFloat(grid.fontSize); // the controls' 16em
    const style = getComputedStyle(element);
    // (Its bottom padding is room for the floating Leave button of narrow screens: not counted.)
    const room = element.clientHeight - 2 * parseFloat(style.paddingTop)
      - main.querySelector(".sim-title").offsetHeight - parseFloat(grid.rowGap);
    let width = Math.floor(column);
    while (width > 280 && sim.heightAt(width) > room) width -= 8;
    const fitted = `${width}px`;
    if (main.style.getPropertyValue("--fit") !== fitted) main.style.setProperty("--fit", fitted);
  };
  const sizes = new ResizeObserver(fit);

  function enter() {
    element.classList.add("is-presenting");
    isolate(element, true);
    button.textContent = "Leave presentation";
    note.textContent = "Presenting. Press Escape to leave.";
    sim.restyle();
    sizes.observe(main);
    sizes.observe(stage.querySelector("canvas")); // a frame of another shape
    if (document.fullscreenEnabled && element.requestFullscreen) {
      element.requestFullscreen().catch(() => { /* refused: the overlay stays */ });
    }
  }

  function leave() {
    if (!presenting(element)) return;
    if (document.fullscreenElement === element) document.exitFullscreen().catch(() => {});
    element.classList.remove("is-presenting");
    isolate(element, false);
    sizes.disconnect();
    main.style.removeProperty("--fit");
    button.textContent = "Present";
    note.textContent = "";
    sim.restyle();
    button.focus();
  }

  sim.listen(window, "resize", fit);
  sim.listen(button, "click", () => (presenting(element) ? leave() : enter()));
  // In fullscreen the browser takes Escape itself, and says so only by leaving fullscreen.
  sim.listen(document, "fullscreenchange", () => {
    if (presenting(element) && document.fullscreenElement !== element) leave();
  });
  sim.listen(document, "keydown", (event) => {
    if (event.key === "Escape" && presenting(element)) {
      event.preventDefault();
      leave();
    }
  });
  sim.whenDisposed(leave);
}
