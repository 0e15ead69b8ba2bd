// A small code editor: a native textarea (so undo, selection, screen readers and mobile
// keyboards all work) over a highlighted copy of its text, with line numbers.

const KEYWORDS = new Set(("False None True and as assert async await break class continue def del elif else "
  + "except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield").split(" "));
const TOKEN = /(#[^\n]*)|("""[\s\S]*?(?:"""|$)|'''[\s\S]*?(?:'''|$)|[rbfuRBFU]{0,2}"(?:\\.|[^"\\\n])*"?|[rbfuRBFU]{0,2}'(?:\\.|[^'\\\n])*'?)|(\b\d[\d_]*\.?\d*(?:[eE][+-]?\d+)?j?\b)|([A-Za-z_]\w*)/g;

const escape = (text) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function highlight(source) {
  let html = "", last = 0, previous = "";
  for (const match of source.matchAll(TOKEN)) {
    html += escape(source.slice(last, match.index));
    const [text, comment, string, number, word] = match;
    let kind = comment ? "comment" : string ? "string" : number ? "number" : "";
    if (word) kind = KEYWORDS.has(word) ? "keyword" : previous === "def" || previous === "class" ? "name" : "";
    html += kind ? `<span class="tok-${kind}">${escape(text)}</span>` : escape(text);
    if (word) previous = word;
    last = match.index + text.length;
  }
  return html + escape(source.slice(last)) + "\n";
}

export class CodeEditor {
  constructor(container, source, label) {
    container.classList.add("code-editor");
    this.gutter = document.createElement("pre");
    this.gutter.className = "code-gutter";
    this.gutter.setAttribute("aria-hidden", "true");
    this.view = document.createElement("pre");
    this.view.className = "code-view";
    this.view.setAttribute("aria-hidden", "true");
    this.input = document.createElement("textarea");
    this.input.className = "code-input";
    this.input.spellcheck = false;
    this.input.setAttribute("autocapitalize", "off");
    this.input.setAttribute("autocomplete", "off");
    this.input.setAttribute("aria-label", label);
    this.input.wrap = "off";
    const stack = document.createElement("div");
    stack.className = "code-stack";
    stack.append(this.view, this.input);
    container.replaceChildren(this.gutter, stack);
    this.input.addEventListener("input", () => this.render());
    this.input.addEventListener("scroll", () => this.sync());
    this.input.addEventListener("keydown", (event) => this.indent(event));
    this.value = source;
  }

  get value() {
    return this.input.value;
  }

  set value(source) {
    this.input.value = source;
    this.render();
  }

  render() {
    this.view.innerHTML = highlight(this.input.value);
    const lines = this.input.value.split("\n").length;
    this.gutter.textContent = Array.from({ length: lines }, (_, i) => i + 1).join("\n") + "\n";
    this.sync();
  }

  sync() {
    this.view.scrollTop = this.gutter.scrollTop = this.input.scrollTop;
    this.view.scrollLeft = this.input.scrollLeft;
  }

  // Tab indents by four spaces; Escape then Tab leaves the editor, so the keyboard is never trapped.
  indent(event) {
    if (event.key === "Escape") { this.escaped = true; return; }
    if (event.key !== "Tab" || event.shiftKey || this.escaped) { this.escaped = false; return; }
    event.preventDefault();
    document.execCommand("insertText", false, "    ");
  }

  showLine(line) {
    const lines = this.input.value.split("\n");
    const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
    this.input.focus();
    this.input.setSelectionRange(start, start + (lines[line - 1] || "").length);
  }
}
