// The browser half of scripts/test-web.sh: node scripts/test-web.cjs URL MNIST_DIR OUT_DIR.
// Any failed check throws, so node exits non-zero.
const { chromium } = require('playwright-core');
const fs = require('fs');
const zlib = require('zlib');
const path = require('path');

const [url, mnist, out] = process.argv.slice(2);

function idx(name) {
  const file = path.join(mnist, name);
  const raw = fs.existsSync(file) ? fs.readFileSync(file) : zlib.gunzipSync(fs.readFileSync(file + '.gz'));
  const dims = raw[3];
  return raw.subarray(4 + 4 * dims);
}

function check(ok, message) {
  if (!ok) throw new Error(message);
  console.log(`ok: ${message}`);
}

// Strokes along an MNIST image's ink: one mouse drag per run of inked pixels in each row.
async function drawDigit(page, pixels) {
  // The whole canvas in the viewport (clicking the train button lower down scrolled the page).
  await page.evaluate(() => window.scrollTo(0, 0));
  const box = await page.getByTestId('draw').boundingBox();
  const cell = box.width / 28;
  for (let r = 0; r < 28; r++) {
    let c = 0;
    while (c < 28) {
      if (pixels[r * 28 + c] < 128) { c++; continue; }
      const start = c;
      while (c < 28 && pixels[r * 28 + c] >= 128) c++;
      const y = box.y + (r + 0.5) * cell;
      await page.mouse.move(box.x + (start + 0.5) * cell, y);
      await page.mouse.down();
      await page.mouse.move(box.x + (c - 0.5) * cell, y, { steps: 2 });
      await page.mouse.up();
    }
  }
}

// The prediction once the page has answered the whole drawing (no request in flight).
async function settledPrediction(page) {
  await page.waitForTimeout(100);
  await page.waitForFunction(() => document.body.dataset.busy === '0', null, { timeout: 10_000 });
  return page.getByTestId('prediction').textContent();
}

