// Latent traversals: per model, one row per latent dimension decoding a sweep of that dimension
// while the others stay at the current code (at first the anchor Python sends: the mean code or
// one image's code). Several models are drawn side by side.
//
// The decoders run here (decode, unpackDecoder, putPixels, drawImage come from decoder.js, which
// Python puts before this file; latent_lab/drawing/traversals.py). A pointer over a row decodes
// the value under it into the model's large image; a drag along a row moves that dimension of the
// current code and redraws every row, once per animation frame, with no round trip to the server.
// Arrow keys on a focused row move it a quarter step at a time.

const instances = new WeakMap();

// For tests and measurements: window.__traversals[id] -> the instance (rows, codes, timings).
window.__traversals = window.__traversals || {};

export default function (component) {
  const { parentElement } = component;
  const data = component.data[0]; // sent as [data]: see latent_explorer.py
  let view = instances.get(parentElement);
  if (!view) {
    view = new Traversals(parentElement);
    instances.set(parentElement, view);
  }
  view.update(data);
  return undefined;
}

// The strip of a row: `steps` images with a one-pixel gap between them.
const GAP = 1;
const GAP_SHADE = 208;

const TEMPLATE = `
  <div class="tv-models"></div>
  <div class="tv-foot">
    <button type="button" class="tv-reset">Back to the anchor</button>
    <span class="tv-hint">Point at a row to decode that value; drag along it to move that
      dimension of the code and watch every other row follow.</span>
  </div>`;

class Traversals {
  constructor(parent) {
    const host = document.createElement("div");
    host.className = "tv-host";
    host.innerHTML = TEMPLATE;
    parent.appendChild(host);
    this.host = host;
    this.modelsEl = host.querySelector(".tv-models");
    this.models = [];
    this.timings = []; // ms from a pointer event to every row redrawn
    this.pending = null;
    this.drag = null;
    host.querySelector(".tv-reset").addEventListener("click", () => this.reset());
  }

  update(data) {
    this.data = data;
    this.side = data.side;
    this.steps = data.steps;
    const key = JSON.stringify([data.side, data.steps, data.models.map((m) => [m.id, m.name, m.anchor, m.lo, m.hi, m.decoder])]);
    if (key !== this.key) {
      this.key = key;
      this.build(data);
    }
    window.__traversals[data.id] = this;
  }

  // One block per model: its name, its rows and its large image.
  build(data) {
    this.modelsEl.innerHTML = "";
    this.host.classList.toggle("tv-many", data.models.length > 2); // narrow columns: the image on top
    this.models = data.models.map((spec) => {
      const block = document.createElement("section");
      block.className = "tv-model";
      block.dataset.model = spec.id;
      block.innerHTML = `<h4></h4><div class="tv-body"><div class="tv-rows"></div>
        <figure class="tv-live"><canvas></canvas><figcaption aria-live="polite"></figcaption></figure></div>`;
      block.querySelector("h4").textContent = spec.name;
      this.modelsEl.appendChild(block);
      const dim = spec.anchor.length;
      const model = {
        spec,
        decoder: unpackDecoder(spec.decoder),
        dim,
        code: Float64Array.from(spec.anchor),
        values: spec.lo.map((lo, d) => Array.from({ length: this.steps },
          (_, j) => lo + (this.steps > 1 ? j / (this.steps - 1) : 0.5) * (spec.hi[d] - lo))),
        rows: [],
        live: block.querySelector(".tv-live canvas"),
        readout: block.querySelector(".tv-live figcaption"),
        preview: null,
        dirty: null,
      };
      const rowsEl = block.querySelector(".tv-rows");
      model.rowEls = spec.anchor.map((_, d) => this.makeRow(model, d, rowsEl));
      this.redraw(model, -1);
      this.drawLive(model);
      return model;
    });
  }

