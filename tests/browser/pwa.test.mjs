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
