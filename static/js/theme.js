// Light or dark: follows the system unless the learner chose, and remembers the choice.
// Loaded in <head> so the page never flashes the wrong theme.
(function () {
  "use strict";
  var KEY = "understand-world-models/theme";
  var root = document.documentElement;
  var saved = null;
  try { saved = window.localStorage.getItem(KEY); } catch (e) { saved = null; }
  if (saved === "light" || saved === "dark") root.dataset.theme = saved;

  function current() {
    if (root.dataset.theme) return root.dataset.theme;
    return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector(".theme-toggle");
    if (!button) return;
    function show() {
      button.setAttribute("aria-pressed", String(current() === "dark"));
    }
    show();
    button.addEventListener("click", function () {
      root.dataset.theme = current() === "dark" ? "light" : "dark";
      try { window.localStorage.setItem(KEY, root.dataset.theme); } catch (e) { /* kept for this page */ }
      show();
      document.dispatchEvent(new Event("themechange"));
    });
    window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", function () {
      show();
      document.dispatchEvent(new Event("themechange"));
    });
  });
})();
