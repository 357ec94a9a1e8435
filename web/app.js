// The page's wiring: the drawing asks /api/predict (one request at a time, the latest drawing
// next), the training form posts to /api/train, and /api/events streams the run back.

import { drawingPad } from '/draw.js';
import { bars, network, curves, weights } from '/charts.js';
import { showGates } from '/gates.js';
import { stepper } from '/step.js';
import { playground } from '/playground.js';

const $ = (id) => document.getElementById(id);

// Tabs.
document.querySelectorAll('button.tab').forEach((b) => b.addEventListener('click', () => {
  document.querySelectorAll('button.tab').forEach((x) => x.classList.toggle('active', x === b));
  document.querySelectorAll('.panel').forEach((p) => p.classList.toggle('active', p.id === b.dataset.tab));
  if (b.dataset.tab === 'gates') showGates($('gate-tables'));
}));

// Predictions while drawing.
let asking = false, again = false;
const pad = drawingPad($('draw'), () => { steps.reset(); predict(); });
const steps = stepper(() => pad.pixels(), (message) => { $('step-text').textContent = message; },
  // After "apply": the model's new numbers, the target digit kept as chosen.
  async () => { const y = $('step-label').value; showModel(); await predict(); $('step-label').value = y; });

async function predict() {
  if (!pad.inked()) return;
  if (asking) { again = true; return; }
  asking = true;
  // Read by the browser test: "1" while the shown prediction may be behind the drawing.
  document.body.dataset.busy = '1';
  try {
    const res = await fetch('/api/predict', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ pixels: pad.pixels() }),
    });
    const r = await res.json();
    if (!res.ok) {
      $('predict-note').textContent = r.error;
      return;
    }
    $('prediction').textContent = r.prediction;
    $('step-label').value = String(r.prediction);
    bars($('probabilities'), r.probabilities, r.probabilities.indexOf(Math.max(...r.probabilities)));
    $('predict-note').textContent = r.output === 'softmax'
      ? 'bars: softmax probabilities' : `bars: each output neuron's activation (${r.output})`;
    network($('network'), r.input, r.activations);
  } finally {
    asking = false;
    if (again) { again = false; predict(); } else document.body.dataset.busy = '0';
  }
}

$('clear').addEventListener('click', () => {
  pad.clear();
  $('prediction').textContent = '–';
  $('probabilities').replaceChildren();
  $('network').getContext('2d').clearRect(0, 0, 560, 300);
});

async function showModel() {
  const m = await (await fetch('/api/model')).json();
  $('model-info').textContent = m.loaded
    ? `model ${m.sizes.join('-')} (${m.activations[0]}), ${m.source}` : 'no model yet: train one below';
}
showModel();

// Training.
function form() {
  const f = new FormData($('train-form'));
  return {
    hidden: String(f.get('hidden')).split(',').map((s) => s.trim()).filter(Boolean).map(Number),
    activation: f.get('activation'),
    eta: Number(f.get('eta')),
    batch_size: Number(f.get('batch_size')),
    epochs: Number(f.get('epochs')),
    train_samples: Number(f.get('train_samples')),
  };
}

function running(on) {
  $('train-start').disabled = on;
  ['train-pause', 'train-resume', 'train-stop'].forEach((id) => { $(id).disabled = !on; });
}

$('train-start').addEventListener('click', async () => {
  const res = await fetch('/api/train', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(form()),
  });
  if (!res.ok) $('train-status').textContent = (await res.json()).error;
});
for (const what of ['pause', 'resume', 'stop']) {
  $(`train-${what}`).addEventListener('click', () => fetch(`/api/train/${what}`, { method: 'POST' }));
}

let epochs = [];
const events = new EventSource('/api/events');
events.addEventListener('start', () => {
  epochs = [];
  curves($('loss-chart'), epochs);
  $('epochs').textContent = '';
  running(true);
});
events.addEventListener('status', (e) => { $('train-status').textContent = JSON.parse(e.data).message; });
events.addEventListener('batches', (e) => {
  const b = JSON.parse(e.data);
  $('progress-bar').style.width = `${(100 * b.done) / b.total}%`;
  $('train-status').textContent = `epoch ${b.epoch}: mini-batch ${b.done} of ${b.total}`;
});
events.addEventListener('epoch', (e) => {
  const r = JSON.parse(e.data);
  epochs.push(r);
  curves($('loss-chart'), epochs);
  const line = document.createElement('div');
  line.className = 'epoch';
  line.textContent = `epoch ${r.epoch}: cost ${r.train_cost.toFixed(4)}, test ${r.test_correct} / ${r.test_total}`;
  $('epochs').append(line);
});
events.addEventListener('weights', (e) => weights($('weights'), JSON.parse(e.data).pictures));
events.addEventListener('model', () => { showModel(); steps.reset(); predict(); });
events.addEventListener('done', (e) => {
  const d = JSON.parse(e.data);
  running(false);
  $('train-status').textContent = d.status === 'failed' ? `failed: ${d.error}` : d.status;
});
curves($('loss-chart'), epochs);
playground(events);
