// The benchmark's probe, added to every page before its own scripts run. It only watches:
// when sims become ready, when their pictures are painted, paints (LCP), long tasks, clicks on "next", inputs, the messages to
// and from the Python worker, and the runtime's "sim:frame" events (one per frame drawn).
// Times are performance.now() of this document (ms from its navigation start); `wall` times
// are Date.now(), comparable across documents.
(() => {
  const B = (window.__bench = {
    ready: [], lcp: [], longtasks: [], loaf: [], frames: [], worker: [], handled: [], armed: null,
  });
  const now = () => performance.now();
  const chapter = () => document.querySelector("article.chapter")?.dataset.chapter ?? null;

  // A sim is ready when its data-state becomes "ready", however that happens (page load or a
  // chapter swapped in place). Only that attribute is observed: the probe must cost nothing.
  const readied = new WeakSet();
  new MutationObserver((records) => {
    for (const { target: el } of records) {
      if (el.dataset.sim === undefined) continue;
      if (el.dataset.state !== "ready") readied.delete(el); // restarted: it may become ready again
      else if (!readied.has(el)) {
        readied.add(el);
        B.ready.push({ t: now(), wall: Date.now(), sim: el.dataset.sim, key: el.id, chapter: chapter() });
      }
    }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-state"] });

  // "First sim picture": the build's SVG of a sim is painted in the frame after the one whose
  // animation-frame callback first finds it in the document; B.picture is the start of that next
  // frame (the paint lies before it, so this never flatters). Watched only until it is found.
  const pictured = new MutationObserver(() => {
    if (!document.querySelector(".sim-picture")) return;
    pictured.disconnect();
    requestAnimationFrame(() => requestAnimationFrame((t) => { B.picture = t; }));
  });
  pictured.observe(document, { childList: true, subtree: true });

  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const el = e.element;
      B.lcp.push({ t: e.startTime, size: e.size, element: el ? `${el.tagName.toLowerCase()}.${el.className}` : null });
    }
  }).observe({ type: "largest-contentful-paint", buffered: true });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) B.longtasks.push({ t: e.startTime, duration: e.duration });
  }).observe({ type: "longtask", buffered: true });
  // Long animation frames name the scripts that made a frame long: the "why" of a long task.
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      B.loaf.push({
        t: e.startTime, duration: e.duration, blocking: e.blockingDuration,
        scripts: e.scripts.map((s) => ({
          invoker: s.invoker.replace(/^https?:\/\/[^/]+\//, ""), duration: s.duration,
          source: `${s.sourceURL.split("/").pop()}:${s.sourceFunctionName}`,
        })),
      });
    }
  }).observe({ type: "long-animation-frame", buffered: true });

  // "Next chapter": the click's time survives a full page load in sessionStorage.
  addEventListener("click", (e) => {
    if (e.target.closest?.(".pager-next")) {
      sessionStorage.setItem("bench-next-click", String(Date.now() - (now() - e.timeStamp)));
    }
  }, true);

  // Interaction: B.arm(key) starts one measurement. It begins at the user event's timestamp and
  // ends at the first "sim:frame" of that sim after the resulting input event; on the way, when
  // the restart was posted to the worker and when its frame came back.
  B.arm = (key) => {
    B.armed = { key, t0: null, dispatched: null, sent: null, latency: null, parts: null };
  };
  for (const type of ["keydown", "pointerdown"]) {
    addEventListener(type, (e) => { if (B.armed && B.armed.t0 === null) B.armed.t0 = e.timeStamp; }, true);
  }
  for (const type of ["input", "change"]) {
    addEventListener(type, () => {
      if (B.armed && B.armed.t0 !== null && B.armed.dispatched === null) B.armed.dispatched = now();
    }, true);
  }

  // The worker: when each "start" or "step" was posted, and when its frame came back. A playing
  // sim shows its frames one display frame at a time, so frames that came back wait in
  // `arrived` until the "sim:frame" of their run shows them, oldest first.
  const posted = new Map();
  const arrived = [];
  const post = Worker.prototype.postMessage;
  Worker.prototype.postMessage = function (message, ...rest) {
    if (message && (message.type === "start" || message.type === "step")) {
      posted.set(`${message.key} ${message.run}`, { type: message.type, t: now() });
      const a = B.armed;
      if (a && message.type === "start" && a.dispatched !== null && a.sent === null) a.sent = now();
    }
    return post.call(this, message, ...rest);
  };
  // B.worker: when the worker was made and when each of its status messages came: the phases
  // of starting Python. B.handled: the page's handling of a worker message that took > 16 ms.
  window.Worker = class extends window.Worker {
    set onmessage(handler) {
      super.onmessage = handler && ((event) => {
        const t = now();
        try {
          return handler.call(this, event);
        } finally {
          if (now() - t > 16) B.handled.push({ t, ms: now() - t, type: event.data?.type });
        }
      });
    }

    get onmessage() {
      return super.onmessage;
    }

    constructor(...args) {
      super(...args);
      B.worker.push({ t: now(), what: "worker created" });
      this.addEventListener("message", ({ data }) => {
        if (data && data.type !== "frame") B.worker.push({ t: now(), what: data.type === "status" ? data.text : data.type });
        const request = data && data.type === "frame" && posted.get(`${data.key} ${data.run}`);
        if (!request) return;
        if (arrived.length > 1000) arrived.splice(0, 500);
        arrived.push({ sim: data.key.split("#")[0], run: data.run, type: request.type, sent: request.t, received: now(), computed: data.ms });
      });
    }
  };

  // A frame is seen at the display frame that first runs requestAnimationFrame callbacks after
  // it was drawn: `shown`, that frame's timestamp (the one its callbacks receive). A frame drawn
  // inside a callback is shown by that display frame, and the callback's time so far is its
  // drawing's.
  let callbackStart = null;
  let frameTime = null;
  let unshown = [];
  const nativeRaf = window.requestAnimationFrame.bind(window);
  window.requestAnimationFrame = (callback) => nativeRaf((t) => {
    for (const frame of unshown) frame.shown = t;
    unshown = [];
    callbackStart = now();
    frameTime = t;
    try {
      return callback(t);
    } finally {
      callbackStart = null;
    }
  });

  // Frames drawn, from the runtime's own event: which request made each, the worker's round
  // trip for it and its own time computing it, and how long drawing took.
  document.addEventListener("sim:frame", (e) => {
    const t = now();
    const key = e.target.id;
    const run = e.detail?.run;
    const index = arrived.findIndex((m) => m.sim === key && m.run === run);
    const message = index < 0 ? null : arrived[index];
    // earlier frames of this sim were never shown: they belonged to a run restarted since
    for (let i = index; i >= 0; i--) if (arrived[i].sim === key) arrived.splice(i, 1);
    const frame = { key, t, shown: callbackStart === null ? null : frameTime, type: null, worker: null, computed: null, draw: null };
    if (frame.shown === null) unshown.push(frame);
    if (message) {
      const draw = t - (callbackStart ?? message.received);
      Object.assign(frame, { type: message.type, worker: message.received - message.sent, computed: message.computed, draw });
    }
    if (B.frames.length > 20000) B.frames.splice(0, 10000);
    B.frames.push(frame);
    const a = B.armed;
    if (a && a.key === frame.key && a.dispatched !== null && a.latency === null && t >= a.dispatched) {
      a.latency = t - a.t0;
      // input -> restart posted, posted -> frame back (worker), frame back -> drawn (main thread)
      if (a.sent !== null && message) a.parts = { input: a.sent - a.t0, worker: message.received - a.sent, draw: t - message.received };
    }
  }, true);

  // Animation: over a window, requestAnimationFrame deltas and this sim's intervals between the
  // display frames that showed its new frames; also between the moments it drew them.
  B.watch = (key, ms) => new Promise((resolve) => {
    const raf = [];
    const begin = now();
    const tick = (t) => {
      raf.push(t);
      if (t - begin < ms) return requestAnimationFrame(tick);
      const drawn = B.frames.filter((f) => f.key === key && f.t >= begin && f.shown !== null);
      const deltas = (xs) => xs.slice(1).map((x, i) => x - xs[i]);
      resolve({ raf: deltas(raf), frames: deltas(drawn.map((f) => f.shown)), drawn: deltas(drawn.map((f) => f.t)), count: drawn.length });
    };
    requestAnimationFrame(tick);
  });
})();