  makeRow(model, d, rowsEl) {
    const { spec } = model;
    const row = document.createElement("div");
    row.className = "tv-row";
    row.dataset.dim = d;
    const collapsed = spec.collapsed.includes(d);
    row.classList.toggle("tv-collapsed", collapsed);
    row.innerHTML = `<span class="tv-label"></span><div class="tv-track" tabindex="0" role="slider">
      <canvas class="tv-strip"></canvas><div class="tv-hover"></div><div class="tv-mark"></div></div>`;
    const label = row.querySelector(".tv-label");
    label.textContent = `z${d + 1}` + (collapsed ? " · off" : "");
    const kl = spec.kl ? `; held-out KL ${spec.kl[d].toFixed(2)} nats` : "";
    label.title = `z${d + 1}: the codes' spread σ = ${spec.spread[d].toFixed(2)}${kl}` +
      (collapsed ? " (collapsed: the decoder ignores it)" : "");
    const track = row.querySelector(".tv-track");
    track.setAttribute("aria-label", `z${d + 1} of the ${spec.name}`);
    track.setAttribute("aria-valuemin", spec.lo[d].toFixed(2));
    track.setAttribute("aria-valuemax", spec.hi[d].toFixed(2));
    track.addEventListener("pointermove", (e) => this.pointerMove(model, d, e));
    track.addEventListener("pointerdown", (e) => this.pointerDown(model, d, e));
    track.addEventListener("pointerup", (e) => this.pointerUp(e));
    track.addEventListener("pointercancel", (e) => this.pointerUp(e));
    track.addEventListener("pointerleave", () => this.pointerLeave(model));
    track.addEventListener("keydown", (e) => this.key(model, d, e));
    rowsEl.appendChild(row);
    return { row, track, strip: row.querySelector(".tv-strip"), mark: row.querySelector(".tv-mark"),
             hover: row.querySelector(".tv-hover") };
  }

  // ------------------------------------------------------------------------- positions and values
  // The strip's images sit at the centres of `steps` equal cells: image j shows values[j]. A
  // point between two centres reads as the value between theirs, so the mark of a value sits on
  // the image that shows it.
  valueAt(model, d, fraction) {
    const { lo, hi } = model.spec;
    const t = this.steps > 1 ? (fraction * this.steps - 0.5) / (this.steps - 1) : 0.5;
    return lo[d] + Math.min(1, Math.max(0, t)) * (hi[d] - lo[d]);
  }

  fractionOf(model, d, value) {
    const { lo, hi } = model.spec;
    const t = hi[d] === lo[d] ? 0.5 : (value - lo[d]) / (hi[d] - lo[d]);
    const inside = t >= -1e-9 && t <= 1 + 1e-9;
    const clamped = Math.min(1, Math.max(0, t));
    return { fraction: this.steps > 1 ? (clamped * (this.steps - 1) + 0.5) / this.steps : 0.5, inside };
  }

  eventValue(model, d, e) {
    const rect = model.rowEls[d].strip.getBoundingClientRect();
    const fraction = rect.width ? (e.clientX - rect.left) / rect.width : 0.5;
    return this.valueAt(model, d, Math.min(1, Math.max(0, fraction)));
  }

  // ------------------------------------------------------------------------- drawing
  // The codes of row d: the current code with dimension d set to each of its values.
  rowCodes(model, d) {
    return model.values[d].map((v) => {
      const z = Float64Array.from(model.code);
      z[d] = v;
      return z;
    });
  }

  // Decode and draw every row but `skip` (a row's images do not depend on its own dimension of
  // the code), and move every row's mark to the current code.
  redraw(model, skip) {
    const side = this.side;
    const steps = this.steps;
    for (let d = 0; d < model.dim; d++) {
      const els = model.rowEls[d];
      if (d !== skip || !model.rows[d]) {
        const images = this.rowCodes(model, d).map((z) => decode(model.decoder, z));
        model.rows[d] = images;
        const canvas = els.strip;
        canvas.width = steps * side + (steps - 1) * GAP;
        canvas.height = side;
        const ctx = canvas.getContext("2d");
        const img = ctx.createImageData(canvas.width, side);
        for (let p = 0; p < img.data.length; p += 4) {
          img.data[p] = img.data[p + 1] = img.data[p + 2] = GAP_SHADE;
          img.data[p + 3] = 255;
        }
        images.forEach((pixels, j) => putPixels(img, pixels, side, j * (side + GAP), 0));
        ctx.putImageData(img, 0, 0);
      }
      const { fraction, inside } = this.fractionOf(model, d, model.code[d]);
      els.mark.style.left = `${100 * fraction}%`;
      els.mark.classList.toggle("tv-outside", !inside);
      els.track.setAttribute("aria-valuenow", model.code[d].toFixed(2));
    }
  }

