// "Step through": the lecture's equations for one sample (the drawing, with the target digit
// chosen), one stage at a time, with the numbers of neuron j from /api/step.

// Four decimals, or three significant digits for the small deltas deep in a network.
const f = (v) => (v >= 0 ? ' ' : '') + (v === 0 || Math.abs(v) >= 0.001 ? v.toFixed(4) : v.toExponential(2));
const sup = (l) => String(l).split('').map((c) => '⁰¹²³⁴⁵⁶⁷⁸⁹'[c]).join('');

function stages(d) {
  const L = d.layers.length;
  const out = [];
  for (let l = 1; l <= L; l++) out.push({ kind: 'forward', l });
  out.push({ kind: 'output', l: L });
  for (let l = L - 1; l >= 1; l--) out.push({ kind: 'back', l });
  out.push({ kind: 'gradient', l: 1 });
  return out;
}

function terms(list, a, b) {
  return list.map(([i, w, v]) => `${a}[${i}] ${f(w)} × ${b}[${i}] ${f(v)} = ${f(w * v)}`).join('\n    ');
}

function text(d, s, jWanted) {
  const L = d.layers.length;
  const layer = d.layers[s.l - 1];
  const n = layer.a.length;
  const j = Math.min(Math.max(0, jWanted), n - 1);
  const l = s.l;
  const fp = layer.fprime ? f(layer.fprime[j]) : null;
  switch (s.kind) {
    case 'forward':
      return `Feedforward, layer ${l} of ${L} (${n} ${layer.activation} neurons), neuron j = ${j}
  a${sup(l)}_j = Σ_k w${sup(l)}_jk z${sup(l - 1)}_k + b${sup(l)}_j     (k over the ${layer.inputs} ${l === 1 ? 'input pixels' : `neurons of layer ${l - 1}`})
  the largest of the ${layer.inputs} terms:
    ${terms(layer.forward_terms[j], 'w', 'z')}
  b${sup(l)}_j = ${f(layer.bias[j])}
  a${sup(l)}_j = ${f(layer.a[j])}
  z${sup(l)}_j = f(a${sup(l)}_j) = ${layer.activation}(${f(layer.a[j])}) = ${f(layer.z[j])}`;
    case 'output': {
      const y = j === d.label ? 1 : 0;
      const how = layer.fprime
        ? `δ${sup(L)}_j = ∂C/∂z${sup(L)}_j · f′(a${sup(L)}_j) = ${f(d.grad_z[j])} × ${fp} = ${f(layer.delta[j])}`
        : `δ${sup(L)} = (∂z/∂a)ᵀ ∇_z C  (softmax: every z depends on every a) → δ${sup(L)}_j = ${f(layer.delta[j])}`;
      return `Output error, layer ${L}, neuron j = ${j}; target y = one-hot(${d.label}), so y_j = ${y}
  cost (${d.cost_name}) of this sample: C_x = ${f(d.cost)}
  δ${sup(L)} = ∇_z C ⊙ f′(a${sup(L)})
  z${sup(L)}_j = ${f(layer.z[j])},  ∂C/∂z${sup(L)}_j = ${f(d.grad_z[j])}
  ${how}`;
    }
    case 'back': {
      const next = d.layers[l];
      return `Backpropagate to layer ${l}, neuron k = ${j}
  δ${sup(l)}_k = (Σ_j w${sup(l + 1)}_jk δ${sup(l + 1)}_j) · f′(a${sup(l)}_k)     (j over the ${next.a.length} neurons of layer ${l + 1})
  the largest terms:
    ${terms(layer.back_terms[j], 'w', 'δ')}
  Σ_j w${sup(l + 1)}_jk δ${sup(l + 1)}_j = ${f(layer.back_sum[j])}
  f′(a${sup(l)}_k) = ${fp}
  δ${sup(l)}_k = ${f(layer.back_sum[j])} × ${fp} = ${f(layer.delta[j])}`;
    }
    default: {
      const [k, , z] = layer.forward_terms[j][0];
      return `Gradients for this sample, layer 1, neuron j = ${j}
  ∂C/∂b¹_j = δ¹_j = ${f(layer.delta[j])}
  ∂C/∂w¹_jk = z⁰_k δ¹_j; for its largest input k = ${k}: ${f(z)} × ${f(layer.delta[j])} = ${f(z * layer.delta[j])}
  (every layer alike: ∂C/∂wˡ_jk = zˡ⁻¹_k δˡ_j)
  Gradient descent on a mini-batch of m samples: w ← w − (η/m) Σ_x ∂C_x/∂w,  b ← b − (η/m) Σ_x ∂C_x/∂b`;
    }
  }
}

export function stepper(pixels, note) {
  const $ = (id) => document.getElementById(id);
  let data = null, at = 0, list = [];

  async function load() {
    const res = await fetch('/api/step', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ pixels: pixels(), label: Number($('step-label').value) }),
    });
    const r = await res.json();
    if (!res.ok) { note(r.error); return false; }
    data = r; list = stages(r);
    return true;
  }

  function show() {
    const s = list[at];
    $('step-stage').textContent = `step ${at + 1} of ${list.length}`;
    $('step-text').textContent = text(data, s, Number($('step-neuron').value));
  }

  async function go(by) {
    if (!data && !(await load())) return;
    at = Math.min(Math.max(0, at + by), list.length - 1);
    show();
  }

  $('step-next').addEventListener('click', () => go(data ? 1 : 0));
  $('step-back').addEventListener('click', () => go(-1));
  $('step-neuron').addEventListener('input', () => { if (data) show(); });
  $('step-label').addEventListener('change', async () => { data = null; if (await load()) show(); });
  // A new drawing or a new model: the numbers are fetched again at the next step.
  return { reset() { data = null; at = 0; } };
}
