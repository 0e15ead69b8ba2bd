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

export async function linkTo(sim) {
  const { name: simName, seed, params, source } = sim.shown;
  const fields = new URLSearchParams({ sim: simName, seed: String(seed) });
  for (const [name, value] of Object.entries(params)) fields.set(name, JSON.stringify(value));
  let codeLeftOut = false;
  if (source) {
    const code = await packCode(source);
    if (code.length <= MAX_CODE_CHARS) fields.set("code", code);
    else codeLeftOut = true;
  }
  const url = new URL(location.href);
  url.hash = fields.toString();
  return { url: url.href, codeLeftOut };
}

export function bindShare(sim) {
  const button = sim.element.querySelector('button[data-action="share"]');
  const note = sim.element.querySelector(".sim-share-note");
  if (!button) return;
  button.hidden = false;
  const onClick = async () => {
    const { url, codeLeftOut } = await linkTo(sim);
    history.replaceState(history.state, "", url);
    let copied = false;
    try {
      await navigator.clipboard.writeText(url);
      copied = true;
    } catch { /* no clipboard here: the address bar holds the link */ }
    note.textContent = (copied ? "Link copied." : "The link is in the address bar.")
      + (codeLeftOut ? " Your edited code is too long to fit in it." : "");
  };
  sim.listen(button, "click", onClick);
}
