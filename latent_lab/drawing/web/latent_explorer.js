// The latent explorer: the AE's and the VAE's 2-D latent maps side by side, and the images both
// decoders draw for the point under the pointer, redrawn on every pointer move.
//
// The decoders are tiny (2 -> 32 -> 64), so they run here from the models' weights, which
// Python sends with the maps (latent_lab/drawing/latent_explorer.py; the decoder itself is
// web/decoder.js, shared with the traversals); a browser test checks them against NumPy. A
// click (or a tap) pins a point: it goes back to Python as the trigger value "pin",
// and Python sends it back to be marked on both maps.
//
// Streamlit calls the default export on every render with fresh data; one instance per host
// element keeps the DOM, and the cleanup Streamlit runs before a re-render only detaches the
// listeners.

const instances = new WeakMap();

// For tests and measurements: window.__latentExplorers[id] -> {decode, timings, ...}.
window.__latentExplorers = window.__latentExplorers || {};

export default function (component) {
  const { parentElement, setTriggerValue } = component;
  const data = component.data[0]; // sent as [data]: see latent_explorer.py
  let explorer = instances.get(parentElement);
  if (!explorer) {
    explorer = new Explorer(parentElement);
    instances.set(parentElement, explorer);
  }
  explorer.setTrigger = setTriggerValue;
  explorer.attach();
  explorer.update(data);
  return () => explorer.detach();
}

// ----------------------------------------------------------------------------- data
// decode, unpackDecoder, drawImage and putPixels come from decoder.js, loaded before this file.

// The nearest training image to `image` (squared distance over pixels).
function nearest(train, image) {
  const { pixels, n, d } = train;
  let best = -1;
  let bestDist = Infinity;
  for (let i = 0; i < n; i++) {
    let s = 0;
    const off = i * d;
    for (let k = 0; k < d; k++) {
      const diff = image[k] - pixels[off + k];
      s += diff * diff;
      if (s >= bestDist) break;
    }
    if (s < bestDist) {
      bestDist = s;
      best = i;
    }
  }
  return { index: best, distance: Math.sqrt(bestDist) };
}

// Training images arrive as one character per pixel: "0".."9", "a".."g" for 0..16 sixteenths.
// Their ink profiles (each image's pixel values sorted from the brightest down) are sorted once.
function unpackImages(text, d) {
  const n = Math.floor(text.length / d);
  const pixels = new Float32Array(n * d);
  for (let i = 0; i < n * d; i++) pixels[i] = parseInt(text[i], 17) / 16;
  const profiles = new Float32Array(n * d);
  for (let i = 0; i < n; i++) profiles.set(inkProfile(pixels.subarray(i * d, (i + 1) * d)), i * d);
  return { pixels, profiles, n, d };
}

function inkProfile(image) {
  return Float32Array.from(image).sort().reverse();
}

// Whether `image` is off the data by the test the server's shading uses (vae_core.OffDataTest):
// farther from every training image than 99% of held-out images are, pixel by pixel (`distance`,
// from nearest()) or by ink profile. Returns "" (on the data), "pixels" or "ink profile".
function offData(train, image, distance, thresholds) {
  if (distance > thresholds.pixel) return "pixels";
  const { profiles, n, d } = train;
  const profile = inkProfile(image);
  const limit = thresholds.profile * thresholds.profile;
  for (let i = 0; i < n; i++) {
    let s = 0;
    const off = i * d;
    for (let k = 0; k < d && s <= limit; k++) {
      const diff = profile[k] - profiles[off + k];
      s += diff * diff;
    }
    if (s <= limit) return "";  // one training image's profile is close enough
  }
  return "ink profile";
}

// ----------------------------------------------------------------------------- drawing helpers
function niceTicks(lo, hi, count) {
  const span = hi - lo;
  const raw = span / count;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => span / s <= count) || 10 * mag;
  const ticks = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9; t += step) ticks.push(+t.toFixed(10));
  return ticks;
}

