// "Step through one mini-batch": the lecture's equations for m samples (the drawing with its
// chosen target, then MNIST training images), one stage at a time, with the numbers of the
// chosen neuron j of layer l for every sample and their mean, all from /api/step.

// Four decimals, or three significant digits for the small deltas deep in a network.
const f = (v) => (v >= 0 ? ' ' : '') + (v === 0 || Math.abs(v) >= 0.001 ? v.toFixed(4) : v.toExponential(2));
const sup = (l) => String(l).split('').map((c) => '⁰¹²³⁴⁵⁶⁷⁸⁹'[c]).join('');
const col = (v, w = 11) => String(v).padStart(w);

// δ^L for the model's cost, in the cost's own form (the lecture's chapter 3 for cross-entropy).
const OUTPUT_DELTA = {
  quadratic: 'C_x = ½ Σ_j (y_j − z_j)², so ∇_z C = z − y and δᴸ = (z − y) ⊙ f′(aᴸ)',
  mse: 'C_x = 1/(2k) Σ_j (y_j − z_j)², so ∇_z C = (z − y)/k and δᴸ = (z − y)/k ⊙ f′(aᴸ)',
  'cross-entropy': 'C_x = −Σ_j [y_j ln z_j + (1 − y_j) ln(1 − z_j)], so ∂C/∂z_j = (z_j − y_j)/(z_j(1 − z_j)); with sigmoid outputs δᴸ = z − y',
  'log-likelihood': 'C_x = −Σ_j y_j ln z_j; with softmax outputs δᴸ = z − y',
};

function stages(d) {
  const L = d.sizes.length - 1;
  const out = [];
  for (let l = 1; l <= L; l++) out.push({ kind: 'forward', l });
  out.push({ kind: 'output', l: L });
  for (let l = L - 1; l >= 1; l--) out.push({ kind: 'back', l });
  out.push({ kind: 'gradient' }, { kind: 'mean' }, { kind: 'update' });
  return out;
}

function terms(list, a, b) {
  return list.map(([i, w, v]) => `${a}[${i}] ${f(w)} × ${b}[${i}] ${f(v)} = ${f(w * v)}`).join('\n    ');
}

// One row per sample of the batch: its source, then the columns asked for.
function table(d, head, cells, mean) {
  const rows = [col('sample', 14) + head.map((h) => col(h)).join('')];
  d.samples.forEach((s, i) => rows.push(col(`${i + 1} ${s.source}`, 14) + cells(s).map((v) => col(v)).join('')));
  if (mean) rows.push(col('mean', 14) + mean.map((v) => col(v)).join(''));
  return rows.join('\n');
}

