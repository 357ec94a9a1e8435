// The Gates tab: the truth tables the server's perceptrons compute.

function table(title, head, rows) {
  const t = document.createElement('table');
  const cap = document.createElement('caption');
  cap.textContent = title;
  t.append(cap);
  const tr = document.createElement('tr');
  head.forEach((h) => { const th = document.createElement('th'); th.innerHTML = h; tr.append(th); });
  t.append(tr);
  for (const row of rows) {
    const r = document.createElement('tr');
    r.dataset.x = `${row[0]}${row[1]}`;
    row.forEach((v, i) => {
      const td = document.createElement('td');
      td.textContent = v;
      if (i >= 2 && head[i] !== 'w·x + b' && v === 1) td.className = 'one';
      r.append(td);
    });
    t.append(r);
  }
  return t;
}

// The inputs chosen with the toggles; their row is lit in every table.
const inputs = [0, 1];

function light(el) {
  el.querySelectorAll('tr[data-x]').forEach((tr) => {
    tr.classList.toggle('lit', tr.dataset.x === `${inputs[0]}${inputs[1]}`);
  });
}

export async function showGates(el) {
  const g = await (await fetch('/api/gates')).json();
  el.replaceChildren();
  const toggles = document.createElement('div');
  toggles.className = 'toggles';
  inputs.forEach((_, i) => {
    const b = document.createElement('button');
    b.dataset.testid = `gate-x${i + 1}`;
    const label = () => { b.textContent = `x${'₁₂'[i]} = ${inputs[i]}`; };
    label();
    b.addEventListener('click', () => { inputs[i] = 1 - inputs[i]; label(); light(el); });
    toggles.append(b);
  });
  el.append(toggles);
  for (const name of ['nand', 'and', 'or']) {
    const p = g[name];
    el.append(table(`${name.toUpperCase()}: w = (${p.weights.join(', ')}), b = ${p.bias}`,
      ['x₁', 'x₂', 'w·x + b', 'output'], p.rows));
  }
  el.append(table('XOR from four NANDs', ['x₁', 'x₂', 'XOR'], g.xor));
  el.append(table('half adder', ['x₁', 'x₂', 'sum', 'carry'], g.half_adder));
  light(el);
}