  // The large image: the current code, or the value the pointer is on.
  drawLive(model) {
    const z = Float64Array.from(model.code);
    const p = model.preview;
    if (p) z[p.d] = p.value;
    model.liveCode = z;
    drawImage(model.live, decode(model.decoder, z), this.side);
    model.readout.textContent = p
      ? `z${p.d + 1} = ${p.value.toFixed(2)}`
      : model.dim <= 3 ? `z = (${Array.from(z, (v) => v.toFixed(2)).join(", ")})` : "the current code";
    model.rowEls.forEach((els, d) => {
      const on = p && p.d === d;
      els.row.classList.toggle("tv-active", !!on);
      els.hover.style.display = on ? "block" : "none";
      if (on) els.hover.style.left = `${100 * this.fractionOf(model, d, p.value).fraction}%`;
    });
  }

  // A move sets the code at once; the drawing waits for the next animation frame, which draws
  // what the frame's last event left. `dirty` is the one row whose dimension moved (its own
  // images stay), -1 if several did, null if none.
  schedule(model, d, value, set, stamp) {
    if (set) {
      model.code[d] = value;
      model.dirty = model.dirty === null || model.dirty === d ? d : -1;
    }
    model.preview = { d, value };
    if (!this.pending) {
      this.pending = { stamp, models: new Set() };
      requestAnimationFrame(() => this.flush());
    }
    this.pending.models.add(model);
  }

  flush() {
    const { stamp, models } = this.pending;
    this.pending = null;
    for (const model of models) {
      if (model.dirty !== null) this.redraw(model, model.dirty);
      model.dirty = null;
      this.drawLive(model);
    }
    this.timings.push(performance.now() - stamp);
    if (this.timings.length > 500) this.timings.shift();
  }

  // ------------------------------------------------------------------------- the hand
  pointerMove(model, d, e) {
    const dragging = this.drag && this.drag.model === model && this.drag.d === d;
    this.schedule(model, d, this.eventValue(model, d, e), dragging, e.timeStamp);
  }

  pointerDown(model, d, e) {
    this.drag = { model, d };
    e.currentTarget.setPointerCapture(e.pointerId);
    this.schedule(model, d, this.eventValue(model, d, e), true, e.timeStamp);
  }

  pointerUp(e) {
    if (this.drag && e.currentTarget.hasPointerCapture(e.pointerId)) {
      e.currentTarget.releasePointerCapture(e.pointerId);
    }
    this.drag = null;
  }

  pointerLeave(model) {
    if (this.drag) return;
    model.preview = null;
    this.drawLive(model);
  }

  key(model, d, e) {
    const step = (model.spec.hi[d] - model.spec.lo[d]) / Math.max(1, this.steps - 1) / 4;
    const moves = { ArrowLeft: -step, ArrowDown: -step, ArrowRight: step, ArrowUp: step };
    if (!(e.key in moves)) return;
    e.preventDefault();
    const { lo, hi } = model.spec;
    const value = Math.min(hi[d], Math.max(lo[d], model.code[d] + moves[e.key]));
    this.schedule(model, d, value, true, e.timeStamp);
  }

  reset() {
    for (const model of this.models) {
      model.code = Float64Array.from(model.spec.anchor);
      model.preview = null;
      this.redraw(model, -1);
      this.drawLive(model);
    }
  }

  // For tests: the images every row of model `id` shows, and the codes they decode.
  state(id) {
    const model = this.models.find((m) => m.spec.id === id);
    return {
      code: Array.from(model.code),
      values: model.values,
      rows: model.rows.map((images) => images.map((px) => Array.from(px))),
    };
  }
}