// ----------------------------------------------------------------------------- one map
// Equal horizontal and vertical padding keep the plot area square on a square canvas.
const PAD = { l: 30, r: 6, t: 14, b: 22 };

class LatentMap {
  constructor(explorer, spec, figure) {
    this.explorer = explorer;
    this.figure = figure;
    this.caption = figure.querySelector("figcaption");
    this.canvas = figure.querySelector("canvas");
    this.layer = document.createElement("canvas"); // points, tiles and axes: redrawn rarely
    this.spec = spec;
  }

  setSpec(spec) {
    this.spec = { ...spec, decoder: unpackDecoder(spec.decoder) };
    this.caption.textContent = spec.holes
      ? `${spec.title}: ${Math.round(100 * spec.holes.share)}% off the data`
      : spec.title;
    this.canvas.setAttribute("aria-label", spec.title);
    this.tiles = null;
  }

  // Pixel geometry of the plot area, in CSS pixels.
  geometry() {
    const w = this.canvas.clientWidth || 300;
    const h = this.canvas.clientHeight || w;
    return { w, h, pw: w - PAD.l - PAD.r, ph: h - PAD.t - PAD.b };
  }

  toPixel(x, y) {
    const [x0, x1, y0, y1] = this.spec.range;
    const g = this.geometry();
    return [PAD.l + ((x - x0) / (x1 - x0)) * g.pw, PAD.t + (1 - (y - y0) / (y1 - y0)) * g.ph];
  }

  toData(px, py) {
    const [x0, x1, y0, y1] = this.spec.range;
    const g = this.geometry();
    return [x0 + ((px - PAD.l) / g.pw) * (x1 - x0), y0 + (1 - (py - PAD.t) / g.ph) * (y1 - y0)];
  }

  inside(px, py) {
    const g = this.geometry();
    return px >= PAD.l && px <= PAD.l + g.pw && py >= PAD.t && py <= PAD.t + g.ph;
  }

