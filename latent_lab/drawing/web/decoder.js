// The decoder the components run in the page, shared by the latent explorer and the traversals:
// Python puts this file before each one's own script (latent_lab/drawing/latent_explorer.py,
// with_decoder), so both decode with the same code.
//
// A decoder arrives as latent_explorer.decoder_spec sends it: its dense layers in order, each
// W (row-major, n_in x n_out) and b as base64 of float32 bytes, and its output function.

// Dark ink on white paper, like the digits were written.
const INK = [17, 17, 17];

// Float arrays arrive as base64 of their float32 bytes (little-endian).
function floats(text) {
  const bytes = Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));
  return new Float32Array(bytes.buffer);
}

// The decoder as sent, with its arrays unpacked.
function unpackDecoder(spec) {
  return {
    output: spec.output,
    layers: spec.layers.map((l) => ({ n_in: l.n_in, n_out: l.n_out, W: floats(l.W), b: floats(l.b) })),
  };
}

// Dense layers with ReLU between them and the model's output function at the end, in float64.
function decode(decoder, z) {
  let x = Float64Array.from(z);
  const last = decoder.layers.length - 1;
  decoder.layers.forEach((layer, i) => {
    const { W, b, n_in: nIn, n_out: nOut } = layer;
    const y = new Float64Array(nOut);
    for (let j = 0; j < nOut; j++) y[j] = b[j];
    for (let k = 0; k < nIn; k++) {
      const xk = x[k];
      if (xk === 0) continue;
      const row = k * nOut;
      for (let j = 0; j < nOut; j++) y[j] += xk * W[row + j];
    }
    if (i < last) {
      for (let j = 0; j < nOut; j++) if (y[j] < 0) y[j] = 0;
    } else if (decoder.output === "clip") {
      for (let j = 0; j < nOut; j++) y[j] = Math.min(1, Math.max(0, y[j]));
    } else {
      for (let j = 0; j < nOut; j++) y[j] = 1 / (1 + Math.exp(-y[j]));
    }
    x = y;
  });
  return x;
}

// Pixels in [0, 1] of one side x side image into an ImageData at (x0, y0), ink on paper.
function putPixels(img, pixels, side, x0 = 0, y0 = 0) {
  for (let i = 0; i < side; i++) {
    for (let j = 0; j < side; j++) {
      const v = Math.min(1, Math.max(0, pixels[i * side + j]));
      const p = 4 * ((y0 + i) * img.width + x0 + j);
      for (let c = 0; c < 3; c++) img.data[p + c] = Math.round(255 - v * (255 - INK[c]));
      img.data[p + 3] = 255;
    }
  }
}

// One image on a canvas of its own size (CSS scales it up, pixelated).
function drawImage(canvas, pixels, side) {
  canvas.width = side;
  canvas.height = side;
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(side, side);
  putPixels(img, pixels, side);
  ctx.putImageData(img, 0, 0);
}
