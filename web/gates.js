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

export async function showGates(el) {
  const g = await (await fetch('/api/gates')).json();
  el.replaceChildren();
  for (const name of ['nand', 'and', 'or']) {
    const p = g[name];
    el.append(table(`${name.toUpperCase()}: w = (${p.weights.join(', ')}), b = ${p.bias}`,
      ['x₁', 'x₂', 'w·x + b', 'output'], p.rows));
  }
  el.append(table('XOR from four NANDs', ['x₁', 'x₂', 'XOR'], g.xor));
  el.append(table('half adder', ['x₁', 'x₂', 'sum', 'carry'], g.half_adder));
}