  // The decoded manifold: an n x n grid of square tiles over the plot area (the axes have one
  // scale, so equal steps in z are equal steps on screen), each decoded at its centre.
  manifoldTiles(n) {
    if (this.tiles && this.tiles.n === n) return this.tiles;
    const [x0, x1, y0, y1] = this.spec.range;
    const side = this.explorer.side;
    const images = [];
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < n; c++) {
        const z = [x0 + ((c + 0.5) / n) * (x1 - x0), y1 - ((r + 0.5) / n) * (y1 - y0)];
        images.push({ r, c, z, pixels: decode(this.spec.decoder, z) });
      }
    }
    const canvas = document.createElement("canvas");
    canvas.width = n * side;
    canvas.height = n * side;
    const ctx = canvas.getContext("2d");
    const img = ctx.createImageData(n * side, n * side);
    for (const t of images) putPixels(img, t.pixels, side, t.c * side, t.r * side);
    ctx.putImageData(img, 0, 0);
    this.tiles = { n, canvas, images };
    return this.tiles;
  }

  drawLayer() {
    const dpr = window.devicePixelRatio || 1;
    const g = this.geometry();
    this.canvas.width = Math.round(g.w * dpr);
    this.canvas.height = Math.round(g.h * dpr);
    this.layer.width = this.canvas.width;
    this.layer.height = this.canvas.height;
    const ctx = this.layer.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, g.w, g.h);
    ctx.fillStyle = "#fafafa";
    ctx.fillRect(PAD.l, PAD.t, g.pw, g.ph);
    const { data } = this.explorer;
    const manifold = data.manifold || 0;
    if (manifold) {
      const tiles = this.manifoldTiles(manifold);
      ctx.imageSmoothingEnabled = false;
      ctx.globalAlpha = 0.85;
      ctx.drawImage(tiles.canvas, PAD.l, PAD.t, g.pw, g.ph);
      ctx.globalAlpha = 1;
      ctx.strokeStyle = "rgba(176,176,176,0.7)";
      ctx.lineWidth = 0.5;
      for (let k = 0; k <= manifold; k++) {
        const x = PAD.l + (k / manifold) * g.pw;
        const y = PAD.t + (k / manifold) * g.ph;
        ctx.beginPath(); ctx.moveTo(x, PAD.t); ctx.lineTo(x, PAD.t + g.ph); ctx.stroke();
        ctx.beginPath(); ctx.moveTo(PAD.l, y); ctx.lineTo(PAD.l + g.pw, y); ctx.stroke();
      }
    }
    // Where this map decodes off the data: cells shaded red (a toggle on the page).
    const holes = this.spec.holes;
    if (holes) {
      const n = holes.mask.length;
      ctx.fillStyle = "rgba(214,39,40,0.22)";
      holes.mask.forEach((row, r) => row.forEach((off, c) => {
        if (off) ctx.fillRect(PAD.l + (c / n) * g.pw, PAD.t + (r / n) * g.ph, g.pw / n + 0.5, g.ph / n + 0.5);
      }));
    }
    // Axes and ticks.
    ctx.strokeStyle = "#c8c8c8";
    ctx.lineWidth = 1;
    ctx.strokeRect(PAD.l, PAD.t, g.pw, g.ph);
    ctx.fillStyle = "#6b6b6b";
    ctx.font = "10px sans-serif";
    const [x0, x1, y0, y1] = this.spec.range;
    ctx.textAlign = "center";
    for (const t of niceTicks(x0, x1, 5)) {
      const [px] = this.toPixel(t, y0);
      ctx.fillText(String(t), px, PAD.t + g.ph + 13);
    }
    ctx.textAlign = "right";
    for (const t of niceTicks(y0, y1, 5)) {
      const [, py] = this.toPixel(x0, t);
      ctx.fillText(String(t), PAD.l - 4, py + 3);
    }
    ctx.fillText("z₁", PAD.l + g.pw, PAD.t + g.ph + 13);
    ctx.save();
    ctx.translate(9, PAD.t + 10);
    ctx.rotate(-Math.PI / 2);
    ctx.fillText("z₂", 0, 0);
    ctx.restore();
    ctx.textAlign = "left";
    // The codes of every digit, coloured by class (labels never took part in training).
    const { x, y } = this.spec;
    const labels = data.labels;
    ctx.globalAlpha = manifold ? 0.45 : 0.8;
    for (let i = 0; i < x.length; i++) {
      const [px, py] = this.toPixel(x[i], y[i]);
      ctx.fillStyle = data.colors[labels[i]] || "#777";
      ctx.beginPath();
      ctx.arc(px, py, 2.2, 0, 2 * Math.PI);
      ctx.fill();
    }
    ctx.globalAlpha = 1;
    const post = data.posterior;
    if (post && post.map === this.spec.id) this.drawPosterior(ctx, post);
  }

  // The reparameterization trick: the posterior N(mu, sigma^2) of one digit as its +-1 and +-2
  // sigma ellipses, and a few draws z = mu + sigma * eps.
  // Its colour (data.posterior_color) is none of the digits' colours.
  drawPosterior(ctx, post) {
    const color = this.explorer.data.posterior_color || "#ff00ff";
    const [cx, cy] = this.toPixel(post.mu[0], post.mu[1]);
    for (const k of [2, 1]) {
      const [ex] = this.toPixel(post.mu[0] + k * post.sigma[0], post.mu[1]);
      const [, ey] = this.toPixel(post.mu[0], post.mu[1] + k * post.sigma[1]);
      ctx.beginPath();
      ctx.ellipse(cx, cy, Math.abs(ex - cx), Math.abs(cy - ey), 0, 0, 2 * Math.PI);
      ctx.globalAlpha = k === 1 ? 0.18 : 0.08;
      ctx.fillStyle = color;
      ctx.fill();
      ctx.globalAlpha = 1;
      ctx.strokeStyle = color;
      ctx.setLineDash(k === 2 ? [4, 3] : []);
      ctx.lineWidth = 1.5;
      ctx.stroke();
    }
    ctx.setLineDash([]);
    ctx.fillStyle = color;
    for (const d of post.draws) {
      const [px, py] = this.toPixel(d[0], d[1]);
      ctx.fillRect(px - 2.5, py - 2.5, 5, 5);
    }
    ctx.beginPath();
    ctx.arc(cx, cy, 4, 0, 2 * Math.PI);
    ctx.fillStyle = "#ffffff";
    ctx.fill();
    ctx.lineWidth = 2;
    ctx.strokeStyle = color;
    ctx.stroke();
  }

  // The static layer, then the pinned point and the pointer. The map the hand is on draws them
  // solid; every other map draws the same z as a mirror (grey, dashed, hollow): the same
  // numbers in another model's space, which is unrelated to this one (not the same image).
  draw() {
    const ctx = this.canvas.getContext("2d");
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(this.layer, 0, 0);
    const dpr = window.devicePixelRatio || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const { pinned, pinnedMap, hover, hoverMap } = this.explorer;
    if (hover) {
      const [px, py] = this.toPixel(hover[0], hover[1]);
      if (this.inside(px, py)) {
        const cross = () => {
          ctx.beginPath(); ctx.moveTo(px - 9, py); ctx.lineTo(px + 9, py); ctx.stroke();
          ctx.beginPath(); ctx.moveTo(px, py - 9); ctx.lineTo(px, py + 9); ctx.stroke();
          ctx.beginPath(); ctx.arc(px, py, 5, 0, 2 * Math.PI); ctx.stroke();
        };
        if (hoverMap && hoverMap !== this.spec.id) {
          ctx.strokeStyle = "rgba(255,255,255,0.9)"; // a halo, so the mirror reads over the dots
          ctx.lineWidth = 4;
          cross();
          ctx.strokeStyle = MIRROR;
          ctx.lineWidth = 1.5;
          ctx.setLineDash([3, 2]);
          cross();
          ctx.setLineDash([]);
        } else {
          ctx.strokeStyle = "rgba(0,0,0,0.55)";
          ctx.lineWidth = 1;
          cross();
        }
      }
    }
    if (pinned) {
      const [px, py] = this.toPixel(pinned[0], pinned[1]);
      if (this.inside(px, py)) {
        star(ctx, px, py, 9, 4);
        if (pinnedMap && pinnedMap !== this.spec.id) {
          ctx.fillStyle = "rgba(255,255,255,0.9)";
          ctx.fill();
          ctx.setLineDash([3, 2]);
          ctx.lineWidth = 2;
          ctx.strokeStyle = MIRROR;
          ctx.stroke();
          ctx.setLineDash([]);
        } else {
          ctx.fillStyle = "#111111";
          ctx.fill();
          ctx.lineWidth = 1.5;
          ctx.strokeStyle = "#ffffff";
          ctx.stroke();
        }
      }
    }
  }

  // The index of the digit whose dot is within `radius` pixels of (px, py), else null.
  dotAt(px, py, radius = 6) {
    const { x, y } = this.spec;
    let best = null;
    let bestD = radius * radius;
    for (let i = 0; i < x.length; i++) {
      const [qx, qy] = this.toPixel(x[i], y[i]);
      const d = (qx - px) ** 2 + (qy - py) ** 2;
      if (d <= bestD) {
        bestD = d;
        best = i;
      }
    }
    return best;
  }
}

