// Shareable sim state in the URL hash: #sim=NAME&seed=N&CONTROL=JSON...&code=DEFLATED. Opening
// the link shows what the sender saw; edited code it carries waits in the editor for Run.

const MAX_CODE_CHARS = 8000; // of the packed code in a link
const MAX_SOURCE_BYTES = 64 * 1024; // of the code unpacked: a deflate bomb stops here

// bytes through a (de)compression stream, refusing an output over limit bytes.
async function transform(bytes, stream, limit = Infinity) {
  const reader = new Blob([bytes]).stream().pipeThrough(stream).getReader();
  const chunks = [];
  let size = 0;
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    size += read.value.length;
    if (size > limit) {
      reader.cancel();
      throw new Error(`more than ${limit} bytes`);
    }
    chunks.push(read.value);
  }
  return new Uint8Array(await new Blob(chunks).arrayBuffer());
}

const toBase64Url = (bytes) => btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join("")).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const fromBase64Url = (text) => Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));

export async function packCode(source) {
  return toBase64Url(await transform(new TextEncoder().encode(source), new CompressionStream("deflate-raw")));
}

export async function unpackCode(text) {
  if (text.length > MAX_CODE_CHARS) throw new Error("the code is too long for a link");
  const bytes = await transform(fromBase64Url(text), new DecompressionStream("deflate-raw"), MAX_SOURCE_BYTES);
  return new TextDecoder().decode(bytes);
}

// The state a link carries for the sim named `name`, checked against its controls; or null.
export async function readShared(hash, name, controls) {
  const fields = new URLSearchParams(hash.replace(/^#/, ""));
  if (fields.get("sim") !== name) return null;
  const state = { params: {} };
  const seed = Number(fields.get("seed"));
  if (Number.isInteger(seed)) state.seed = seed;
  for (const control of controls) {
    if (!fields.has(control.name) || !("default" in control)) continue;
    const raw = fields.get(control.name);
    let value = raw; // a choice may be written bare, as people type it: method=cem
    try { value = JSON.parse(raw); } catch { /* not JSON: only a choice can take it */ }
    if (valid(control, value)) state.params[control.name] = value; // else keep the default
  }
  if (fields.has("code")) {
    try { state.source = await unpackCode(fields.get("code")); } catch { /* keep the sim's own code */ }
  }
  return state;
}

function valid(control, value) {
  switch (control.kind) {
    case "slider": return typeof value === "number" && value >= control.min && value <= control.max;
    case "toggle": return typeof value === "boolean";
    case "choice": return control.options.some(([option]) => option === value);
    case "canvas_click": return Array.isArray(value) && value.length === 2 && value.every(Number.isFinite);
    default: return false;
  }
}

// The address of page (this one unless given) showing the sim as it is now.
export async function linkTo(sim, page = location.href) {
  const { name: simName, seed, params, source } = sim.shown;
  const fields = new URLSearchParams({ sim: simName, seed: String(seed) });
  for (const [name, value] of Object.entries(params)) fields.set(name, JSON.stringify(value));
  let codeLeftOut = false;
  if (source) {
    const code = await packCode(source);
    if (code.length <= MAX_CODE_CHARS) fields.set("code", code);
    else codeLeftOut = true;
  }
  const url = new URL(page, location.href);
  url.hash = fields.toString();
  return { url: url.href, codeLeftOut };
}

const EMBED_HEIGHT = 800; // px, when the sim's own height cannot be measured (as templates/embed-snippet.html)
const EMBED_EXTRA = 96; // px: what the embed page adds around the sim (padding, its source line)
const attribute = (text) => text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");

// The <iframe> that shows the sim as it is now on another site: its embed page, with the state
// a link carries, as tall as the sim is here. templates/embed-snippet.html writes the same one.
export async function embedCode(sim) {
  const page = sim.element.querySelector('button[data-action="embed"]').dataset.embed;
  const { url, codeLeftOut } = await linkTo(sim, page);
  const title = sim.element.querySelector(".sim-title").textContent.trim();
  const main = sim.element.querySelector(".sim-main");
  const measured = sim.element.classList.contains("is-presenting") ? 0 : main.getBoundingClientRect().height;
  const height = measured ? Math.ceil(measured) + EMBED_EXTRA : EMBED_HEIGHT;
  return {
    code: `<iframe src="${attribute(url)}" title="${attribute(title)}" loading="lazy" allow="fullscreen; clipboard-write" `
      + `style="width: 100%; height: ${height}px; border: 0"></iframe>`,
    codeLeftOut,
  };
}

async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false; // no clipboard here, or a frame that may not use it
  }
}

const framed = () => window.self !== window.top;
const tooLong = (codeLeftOut) => (codeLeftOut ? " Your edited code is too long to fit in it." : "");

export function bindShare(sim) {
  const note = sim.element.querySelector(".sim-share-note");
  const link = sim.element.querySelector('button[data-action="share"]');
  if (link) {
    link.hidden = false;
    sim.listen(link, "click", async () => {
      const { url, codeLeftOut } = await linkTo(sim);
      history.replaceState(history.state, "", url);
      const copied = await copy(url);
      note.textContent = (copied ? "Link copied." : framed() ? `Copying is blocked here. The link: ${url}`
        : "The link is in the address bar.") + tooLong(codeLeftOut);
    });
  }
  const embed = sim.element.querySelector('button[data-action="embed"]');
  if (embed) {
    embed.hidden = false;
    sim.listen(embed, "click", async () => {
      const { code, codeLeftOut } = await embedCode(sim);
      const copied = await copy(code);
      note.textContent = (copied ? "Embed code copied." : `Copying is blocked here. The embed code: ${code}`)
        + tooLong(codeLeftOut);
    });
  }
}
