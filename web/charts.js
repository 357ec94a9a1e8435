// Pictures drawn from the server's numbers: the probability bars, the network with its
// neurons lit by their activations, the cost and accuracy curves, the first layer's weights.

export function bars(el, values, best) {
  el.replaceChildren();
  values.forEach((v, j) => {
    const label = document.createElement('span');
    label.textContent = j;
    const bar = document.createElement('div');
    bar.className = 'bar' + (j === best ? ' best' : '');
    bar.dataset.class = j;
    const fill = document.createElement('div');
    fill.style.width = `${Math.max(0, Math.min(1, v)) * 100}%`;
    bar.append(fill);
    const num = document.createElement('span');
    num.textContent = v.toFixed(3);
    el.append(label, bar, num);
  });
}

// Layers of more than this many neurons show their first ones only.
const SHOWN = 24;

export function network(canvas, input, activations) {
  const ctx = canvas.getContext('2d');
  const { width: w, height: h } = canvas;
  ctx.clearRect(0, 0, w, h);
  // The input the network saw, as a 28×28 picture.
  const side = 112, top = (h - side) / 2;
  const img = ctx.createImageData(28, 28);
  input.forEach((v, i) => { img.data.set([v * 255, v * 255, v * 255, 255], 4 * i); });
  const tmp = document.createElement('canvas');
  tmp.width = tmp.height = 28;
  tmp.getContext('2d').putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(tmp, 10, top, side, side);
  const columns = activations.map((layer) => layer.slice(0, SHOWN));
  const x0 = 10 + side + 50, dx = (w - x0 - 40) / Math.max(1, columns.length - 1);
  const pos = columns.map((layer, l) => layer.map((_, j) => [
    x0 + l * dx, h / 2 + (j - (layer.length - 1) / 2) * Math.min(22, (h - 20) / layer.length),
  ]));
  ctx.lineWidth = 0.4;
  ctx.strokeStyle = 'rgba(139,149,171,0.25)';
  pos[0].forEach(([x, y]) => { ctx.beginPath(); ctx.moveTo(10 + side, h / 2); ctx.lineTo(x, y); ctx.stroke(); });
  for (let l = 1; l < pos.length; l++) {
    for (const [ax, ay] of pos[l - 1]) for (const [bx, by] of pos[l]) {
      ctx.beginPath(); ctx.moveTo(ax, ay); ctx.lineTo(bx, by); ctx.stroke();
    }
  }
  columns.forEach((layer, l) => layer.forEach((v, j) => {
    const [x, y] = pos[l][j];
    const a = Math.max(0, Math.min(1, v));
    ctx.beginPath();
    ctx.arc(x, y, l === columns.length - 1 ? 9 : 7, 0, 2 * Math.PI);
    ctx.fillStyle = `rgb(${40 + 215 * a}, ${50 + 129 * a}, ${70 + a * 1})`;
    ctx.fill();
    ctx.strokeStyle = '#8b95ab';
    ctx.stroke();
    if (l === columns.length - 1) {
      ctx.fillStyle = '#e8ecf4';
      ctx.font = '12px system-ui';
      ctx.fillText(String(j), x + 14, y + 4);
    }
  }));
  activations.forEach((layer, l) => {
    ctx.fillStyle = '#8b95ab';
    ctx.font = '11px system-ui';
    const more = layer.length > SHOWN ? ` (first ${SHOWN})` : '';
    ctx.fillText(`layer ${l + 1}: ${layer.length}${more}`, x0 + l * dx - 30, h - 4);
  });
}

export function curves(canvas, epochs) {
  const ctx = canvas.getContext('2d');
  const { width: w, height: h } = canvas;
  const pad = { l: 40, r: 40, t: 14, b: 24 };
  ctx.clearRect(0, 0, w, h);
  ctx.strokeStyle = '#34415f';
  ctx.strokeRect(pad.l, pad.t, w - pad.l - pad.r, h - pad.t - pad.b);
  ctx.font = '11px system-ui';
  ctx.fillStyle = '#8b95ab';
  ctx.fillText('epoch', w / 2 - 15, h - 6);
  if (!epochs.length) return;
  const n = Math.max(2, epochs.length);
  const X = (i) => pad.l + (i / (n - 1)) * (w - pad.l - pad.r);
  const cmax = Math.max(...epochs.map((e) => e.train_cost)) * 1.1 || 1;
  const series = [
    { color: '#ffb347', y: (e) => e.train_cost / cmax, label: `cost (max ${cmax.toFixed(3)})` },
    { color: '#5ad1a0', y: (e) => e.test_accuracy ?? 0, label: 'test accuracy (0–1)' },
  ];
  series.forEach((s, k) => {
    ctx.strokeStyle = ctx.fillStyle = s.color;
    ctx.lineWidth = 2;
    ctx.beginPath();
    epochs.forEach((e, i) => {
      const y = pad.t + (1 - s.y(e)) * (h - pad.t - pad.b);
      i ? ctx.lineTo(X(i), y) : ctx.moveTo(X(i), y);
    });
    ctx.stroke();
    epochs.forEach((e, i) => {
      ctx.beginPath();
      ctx.arc(X(i), pad.t + (1 - s.y(e)) * (h - pad.t - pad.b), 3, 0, 2 * Math.PI);
      ctx.fill();
    });
    // The legend bottom left, where the falling cost and the rising accuracy are not.
    ctx.fillText(s.label, pad.l + 6, h - pad.b - 8 - 14 * k);
  });
}

export function weights(el, pictures) {
  el.replaceChildren();
  for (const pic of pictures) {
    const c = document.createElement('canvas');
    c.width = c.height = 28;
    const ctx = c.getContext('2d');
    const img = ctx.createImageData(28, 28);
    pic.forEach((v, i) => img.data.set([v, v, v, 255], 4 * i));
    ctx.putImageData(img, 0, 0);
    el.append(c);
  }
}