// How long the landing page's point drifts by itself before it rests, in ms.
const TOUR_MS = 120000;

// The marks of a point mirrored from another map.
const MIRROR = "#4a4a4a";

function star(ctx, x, y, outer, inner) {
  ctx.beginPath();
  for (let k = 0; k < 10; k++) {
    const r = k % 2 ? inner : outer;
    const a = -Math.PI / 2 + (k * Math.PI) / 5;
    ctx.lineTo(x + r * Math.cos(a), y + r * Math.sin(a));
  }
  ctx.closePath();
}

// ----------------------------------------------------------------------------- the explorer
const TEMPLATE = `
  <div class="lx-root">
    <div class="lx-maps"></div>
    <aside class="lx-panel" aria-live="polite">
      <div class="lx-z"></div>
      <div class="lx-row lx-decoded"></div>
      <div class="lx-hint">Move the pointer over a map: both decoders draw that point.
        Click to pin it.</div>
    </aside>
  </div>
  <div class="lx-legend"></div>
  <div class="lx-key">Grey, dashed: the same z in the other model's space. The two spaces are
    unrelated, so it marks the same numbers, not the same image.</div>`;

class Explorer {
  constructor(parent) {
    this.parent = parent;
    const host = document.createElement("div");
    host.className = "lx-host";
    host.innerHTML = TEMPLATE;
    parent.appendChild(host);
    this.host = host;
    this.mapsEl = host.querySelector(".lx-maps");
    this.zEl = host.querySelector(".lx-z");
    this.decodedEl = host.querySelector(".lx-decoded");
    this.legendEl = host.querySelector(".lx-legend");
    this.maps = [];
    this.cells = {};
    this.hover = null;
    this.hoverMap = null; // the map under the hand; the others mirror its point
    this.pinned = null;
    this.pinnedMap = null;
    this.touched = false; // a hand has been on a map: no more touring
    this.touring = false;
    this.timings = []; // ms from a pointer event to both images redrawn
    this.pending = null;
    this.attached = false;
    this.press = null;
    this.onMove = (e) => this.pointerMove(e);
    this.onDown = (e) => this.pointerDown(e);
    this.onUp = (e) => this.pointerUp(e);
    this.onLeave = () => this.pointerLeave();
    this.resize = new ResizeObserver(() => this.redrawAll());
  }

