// The drawing canvas: strokes drawn large (280×280) in white on black, read back as the
// 28×28 grey levels MNIST's images have (the browser's downscaling averages each 10×10 block).

// In canvas pixels (280 across): 1.6 of MNIST's pixels, near its strokes' width (20 made
// them so fat that 2 of 10 drawn test digits were misread).
const BRUSH = 16;

export function drawingPad(canvas, onChange) {
  const ctx = canvas.getContext('2d');
  const small = document.createElement('canvas');
  small.width = small.height = 28;
  const sctx = small.getContext('2d', { willReadFrequently: true });
  let last = null;
  let inked = false;

  function clear() {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    inked = false;
  }

  function point(e) {
    const r = canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * canvas.width / r.width, (e.clientY - r.top) * canvas.height / r.height];
  }

  function stroke(to) {
    ctx.fillStyle = ctx.strokeStyle = '#fff';
    ctx.lineWidth = BRUSH;
    ctx.lineCap = ctx.lineJoin = 'round';
    ctx.beginPath();
    if (last) {
      ctx.moveTo(...last);
      ctx.lineTo(...to);
      ctx.stroke();
    } else {
      // A touch without a move is a dot: canvas skips a line of length zero.
      ctx.arc(...to, BRUSH / 2, 0, 2 * Math.PI);
      ctx.fill();
    }
    last = to;
    inked = true;
    onChange();
  }

  canvas.addEventListener('pointerdown', (e) => {
    canvas.setPointerCapture(e.pointerId);
    last = null;
    stroke(point(e));
  });
  canvas.addEventListener('pointermove', (e) => { if (e.buttons) stroke(point(e)); });
  canvas.addEventListener('pointerup', () => { last = null; });
  clear();

  return {
    clear,
    inked: () => inked,
    // 784 grey levels in [0, 1], row by row, ink = 1.
    pixels() {
      sctx.fillStyle = '#000';
      sctx.fillRect(0, 0, 28, 28);
      sctx.imageSmoothingEnabled = true;
      sctx.imageSmoothingQuality = 'high';
      sctx.drawImage(canvas, 0, 0, 28, 28);
      const data = sctx.getImageData(0, 0, 28, 28).data;
      const out = new Array(784);
      for (let i = 0; i < 784; i++) out[i] = data[4 * i] / 255;
      return out;
    },
  };
}
