// The notes PWA in headless Chromium: it loads cleanly, reads a line written with the mouse
// (the replayed pen strokes of a known line), reads an uploaded image, and works offline.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { start } from './harness.mjs';

const FIXTURES = new URL('../fixtures/', import.meta.url);
const [FIXTURE, EXPECTED] = readFileSync(new URL('gt.tsv', FIXTURES), 'utf8').trim().split('\t');
const STROKES = JSON.parse(readFileSync(new URL('strokes.json', FIXTURES), 'utf8'));

let h;
let page;

before(async () => {
  h = await start();
  page = await h.page('/www/?backend=cpu');
  await page.waitForSelector('body[data-ready="true"]', { timeout: 120_000 });
});

after(async () => {
  await h?.close();
});

/** Replays strokes on the pad as mouse drags, relative to the canvas. */
async function write(strokes, dy = 0) {
  const box = await page.locator('#pad').boundingBox();
  for (const s of strokes) {
    const [x0, y0] = s[0];
    await page.mouse.move(box.x + x0, box.y + y0 + dy);
    await page.mouse.down();
    for (const [x, y] of s.slice(1)) await page.mouse.move(box.x + x, box.y + y + dy);
    await page.mouse.up();
  }
}

async function upload() {
  await page.setInputFiles('#file', fileURLToPath(new URL(FIXTURE, FIXTURES)));
  await page.waitForFunction(
    (text) => [...document.querySelectorAll('#rows input')].some((i) => i.value === text),
    EXPECTED,
    { timeout: 60_000 },
  );
}

test('the app loads without console errors and shows its backend', async () => {
  assert.equal(await page.locator('#backend').getAttribute('data-backend'), 'cpu');
  assert.equal(await page.locator('body').getAttribute('data-reader'), 'worker');
  assert.deepEqual(h.errors, []);
});

test('a line written on the pad is read as its text', async () => {
  await write(STROKES.strokes);
  await page.waitForFunction(() => document.querySelector('#line-text-0')?.value, null, {
    timeout: 60_000,
  });
  assert.equal(await page.locator('#line-text-0').inputValue(), STROKES.text);
  // Timings are out of the way until Details is on.
  const meta = page.locator('#rows .meta .detail').first();
  assert.equal(await meta.isVisible(), false);
  await page.click('#details');
  assert.match(await meta.textContent(), /\d+ ms on cpu, confidence \d+%/);
  assert.equal(await meta.isVisible(), true);
  await page.click('#details');
  // The text's rule lies on the pad's rule (12.5 px above the line's foot).
  const pad = await page.locator('#pad').boundingBox();
  const input = await page.locator('#line-text-0').boundingBox();
  const rule = pad.y + 72 - 12.5;
  assert.ok(Math.abs(input.y + input.height - rule) <= 1.5, `the text's rule at ${input.y + input.height}, the pad's at ${rule}`);
  assert.equal(await page.locator('#status').textContent(), 'Line 1 read.');
  assert.equal(await page.locator('#backend').textContent(), 'Reads on this device');
});

test('an uploaded image is read line by line', async () => {
  await upload();
});

test('a tilted page imported: its lines are read, drawn over the image turned with it, and picking one focuses its text', async () => {
  await page.click('#new-note');
  await page.evaluate(async (fixture) => {
    const bmp = await createImageBitmap(await (await fetch(`/tests/fixtures/${fixture}`)).blob());
    // Three copies of the line on its board, the page turned by 5 degrees.
    const c = new OffscreenCanvas(bmp.width + 200, 3 * bmp.height * 2 + 200);
    const ctx = c.getContext('2d');
    const probe = new OffscreenCanvas(1, 1).getContext('2d');
    probe.drawImage(bmp, 0, 0);
    const [r, g, b] = probe.getImageData(0, 0, 1, 1).data;
    ctx.fillStyle = `rgb(${r},${g},${b})`;
    ctx.fillRect(0, 0, c.width, c.height);
    ctx.translate(c.width / 2, c.height / 2);
    ctx.rotate((5 * Math.PI) / 180);
    ctx.translate(-c.width / 2, -c.height / 2);
    for (let i = 0; i < 3; i++) ctx.drawImage(bmp, 100, 100 + i * bmp.height * 2);
    const blob = await c.convertToBlob({ type: 'image/png' });
    const input = document.getElementById('file');
    const files = new DataTransfer();
    files.items.add(new File([blob], 'tilted-page.png', { type: 'image/png' }));
    input.files = files.files;
    input.dispatchEvent(new Event('change'));
  }, FIXTURE);
  await page.waitForSelector('#imported[data-lines="3"]', { timeout: 60_000 });
  const texts = await Promise.all([0, 1, 2].map((i) => page.locator(`#line-text-${i}`).inputValue()));
  assert.deepEqual(texts, [EXPECTED, EXPECTED, EXPECTED]);
  const quads = JSON.parse(await page.locator('#imported').getAttribute('data-quads'));
  for (const q of quads) {
    // Turned by 5 degrees: the right end of the top edge lies lower than its left end.
    const rise = (q[1][1] - q[0][1]) / (q[1][0] - q[0][0]);
    assert.ok(Math.abs(rise - Math.tan((5 * Math.PI) / 180)) < 0.03, JSON.stringify(q));
  }
  // Picking the middle line in the image focuses its text.
  const box = await page.locator('#imported canvas').boundingBox();
  const [cx, cy] = [0, 1].map((k) => quads[1].reduce((sum, p) => sum + p[k], 0) / 4);
  await page.mouse.click(box.x + cx, box.y + cy);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'line-text-1');
});

test('after one visit the app and recognition work offline', async () => {
  await page.waitForSelector('#offline[data-ready="true"]', { timeout: 60_000 });
  await h.context.setOffline(true);
  try {
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]', { timeout: 120_000 });
    // Reading runs in the worker offline too (its script and everything it loads are cached).
    assert.equal(await page.locator('body').getAttribute('data-reader'), 'worker');
    await page.click('#new-note');
    await upload();
    const notes = await page.locator('#note-list li').count();
    assert.ok(notes >= 1, 'saved notes are listed from IndexedDB');
  } finally {
    await h.context.setOffline(false);
  }
  assert.deepEqual(h.errors, []);
});