  attach() {
    if (this.attached) return;
    this.attached = true;
    for (const m of this.maps) this.listen(m.canvas);
    this.resize.observe(this.mapsEl);
  }

  detach() {
    this.stopTour();
    if (!this.attached) return;
    this.attached = false;
    for (const m of this.maps) this.unlisten(m.canvas);
    this.resize.disconnect();
  }

  listen(canvas) {
    canvas.addEventListener("pointermove", this.onMove);
    canvas.addEventListener("pointerdown", this.onDown);
    canvas.addEventListener("pointerup", this.onUp);
    canvas.addEventListener("pointerleave", this.onLeave);
  }

  unlisten(canvas) {
    canvas.removeEventListener("pointermove", this.onMove);
    canvas.removeEventListener("pointerdown", this.onDown);
    canvas.removeEventListener("pointerup", this.onUp);
    canvas.removeEventListener("pointerleave", this.onLeave);
  }

  update(data) {
    this.data = data;
    this.side = data.side;
    if (data.train && this.trainKey !== data.train.key) {
      this.trainKey = data.train.key;
      this.train = unpackImages(data.train.images, data.side * data.side);
    }
    if (!data.train) this.train = null;
    // One figure per map; rebuilt only when the set of maps changes.
    const ids = data.maps.map((m) => m.id).join(",");
    if (this.mapIds !== ids) {
      for (const m of this.maps) this.unlisten(m.canvas);
      this.mapsEl.innerHTML = "";
      this.decodedEl.innerHTML = "";
      this.maps = data.maps.map((spec) => {
        const fig = document.createElement("figure");
        fig.className = "lx-map";
        fig.dataset.map = spec.id;
        fig.innerHTML = `<figcaption></figcaption><canvas role="img"></canvas>`;
        this.mapsEl.appendChild(fig);
        const map = new LatentMap(this, spec, fig);
        if (this.attached) this.listen(map.canvas);
        const cell = document.createElement("div");
        cell.className = "lx-cell";
        cell.dataset.map = spec.id;
        cell.innerHTML = `<h4></h4><canvas class="lx-decoded-image"></canvas>
          <canvas class="lx-near"></canvas><div class="lx-note"></div>`;
        this.decodedEl.appendChild(cell);
        this.cells[spec.id] = {
          title: cell.querySelector("h4"),
          image: cell.querySelector(".lx-decoded-image"),
          near: cell.querySelector(".lx-near"),
          note: cell.querySelector(".lx-note"),
        };
        return map;
      });
      this.mapIds = ids;
    }
    data.maps.forEach((spec, i) => {
      this.maps[i].setSpec(spec);
      this.cells[spec.id].title.textContent = spec.name;
      this.cells[spec.id].title.title = `What the ${spec.name} decodes at this z`;
      this.cells[spec.id].near.style.display = data.train ? "" : "none"; // nothing to be near
    });
    this.host.classList.toggle("lx-compact", !!data.compact);
    // The classes on view, by name (an upload's own), each with its dots' colour.
    this.legendEl.replaceChildren(...(data.legend || []).map(([name, color]) => {
      const span = document.createElement("span");
      span.style.setProperty("--c", color);
      span.textContent = name;
      return span;
    }));
    this.pinned = data.pinned;
    this.pinnedMap = data.pinned ? data.pinned_map || null : null;
    window.__latentExplorers[data.id] = this;
    this.redrawAll();
    this.showImages(this.pinned || [0, 0], this.pinned ? "pinned" : "origin");
    if (data.tour && !this.touched && !this.pinned) this.startTour(data.tour);
  }

