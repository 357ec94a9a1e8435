// The Playground tab: the form posts to /api/playground/train; the run's events (from the
// page's one EventSource) redraw the decision surface with the points over it, each hidden
// neuron's own surface, the links by weight, and the loss curves.

const $ = (id) => document.getElementById(id);
// Class colours, the Playground's orange and blue first.
const PALETTE = [[245, 147, 34], [8, 119, 189], [90, 209, 160], [200, 80, 200], [230, 210, 60],
  [120, 120, 255], [255, 100, 100], [60, 200, 220], [160, 110, 60], [180, 180, 180]];
const PAPER = [232, 234, 240];
const NAMES = { x: 'x', y: 'y', x2: 'x²', y2: 'y²', xy: 'xy', sinx: 'sin x', siny: 'sin y' };

// Read by the browser test: how many times the surface has been drawn.
window.__playgroundFrames = 0;
window.__playgroundLosses = () => epochs.map((e) => e.test_loss);

let run = null, latest = null, dirty = false, epochs = [];

function form() {
  const f = new FormData($('playground-form'));
  const [output, cost] = String(f.get('output')).split(':');
  return {
    dataset: f.get('dataset'), noise: Number(f.get('noise')), test_ratio: Number(f.get('test_ratio')),
    features: f.getAll('features'),
    hidden: String(f.get('hidden')).split(',').map((s) => s.trim()).filter(Boolean).map(Number),
    activation: f.get('activation'), output, cost, eta: Number(f.get('eta')),
    batch_size: Number(f.get('batch_size')), alpha: Number(f.get('alpha')), dropout: Number(f.get('dropout')),
    epochs: Number(f.get('epochs')), epochs_per_second: Number(f.get('speed')), seed: Number(f.get('seed')),
  };
}

function colour(cls, level) {
  const c = PALETTE[cls % PALETTE.length], t = 0.85 * (level / 255);
  return [0, 1, 2].map((i) => PAPER[i] + (c[i] - PAPER[i]) * t);
}

function drawSurface() {
  const canvas = $('pg-surface'), ctx = canvas.getContext('2d');
  const { grid, scale } = run;
  const img = new ImageData(grid, grid);
  for (let i = 0; i < grid * grid; i++) {
    img.data.set([...colour(latest.class[i], latest.level[i]), 255], 4 * i);
  }
  const tmp = document.createElement('canvas');
  tmp.width = tmp.height = grid;
  tmp.getContext('2d').putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(tmp, 0, 0, canvas.width, canvas.height);
  const X = (x) => ((x + scale) / (2 * scale)) * canvas.width;
  const Y = (y) => ((scale - y) / (2 * scale)) * canvas.height;
  const test = $('pg-show-test').checked;
  for (const [set, ring] of [[run.train, '#fff'], ...(test ? [[run.test, '#111']] : [])]) {
    ctx.strokeStyle = ring;
    for (const [x, y, l] of set) {
      ctx.beginPath();
      ctx.arc(X(x), Y(y), 4, 0, 2 * Math.PI);
      // Darker than the surface's colour, so a point on its own class's ground still shows.
      ctx.fillStyle = `rgb(${PALETTE[l % PALETTE.length].map((v) => 0.75 * v).join(',')})`;
      ctx.fill();
      ctx.stroke();
    }
  }
  window.__playgroundFrames++;
}

function neuronPicture(values, side) {
  const img = new ImageData(side, side);
  values.forEach((v, i) => {
    // 127 is 0: blue above, orange below.
    const t = Math.abs(v - 127.5) / 127.5, c = PALETTE[v >= 127.5 ? 1 : 0];
    img.data.set([...[0, 1, 2].map((k) => PAPER[k] + (c[k] - PAPER[k]) * t), 255], 4 * i);
  });
  const tmp = document.createElement('canvas');
  tmp.width = tmp.height = side;
  tmp.getContext('2d').putImageData(img, 0, 0);
  return tmp;
}