(async () => {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  let failed = null;
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('pageerror', (e) => { failed = failed ?? new Error(`page error: ${e.message}`); });
    // A missing file or a server error fails the test; a 422 (a stroke too faint to be a
    // digit yet) is the page's to show, and is printed.
    page.on('response', async (r) => {
      if ((r.status() === 404 && !r.url().endsWith('/favicon.ico')) || r.status() >= 500) {
        failed = failed ?? new Error(`${r.status()} for ${r.url()}`);
      } else if (r.status() >= 400) {
        console.log(`${r.status()} for ${r.url()}: ${await r.text()}`);
      }
    });
    const start = Date.now();
    await page.goto(url);
    await page.getByTestId('draw').waitFor();
    console.log(`page loaded in ${Date.now() - start} ms`);
    // A page that failed to load its modules fails here, not after a long wait.
    await page.waitForTimeout(300);
    if (failed) throw failed;

    // A short run: three epochs on the first 20 000 training images (curves of three points).
    await page.fill('input[name=epochs]', '3');
    await page.fill('input[name=train_samples]', '20000');
    await page.getByTestId('train-start').click();
    await page.locator('#epochs .epoch').first().waitFor({ timeout: 300_000 });
    const epochLine = await page.locator('#epochs .epoch').first().textContent();
    check(/^epoch 1: cost [0-9.]+, test \d+ \/ 10000$/.test(epochLine), `an epoch arrived: "${epochLine}"`);
    await page.waitForFunction(() => document.getElementById('train-status').textContent === 'finished',
      null, { timeout: 300_000 });
    check(await page.locator('#epochs .epoch').count() === 3, 'three epochs arrived');
    check(await page.locator('#weights canvas').count() === 30, 'first-layer weights drawn for 30 neurons');

    const images = idx('t10k-images-idx3-ubyte');
    const labels = idx('t10k-labels-idx1-ubyte');
    let right = 0;
    const shown = [];
    for (let i = 0; i < 10; i++) {
      await page.getByTestId('clear').click();
      await drawDigit(page, images.subarray(i * 784, (i + 1) * 784));
      const said = await settledPrediction(page);
      shown.push(`${labels[i]}→${said}`);
      if (Number(said) === labels[i]) right++;
      check(await page.locator('[data-testid=probabilities] .bar').count() === 10, `10 bars for digit ${i}`);
    }
    console.log(`label→shown: ${shown.join(' ')}`);
    check(right >= 9, `${right} of 10 drawn MNIST test digits shown as their label`);

    // Step through one mini-batch: the last drawing and MNIST training images #0 … #8 (m = 10),
    // at neuron 3 of layer 1: feedforward, the output error, back, gradients, mean, update.
    await page.fill('#step-m', '10');
    await page.fill('#step-layer', '1');
    await page.fill('#step-neuron', '3');
    await page.getByTestId('step-next').click();
    await page.waitForFunction(() => document.getElementById('step-text').textContent.startsWith('Feedforward, layer 1'));
    const rows = (t) => t.split('\n').filter((line) => /^\s*\d+ (drawing|MNIST #\d+)/.test(line));
    let stepText = await page.getByTestId('step-text').textContent();
    check(rows(stepText).length === 10 && stepText.includes('10 MNIST #8'), 'feedforward shows a row per sample of m = 10');
    const stageIs = (start) => page.waitForFunction((s) => document.getElementById('step-text').textContent.startsWith(s), start);
    await page.getByTestId('step-next').click();
    await page.getByTestId('step-next').click();
    await stageIs('Output error, layer 2');
    await page.getByTestId('step-next').click();
    await stageIs('Backpropagate to layer 1');
    stepText = await page.getByTestId('step-text').textContent();
    check(rows(stepText).length === 10 && stepText.includes('δ¹_j'), 'the deltas backwards, a row per sample');
    await page.getByTestId('step-next').click();
    await page.getByTestId('step-next').click();
    await stageIs("The mini-batch's gradient");
    stepText = await page.getByTestId('step-text').textContent();
    const meanRow = stepText.split('\n').find((line) => /^\s*mean /.test(line));
    check(rows(stepText).length === 10 && meanRow !== undefined, `per-sample gradients and their mean: "${meanRow?.trim()}"`);
    // The mean row is the mean of the rows above it (∂C/∂b = (1/m) Σ_x δ_x), to the digits shown.
    const column = (line) => Number(line.trim().split(/\s+/).at(-4));
    const deltas = rows(stepText).map(column);
    const shownMean = deltas.reduce((a, b) => a + b, 0) / deltas.length;
    // What rounding to the shown digits can move a number by: 4 decimals, or 3 significant digits.
    const slack = (v) => (Math.abs(v) >= 0.001 ? 5e-5 : 5e-3 * Math.abs(v));
    const allowed = deltas.reduce((a, v) => a + slack(v), 0) / deltas.length + slack(column(meanRow));
    check(Math.abs(shownMean - column(meanRow)) <= allowed,
      `the mean ∂C/∂b ${column(meanRow)} is the rows' mean ${shownMean.toExponential(3)}`);
    await page.getByTestId('step-next').click();
    await stageIs('Gradient descent, one step');
    await page.getByTestId('step-apply').click();
    await page.waitForFunction(() => document.getElementById('step-text').textContent.includes('applied:'));
    await page.waitForFunction(() => document.getElementById('model-info').textContent.endsWith('+ 1 SGD step'));
    check(true, `"apply this step" moves the served model: "${await page.getByTestId('model-info').textContent()}"`);
    // For the screenshot: the output error of neuron 9 in layer 2, a row per sample.
    await page.fill('#step-layer', '2');
    await page.fill('#step-neuron', '9');
    for (let k = 0; k < 4; k++) await page.getByTestId('step-back').click();
    await stageIs('Output error, layer 2');
    stepText = await page.getByTestId('step-text').textContent();
    check(rows(stepText).length === 10 && stepText.includes('δ²_j'), 'the output error of neuron 9, a row per sample');

    // Timing of one prediction as the page makes it.
    const first = Array.from(images.subarray(0, 784), (v) => v / 255);
    const ms = await page.evaluate(async (pixels) => {
      const t = performance.now();
      for (let k = 0; k < 20; k++) {
        await fetch('/api/predict', { method: 'POST', body: JSON.stringify({ pixels }) });
      }
      return (performance.now() - t) / 20;
    }, first);
    console.log(`POST /api/predict: ${ms.toFixed(1)} ms per request from the page`);
    check(ms < 50, 'a prediction takes under 50 ms');

    await page.screenshot({ path: path.join(out, 'digits.png'), fullPage: true });
    await page.click('button.tab[data-tab=gates]');
    await page.getByTestId('gate-tables').locator('table').nth(4).waitFor();
    // x = (0, 1) lit at first; x₁ toggled to 1 lights (1, 1), where NAND gives 0 and carry 1.
    await page.getByTestId('gate-x1').click();
    const lit = await page.locator('tr.lit').first().textContent();
    check(lit === '11-10', `toggling x₁ lights NAND's row (1, 1): "${lit}"`);
    await page.screenshot({ path: path.join(out, 'gates.png'), fullPage: true });

    // The Playground: a 2-4-4-1 tanh network on the circle, trained live.
    await page.click('button.tab[data-tab=playground]');
    await page.getByTestId('playground-start').click();
    await page.waitForFunction(() => window.__playgroundFrames > 0, null, { timeout: 30_000 });
    const frames0 = await page.evaluate(() => window.__playgroundFrames);
    const t0 = Date.now();
    await page.waitForTimeout(2000);
    const frames1 = await page.evaluate(() => window.__playgroundFrames);
    const fps = (frames1 - frames0) / ((Date.now() - t0) / 1000);
    console.log(`playground surface redraws: ${fps.toFixed(1)} frames/s over 2 s (2-4-4-1 network, circle)`);
    check(fps >= 30, 'the decision surface redraws at least 30 times a second while training');
    await page.waitForFunction(() => /^epoch (\d+)/.exec(document.getElementById('playground-status').textContent)?.[1] >= 80,
      null, { timeout: 60_000 });
    const losses = await page.evaluate(() => window.__playgroundLosses());
    check(losses.length >= 80, `the loss chart has ${losses.length} epochs`);
    const [lossFirst, lossLast] = [losses[0], losses[losses.length - 1]];
    check(lossLast < lossFirst, `the test loss falls: ${lossFirst.toFixed(3)} → ${lossLast.toFixed(3)}`);
    await page.getByTestId('playground-stop').click();
    await page.waitForFunction(() => document.getElementById('playground-status').textContent.endsWith('stopped'));
    await page.screenshot({ path: path.join(out, 'playground.png'), fullPage: true });

    // A CSV of three classes, uploaded and trained on with a softmax output.
    let csv = 'x,y,label\n';
    for (let i = 0; i < 90; i++) {
      const a = (i % 3) * 2.1 + (i / 90), r = 1 + 4 * ((i * 7) % 10) / 10;
      csv += `${(r * Math.cos(a)).toFixed(3)},${(r * Math.sin(a)).toFixed(3)},${i % 3}\n`;
    }
    await page.getByTestId('playground-csv').setInputFiles({ name: 'three.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.waitForFunction(() => document.getElementById('playground-csv-status').textContent === '90 rows, 3 classes');
    check(true, 'a 90-row CSV of three classes uploaded');
    await page.fill('#playground-form input[name=epochs]', '30');
    await page.fill('#playground-form input[name=speed]', '60');
    await page.getByTestId('playground-start').click();
    await page.waitForFunction(() => document.getElementById('playground-status').textContent.endsWith('finished'),
      null, { timeout: 60_000 });
    check(true, `the CSV trains: "${await page.getByTestId('playground-status').textContent()}"`);
    check((await page.evaluate(() => location.hash)).includes('dataset=csv'), 'the settings are in the address');
    // A shared address opens the Playground with its settings.
    const shared = await browser.newPage();
    await shared.goto(`${url}#playground?dataset=spiral&hidden=8%2C8&features=x&features=sinx`);
    await shared.getByTestId('playground-start').waitFor();
    const form = await shared.evaluate(() => {
      const el = document.getElementById('playground-form').elements;
      const on = [...document.querySelectorAll('#playground-form input[name=features]:checked')].map((c) => c.value);
      return `${el.dataset.value} ${el.hidden.value} ${on.join('+')} ${document.getElementById('playground').classList.contains('active')}`;
    });
    check(form === 'spiral 8,8 x+sinx true', `a shared address fills the form: "${form}"`);
    await shared.close();
    console.log(`screenshots in ${out}/digits.png, gates.png, playground.png`);
    if (failed) throw failed;
    console.log('browser test: passed');
  } finally {
    await browser.close();
  }
})().catch((e) => {
  console.error(`browser test failed: ${e.message}`);
  process.exit(1);
});
