// A row of digit thumbnails to pick one from (a click), or a pad to draw one on (a drag).
//
// data: {mode: "pick", side, images: "<one base-17 character per pixel>", labels: [...],
//        selected: index}
//    or {mode: "draw", side, pixels: "<side*side base-17 characters>"}
// A pick sets the trigger value "pick" to the thumbnail's index; a drawing sets the state
// value "pixels" (the same encoding) when the pen lifts.

const pads = new WeakMap();
const INK = 17;

function shade(v) {
  const g = Math.round(255 - Math.min(1, Math.max(0, v)) * (255 - INK));
  return `rgb(${g},${g},${g})`;
}

function paint(canvas, values, side) {
  canvas.width = side;
  canvas.height = side;
  const ctx = canvas.getContext("2d");
  for (let i = 0; i < side * side; i++) {
    ctx.fillStyle = shade(values[i]);
    ctx.fillRect(i % side, Math.floor(i / side), 1, 1);
  }
}

const decode = (text) => Array.from(text, (ch) => parseInt(ch, 17) / 16);
const encode = (values) => values.map((v) => Math.round(v * 16).toString(17)).join("");

export default function (component) {
  const { data, parentElement, setTriggerValue, setStateValue } = component;
  let root = parentElement.querySelector(".ip-root");
  if (!root) {
    root = document.createElement("div");
    root.className = "ip-root";
    parentElement.appendChild(root);
  }
  root.innerHTML = "";
  const side = data.side;
  if (data.mode === "pick") {
    const d = side * side;
    const values = decode(data.images);
    const n = values.length / d;
    for (let i = 0; i < n; i++) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "ip-thumb" + (i === data.selected ? " ip-selected" : "");
      button.title = data.titles ? data.titles[i] : `example ${i + 1}`;
      button.setAttribute("aria-pressed", i === data.selected ? "true" : "false");
      const canvas = document.createElement("canvas");
      paint(canvas, values.slice(i * d, (i + 1) * d), side);
      button.appendChild(canvas);
      button.addEventListener("click", () => setTriggerValue("pick", i));
      root.appendChild(button);
    }
    return undefined;
  }
  // The drawing pad: drag to ink cells (the centre darkest), right-click or "Clear" to erase.
  let pad = pads.get(parentElement);
  if (!pad || pad.side !== side) {
    pad = { side, values: decode(data.pixels || "0".repeat(side * side)) };
    pads.set(parentElement, pad);
  }
  if (data.pixels && data.pixels !== pad.sent) pad.values = decode(data.pixels);
  const canvas = document.createElement("canvas");
  canvas.className = "ip-pad";
  canvas.setAttribute("aria-label", "drawing pad");
  const clear = document.createElement("button");
  clear.type = "button";
  clear.textContent = "Clear";
  clear.className = "ip-clear";
  root.append(canvas, clear);
  const redraw = () => paint(canvas, pad.values, side);
  redraw();
  let drawing = false;
  const ink = (e) => {
    const r = canvas.getBoundingClientRect();
    const x = ((e.clientX - r.left) / r.width) * side;
    const y = ((e.clientY - r.top) / r.height) * side;
    for (let i = 0; i < side; i++) {
      for (let j = 0; j < side; j++) {
        const dist = Math.hypot(j + 0.5 - x, i + 0.5 - y);
        const add = Math.max(0, 1 - dist / 1.1);
        const k = i * side + j;
        pad.values[k] = Math.min(1, Math.round((pad.values[k] + add) * 16) / 16);
      }
    }
    redraw();
  };
  const send = () => {
    pad.sent = encode(pad.values);
    setStateValue("pixels", pad.sent);
  };
  canvas.addEventListener("pointerdown", (e) => {
    drawing = true;
    canvas.setPointerCapture(e.pointerId);
    ink(e);
  });
  canvas.addEventListener("pointermove", (e) => drawing && ink(e));
  canvas.addEventListener("pointerup", () => {
    drawing = false;
    send();
  });
  clear.addEventListener("click", () => {
    pad.values = pad.values.map(() => 0);
    redraw();
    send();
  });
  return undefined;
}
