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

    // Step through backpropagation for the last drawing: feedforward, the output error, back.
    await page.getByTestId('step-next').click();
    await page.waitForFunction(() => document.getElementById('step-text').textContent.startsWith('Feedforward, layer 1'));
    for (let k = 0; k < 2; k++) await page.getByTestId('step-next').click();
    const stepText = await page.getByTestId('step-text').textContent();
    check(stepText.startsWith('Output error, layer 2') && stepText.includes('δ²_j'), 'the step-through reaches the output error');
    await page.getByTestId('step-next').click();

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
    console.log(`screenshots in ${out}/digits.png, gates.png`);
    if (failed) throw failed;
    console.log('browser test: passed');
  } finally {
    await browser.close();
  }
})().catch((e) => {
  console.error(`browser test failed: ${e.message}`);
  process.exit(1);
});