function drawNetwork() {
  const canvas = $('pg-network'), ctx = canvas.getContext('2d');
  const { width: w, height: h } = canvas;
  ctx.clearRect(0, 0, w, h);
  const sizes = run.spec.sizes, box = 40;
  const shown = sizes.map((n) => Math.min(n, 16));
  const dx = (w - box - 80) / (sizes.length - 1);
  const pos = shown.map((n, l) => Array.from({ length: n }, (_, j) => [
    60 + l * dx, h / 2 + (j - (n - 1) / 2) * Math.min(box + 8, (h - 10) / n),
  ]));
  const weights = latest.weights;
  let top = 1e-6;
  weights.forEach((W) => W.forEach((row) => row.forEach((v) => { top = Math.max(top, Math.abs(v)); })));
  for (let l = 1; l < pos.length; l++) {
    pos[l].forEach(([bx, by], j) => pos[l - 1].forEach(([ax, ay], i) => {
      const v = weights[l - 1][j][i];
      ctx.strokeStyle = `rgba(${PALETTE[v >= 0 ? 1 : 0].join(',')},${0.25 + 0.75 * Math.abs(v) / top})`;
      ctx.lineWidth = 0.5 + 4 * Math.abs(v) / top;
      ctx.beginPath(); ctx.moveTo(ax + box / 2, ay); ctx.lineTo(bx - box / 2, by); ctx.stroke();
    }));
  }
  ctx.font = '11px system-ui';
  pos.forEach((layer, l) => layer.forEach(([x, y], j) => {
    if (l === 0) {
      ctx.fillStyle = '#e8ecf4';
      ctx.textAlign = 'right';
      ctx.fillText(run.names[j], x + box / 2, y + 4);
      ctx.textAlign = 'left';
      return;
    }
    const pic = neuronPicture(latest.neurons[l - 1][j], run.neuron_grid);
    ctx.drawImage(pic, x - box / 2, y - box / 2, box, box);
    ctx.strokeStyle = '#8b95ab';
    ctx.lineWidth = 1;
    ctx.strokeRect(x - box / 2, y - box / 2, box, box);
  }));
  // One colour scale per layer (full colour = the layer's largest |z|), printed below it.
  ctx.fillStyle = '#8b95ab';
  ctx.textAlign = 'center';
  pos.forEach((layer, l) => {
    if (l === 0 || !layer.length) return;
    const bottom = layer[layer.length - 1][1] + box / 2;
    ctx.fillText(`|z| ≤ ${latest.neuron_scales[l - 1].toFixed(2)}`, layer[0][0], Math.min(h - 2, bottom + 12));
  });
  ctx.textAlign = 'left';
}

function drawLoss() {
  const canvas = $('pg-loss'), ctx = canvas.getContext('2d');
  const { width: w, height: h } = canvas, pad = { l: 44, r: 10, t: 10, b: 22 };
  ctx.clearRect(0, 0, w, h);
  ctx.strokeStyle = '#34415f';
  ctx.strokeRect(pad.l, pad.t, w - pad.l - pad.r, h - pad.t - pad.b);
  ctx.font = '11px system-ui';
  ctx.fillStyle = '#8b95ab';
  ctx.fillText('epoch', w / 2 - 15, h - 6);
  if (!epochs.length) return;
  const top = Math.max(...epochs.map((e) => Math.max(e.train_loss, e.test_loss))) * 1.05 || 1;
  ctx.fillText(top.toFixed(2), 4, pad.t + 10);
  ctx.fillText('0', 30, h - pad.b);
  const X = (i) => pad.l + (i / Math.max(1, epochs.length - 1)) * (w - pad.l - pad.r);
  const Y = (v) => pad.t + (1 - v / top) * (h - pad.t - pad.b);
  [['train_loss', '#ffb347', 'train loss'], ['test_loss', '#5ad1a0', 'test loss']].forEach(([k, c, label], n) => {
    ctx.strokeStyle = ctx.fillStyle = c;
    ctx.lineWidth = 2;
    ctx.beginPath();
    epochs.forEach((e, i) => (i ? ctx.lineTo(X(i), Y(e[k])) : ctx.moveTo(X(i), Y(e[k]))));
    ctx.stroke();
    ctx.fillText(label, w - pad.r - 70, pad.t + 14 + 14 * n);
  });
}