  // Until a hand touches a map, the decoded point drifts along a figure of eight over map
  // `mapId` (20 steps a second), so the first screen moves and shows what a hand would do. It
  // rests after TOUR_MS, so a tab left open doesn't keep drawing.
  startTour(mapId) {
    if (this.touring) return;
    if (window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches) return;
    this.touring = true;
    const start = performance.now();
    let last = -Infinity;
    const step = (now) => {
      if (!this.touring) return;
      if (now - start > TOUR_MS) {
        this.stopTour();
        for (const m of this.maps) m.draw();
        this.showImages(this.pinned || [0, 0], this.pinned ? "pinned" : "origin");
        return;
      }
      const map = this.maps.find((m) => m.spec.id === mapId);
      if (map && now - last >= 50) {
        last = now;
        const [x0, x1, y0, y1] = map.spec.range;
        const t = ((now - start) / 1000) * ((2 * Math.PI) / 16); // one loop in 16 s
        const z = [(x0 + x1) / 2 + 0.3 * (x1 - x0) * Math.sin(t),
                   (y0 + y1) / 2 + 0.25 * (y1 - y0) * Math.sin(2 * t)];
        this.hover = z;
        this.hoverMap = mapId;
        this.showImages(z, "tour");
        for (const m of this.maps) m.draw();
      }
      this.tourFrame = requestAnimationFrame(step);
    };
    this.tourFrame = requestAnimationFrame(step);
  }

  stopTour() {
    if (!this.touring) return;
    this.touring = false;
    cancelAnimationFrame(this.tourFrame);
    this.hover = null;
    this.hoverMap = null;
  }

  // A hand on a map ends the tour for good.
  takeOver() {
    this.touched = true;
    this.stopTour();
  }

  redrawAll() {
    for (const m of this.maps) {
      m.drawLayer();
      m.draw();
    }
  }

