// Added to pages by `build.py serve` only: reload on every good rebuild, show a failed one.
const events = new EventSource("/__events");
let seen = null;

events.onmessage = (event) => {
  const { version, error } = JSON.parse(event.data);
  if (seen !== null && version !== seen && !error) location.reload();
  seen = version;
  let overlay = document.getElementById("build-error");
  if (!error) {
    if (overlay) overlay.remove();
    return;
  }
  if (!overlay) {
    overlay = document.createElement("div");
    overlay.id = "build-error";
    overlay.setAttribute("role", "alert");
    Object.assign(overlay.style, {
      position: "fixed", inset: "1rem", zIndex: 100, overflow: "auto", padding: "1.5rem",
      background: "#1b1b1b", color: "#ffd7d5", font: "14px/1.5 ui-monospace, monospace",
      border: "3px solid #ff6b6b", borderRadius: "10px", whiteSpace: "pre-wrap",
    });
    document.body.append(overlay);
  }
  overlay.textContent = "The build failed; this page is the last good build.\n\n" + error;
};