// One redraw per animation frame at most, of the latest surface: a burst of events costs one.
function frame() {
  if (dirty && run && latest) {
    dirty = false;
    drawSurface();
    drawNetwork();
  }
  requestAnimationFrame(frame);
}

function running(on) {
  $('playground-start').disabled = on;
  ['pg-pause', 'pg-resume', 'pg-step', 'pg-stop'].forEach((id) => { $(id).disabled = !on; });
}

// The settings in the address (#playground?dataset=spiral&hidden=8,8&features=x…), so that a
// copied link opens the same run's form.
function share() {
  const params = new URLSearchParams();
  for (const [k, v] of new FormData($('playground-form'))) params.append(k, v);
  history.replaceState(null, '', `#playground?${params}`);
}

function restore() {
  if (!location.hash.startsWith('#playground')) return;
  document.querySelector('button.tab[data-tab=playground]').click();
  const params = new URLSearchParams(location.hash.split('?')[1] ?? '');
  const el = $('playground-form').elements;
  if (params.has('features')) {
    const on = params.getAll('features');
    document.querySelectorAll('#playground-form input[name=features]').forEach((c) => { c.checked = on.includes(c.value); });
  }
  for (const [k, v] of params) if (k !== 'features' && el[k]) el[k].value = v;
}

export function playground(events) {
  restore();
  $('playground-start').addEventListener('click', async () => {
    share();
    const res = await fetch('/api/playground/train', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(form()),
    });
    if (!res.ok) $('playground-status').textContent = (await res.json()).error;
  });
  for (const what of ['pause', 'resume', 'step', 'stop']) {
    $(`pg-${what}`).addEventListener('click', () => fetch(`/api/train/${what}`, { method: 'POST' }));
  }
  $('playground-csv').addEventListener('change', async (e) => {
    const file = e.target.files[0];
    if (!file) return;
    const res = await fetch('/api/playground/csv', { method: 'POST', body: await file.text() });
    const r = await res.json();
    $('playground-csv-status').textContent = res.ok ? `${r.rows} rows, ${r.classes} classes` : r.error;
    if (res.ok) {
      $('playground-form').elements.dataset.value = 'csv';
      if (r.classes > 2) $('playground-form').elements.output.value = 'softmax:log-likelihood';
    }
  });
  $('pg-show-test').addEventListener('change', () => { dirty = true; });
  events.addEventListener('playground-start', (e) => {
    run = JSON.parse(e.data);
    run.names = run.features.map((f) => NAMES[f]);
    latest = null;
    epochs = [];
    drawLoss();
    running(true);
    $('playground-status').textContent = 'training';
  });
  events.addEventListener('playground-surface', (e) => { latest = JSON.parse(e.data); dirty = true; });
  events.addEventListener('playground-epoch', (e) => {
    const r = JSON.parse(e.data);
    epochs.push(r);
    drawLoss();
    $('playground-status').textContent = `epoch ${r.epoch}: train loss ${r.train_loss.toFixed(3)}, `
      + `test loss ${r.test_loss.toFixed(3)}, test accuracy ${(100 * r.test_accuracy).toFixed(1)}%`;
  });
  events.addEventListener('playground-done', (e) => {
    const d = JSON.parse(e.data);
    running(false);
    $('playground-status').textContent += d.status === 'failed' ? ` — failed: ${d.error}` : ` — ${d.status}`;
  });
  drawLoss();
  requestAnimationFrame(frame);
}