  // Decode `z` with every map's decoder and draw the images (and each one's nearest training
  // image) in the panel.
  showImages(z, why) {
    const what = {
      pointer: "Under the pointer", pinned: "Pinned", origin: "Nothing pinned yet", tour: "Drifting",
    }[why];
    const source = why === "pointer" || why === "tour" ? this.hoverMap : why === "pinned" ? this.pinnedMap : null;
    const map = this.maps.find((m) => m.spec.id === source);
    const on = map ? ` on the ${map.spec.name} map` : "";
    this.zEl.textContent = `${what}${on}: z = (${z[0].toFixed(2)}, ${z[1].toFixed(2)})`;
    for (const m of this.maps) {
      const pixels = decode(m.spec.decoder, z);
      const cell = this.cells[m.spec.id];
      drawImage(cell.image, pixels, this.side);
      if (this.train) {
        const near = nearest(this.train, pixels);
        const d = this.side * this.side;
        drawImage(cell.near, this.train.pixels.subarray(near.index * d, (near.index + 1) * d), this.side);
        const label = this.data.train.labels[near.index];
        const by = offData(this.train, pixels, near.distance, this.data.train.thresholds);
        cell.note.textContent = `nearest training digit: a ${label}, distance ${near.distance.toFixed(2)}` +
          (by ? ` — off the data by ${by}: farther than 99% of held-out digits are` : "");
        cell.note.dataset.novel = by ? "1" : "0";
      }
    }
  }

  eventPoint(e) {
    const canvas = e.currentTarget;
    const map = this.maps.find((m) => m.canvas === canvas);
    const rect = canvas.getBoundingClientRect();
    const px = e.clientX - rect.left;
    const py = e.clientY - rect.top;
    return { map, px, py, z: map.toData(px, py), inside: map.inside(px, py) };
  }

  // Pointer moves are drawn once per animation frame, the latest one winning.
  pointerMove(e) {
    const p = this.eventPoint(e);
    if (!p.inside) return;
    this.takeOver();
    this.schedule(p.z, e.timeStamp, p.map.spec.id);
  }

  schedule(z, stamp, mapId) {
    const first = this.pending === null;
    this.pending = { z, mapId, stamp: this.pending ? this.pending.stamp : stamp };
    if (!first) return;
    requestAnimationFrame(() => {
      const { z: at, mapId: on, stamp: since } = this.pending;
      this.pending = null;
      this.hover = at;
      this.hoverMap = on;
      this.showImages(at, "pointer");
      for (const m of this.maps) m.draw();
      this.timings.push(performance.now() - since);
      if (this.timings.length > 500) this.timings.shift();
    });
  }

  pointerDown(e) {
    const p = this.eventPoint(e);
    if (!p.inside) return;
    this.takeOver();
    this.press = { x: e.clientX, y: e.clientY, t: e.timeStamp, ...p };
    // A touch has no hover: decode where the finger lands, on the first tap.
    this.schedule(p.z, e.timeStamp, p.map.spec.id);
  }

  pointerUp(e) {
    const press = this.press;
    this.press = null;
    if (!press) return;
    const moved = Math.hypot(e.clientX - press.x, e.clientY - press.y);
    if (moved > 6 || e.timeStamp - press.t > 800) return; // a drag, not a click
    const index = press.map.dotAt(press.px, press.py);
    this.pinned = press.z;
    this.pinnedMap = press.map.spec.id;
    for (const m of this.maps) m.draw();
    this.showImages(press.z, "pinned");
    this.pinnedAt = performance.now();
    this.setTrigger("pin", {
      x: press.z[0], y: press.z[1], map: press.map.spec.id, index, stamp: Date.now(),
    });
  }

  pointerLeave() {
    this.hover = null;
    this.hoverMap = null;
    this.pending = null;
    for (const m of this.maps) m.draw();
    this.showImages(this.pinned || [0, 0], this.pinned ? "pinned" : "origin");
  }

  // For tests: decode points with a map's decoder, exactly as the pointer does.
  decode(mapId, points) {
    const map = this.maps.find((m) => m.spec.id === mapId);
    return points.map((z) => Array.from(decode(map.spec.decoder, z)));
  }

  // For tests: the note's verdict on images ("" on the data, else what it is off by).
  offData(images) {
    return images.map((image) => {
      const pixels = Float32Array.from(image);
      return offData(this.train, pixels, nearest(this.train, pixels).distance, this.data.train.thresholds);
    });
  }
}