function text(d, s) {
  const L = d.sizes.length - 1;
  const { layer: cl, neuron: j, m } = d;
  const act = d.activations[cl - 1];
  const batch = `mini-batch of m = ${m}: ${m === 1 ? 'the drawing alone' : `the drawing, then MNIST training images #${d.first} to #${d.first + m - 2}`}`;
  const here = `(numbers: neuron j = ${j} of layer ${cl}; choose another layer or neuron above)`;
  switch (s.kind) {
    case 'forward': {
      const l = s.l;
      const head = `Feedforward, layer ${l} of ${L} (${d.sizes[l]} ${d.activations[l - 1]} neurons), for every sample of the ${batch}
  aˡ = Wˡ zˡ⁻¹ + bˡ,  zˡ = f(aˡ):   a${sup(l)}_j = Σ_k w${sup(l)}_jk z${sup(l - 1)}_k + b${sup(l)}_j,  z${sup(l)}_j = ${d.activations[l - 1]}(a${sup(l)}_j)
  (k over the ${d.sizes[l - 1]} ${l === 1 ? 'input pixels' : `neurons of layer ${l - 1}`})`;
      if (l === cl) {
        return `${head}
  sample 1, neuron j = ${j}: the largest of the ${d.sizes[l - 1]} terms w${sup(l)}_jk z${sup(l - 1)}_k:
    ${terms(d.samples[0].forward_terms, 'w', 'z')}
${table(d, [`a${sup(l)}_${j}`, `z${sup(l)}_${j}`], (x) => [f(x.a), f(x.z)])}`;
      }
      if (l === L) {
        return `${head}
  the output layer's answer for each sample:
${table(d, ['target', 'predicted', 'C_x'], (x) => [x.label, x.prediction, f(x.cost)])}
  ${here}`;
      }
      return `${head}\n  ${here}`;
    }
    case 'output': {
      const head = `Output error, layer ${L}: δᴸ = ∇_z C ⊙ f′(aᴸ) for each sample, targets y = one-hot(label)
  cost ${d.cost_name}: ${OUTPUT_DELTA[d.cost_name] ?? ''}
  mean cost of the mini-batch C = (1/m) Σ_x C_x = ${f(d.mean.cost)}`;
      if (cl !== L) return `${head}\n  ${here}`;
      const fp = d.samples[0].fprime !== null;
      return `${head}
  neuron j = ${j}: δ${sup(L)}_j = ∂C_x/∂z${sup(L)}_j · f′(a${sup(L)}_j)${fp ? '' : '  (softmax: δᴸ = (∂z/∂a)ᵀ ∇_z C, every z depends on every a)'}
${table(d, ['y_j', `z${sup(L)}_j`, '∂C/∂z_j', ...(fp ? ['f′(a_j)'] : []), `δ${sup(L)}_j`],
    (x) => [x.y, f(x.z), f(x.grad_z), ...(fp ? [f(x.fprime)] : []), f(x.delta)])}`;
    }
    case 'back': {
      const l = s.l;
      const head = `Backpropagate to layer ${l}: δˡ = ((Wˡ⁺¹)ᵀ δˡ⁺¹) ⊙ f′(aˡ) for each sample
  δ${sup(l)}_j = (Σ_i w${sup(l + 1)}_ij δ${sup(l + 1)}_i) · f′(a${sup(l)}_j)     (i over the ${d.sizes[l + 1]} neurons of layer ${l + 1})`;
      if (l !== cl) return `${head}\n  ${here}`;
      return `${head}
  sample 1, neuron j = ${j}: the largest terms w${sup(l + 1)}_ij δ${sup(l + 1)}_i:
    ${terms(d.samples[0].back_terms, 'w', 'δ')}
${table(d, ['Σ w δ', 'f′(a_j)', `δ${sup(l)}_j`], (x) => [f(x.back_sum), f(x.fprime), f(x.delta)])}`;
    }
    case 'gradient':
      return `Gradients of each sample's cost C_x, layer ${cl}, neuron j = ${j}
  ∂C_x/∂b${sup(cl)}_j = δ${sup(cl)}_j,   ∂C_x/∂w${sup(cl)}_jk = z${sup(cl - 1)}_k δ${sup(cl)}_j
  (shown for the ${d.shown.length} weights w${sup(cl)}_jk with the largest mean gradient: k = ${d.shown.join(', ')})
${table(d, ['δ = ∂C/∂b', ...d.shown.flatMap((k) => [`z${sup(cl - 1)}_${k}`, `∂C/∂w_j${k}`])],
    (x) => [f(x.delta), ...x.inputs.flatMap((z, i) => [f(z), f(x.weight_grads[i])])])}`;
    case 'mean':
      return `The mini-batch's gradient: the mean over its m = ${m} samples
  ∂C/∂w${sup(cl)}_jk = (1/m) Σ_x ∂C_x/∂w${sup(cl)}_jk,   ∂C/∂b${sup(cl)}_j = (1/m) Σ_x δ${sup(cl)}_j
${table(d, ['∂C/∂b', ...d.shown.map((k) => `∂C/∂w_j${k}`)], (x) => [f(x.delta), ...x.weight_grads.map(f)],
    [f(d.mean.delta), ...d.mean.weights.map(f)])}`;
    default: {
      const { bias, weights, applied } = d.update;
      const line = (name, [before, after], g) => `  ${name.padEnd(10)} ${f(before)} − ${d.eta} × ${f(g)} = ${f(after)}`;
      return `Gradient descent, one step with η = ${d.eta} on the m = ${m} samples
  w ← w − (η/m) Σ_x ∂C_x/∂w,   b ← b − (η/m) Σ_x ∂C_x/∂b     (the training engine's own SGD step)
${line(`b${sup(cl)}_${j}`, bias, d.mean.delta)}
${weights.map((w, i) => line(`w${sup(cl)}_${j},${d.shown[i]}`, w, d.mean.weights[i])).join('\n')}
  ${applied ? 'applied: the canvas now uses the network after this step' : '"Apply this step" gives it to the model the canvas uses'}`;
    }
  }
}

export function stepper(pixels, note, applied) {
  const $ = (id) => document.getElementById(id);
  let data = null, at = 0, list = [];

  async function load(apply = false) {
    const num = (id) => Number($(id).value);
    const res = await fetch('/api/step', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        pixels: pixels(), label: num('step-label'), m: num('step-m'), first: num('step-first'),
        layer: num('step-layer'), neuron: num('step-neuron'), eta: num('step-eta'), apply,
      }),
    });
    const r = await res.json();
    if (!res.ok) { note(r.error); data = null; return false; }
    data = r; list = stages(r);
    $('step-layer').max = r.sizes.length - 1;
    $('step-neuron').max = r.sizes[r.layer] - 1;
    $('step-note').textContent = r.note ?? '';
    return true;
  }

  function show() {
    at = Math.min(at, list.length - 1);
    $('step-stage').textContent = `step ${at + 1} of ${list.length}`;
    $('step-text').textContent = text(data, list[at]);
  }

  async function go(by) {
    if (!data && !(await load())) return;
    at = Math.min(Math.max(0, at + by), list.length - 1);
    show();
  }

  $('step-next').addEventListener('click', () => go(data ? 1 : 0));
  $('step-back').addEventListener('click', () => go(-1));
  $('step-apply').addEventListener('click', async () => {
    if (!(await load(true))) return;
    at = list.length - 1;
    show();
    data = null; // the model has moved: the next stage asks again
    applied();
  });
  // A new choice: the numbers are fetched again, at the same stage.
  for (const id of ['step-label', 'step-m', 'step-first', 'step-layer', 'step-neuron', 'step-eta']) {
    $(id).addEventListener('change', async () => { const shown = data; data = null; if (shown && (await load())) show(); });
  }
  // A new drawing or a new model: the numbers are fetched again at the next step.
  return { reset() { data = null; at = 0; } };
}
