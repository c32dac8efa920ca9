// The notes PWA as a phone in dark mode: the pad takes the screen, the text of a line sits over it,
// the Delete label is readable, loading reports its progress, and an unreadable upload is
// explained in plain words.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { start } from './harness.mjs';

const STROKES = JSON.parse(readFileSync(new URL('../fixtures/strokes.json', import.meta.url), 'utf8'));

let h;
let page;

before(async () => {
  h = await start({ viewport: { width: 390, height: 844 }, colorScheme: 'dark', isMobile: true, hasTouch: true });
  page = await h.context.newPage();
  page.on('pageerror', (e) => h.errors.push(String(e)));
  // Every status the app shows, from the first one on.
  await page.addInitScript(() => {
    window.statuses = [];
    new MutationObserver(() => {
      const s = document.getElementById('status');
      if (s && s.textContent !== window.statuses.at(-1)) window.statuses.push(s.textContent);
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
  await page.goto(`${h.url}/www/?backend=cpu`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 120_000 });
});

after(async () => {
  await h?.close();
});

test('loading shows the download progress of the model, the language model and the reader, then each start-up step', async () => {
  const statuses = await page.evaluate(() => window.statuses);
  assert.ok(statuses.some((s) => /^Loading the model: [\d.]+ of [\d.]+ MB \(\d+%\)…$/.test(s)), statuses.join(' | '));
  assert.ok(statuses.some((s) => /^Loading the language model: /.test(s)), statuses.join(' | '));
  // Then each step of starting the reader, in order: nothing stands still for seconds.
  const steps = ['Loading the reader: ', 'Preparing the reader', 'Loading the model into the reader', 'Warming up'];
  const at = steps.map((step) => statuses.findIndex((s) => s.startsWith(step)));
  assert.ok(at.every((i, k) => i >= 0 && (k === 0 || i > at[k - 1])), statuses.join(' | '));
  assert.match(statuses.at(-1), /^Ready/);
});

test('on a phone the pad takes the width and most of the screen, the text of a line sits over that line, the notes open from the menu', async () => {
  const pad = await page.locator('#pad').boundingBox();
  assert.ok(pad.width >= 0.95 * 390, `the pad is ${pad.width} px wide`);
  assert.ok(pad.y <= 170, `the pad starts ${pad.y} px down`);
  // No note list above the pad on a first visit: the notes are behind the menu.
  assert.equal(await page.locator('#note-list').isVisible(), false);
  const scale = (pad.width - 10) / Math.max(...STROKES.strokes.flat().map(([x]) => x));
  for (const s of STROKES.strokes) {
    // The pad must not move while the pen is on it (a status line that wrapped once did).
    assert.deepEqual(await page.locator('#pad').boundingBox(), pad);
    const pts = s.map(([x, y]) => [pad.x + 5 + x * Math.min(1, scale), pad.y + y]);
    await page.mouse.move(...pts[0]);
    await page.mouse.down();
    for (const p of pts.slice(1)) await page.mouse.move(...p);
    await page.mouse.up();
  }
  await page.waitForFunction(() => document.querySelector('#line-text-0')?.value, null, { timeout: 60_000 });
  assert.deepEqual(await page.locator('#pad').boundingBox(), pad);
  assert.equal(await page.locator('#line-text-0').inputValue(), STROKES.text);
  // The text sits in the top strip of its own line, above where the letters' bodies are.
  const input = await page.locator('#line-text-0').boundingBox();
  assert.ok(input.y >= pad.y && input.y + input.height <= pad.y + 24, `line 1's text at ${input.y}..${input.y + input.height}`);
  assert.ok(input.x >= pad.x && input.x + input.width <= pad.x + pad.width, 'over the pad, inside the screen');
  // An empty line's field does not stand in the pen's way.
  assert.equal(await page.locator('#line-text-3').isVisible(), false);
  await page.click('#menu');
  assert.equal(await page.locator('#note-list').isVisible(), true);
  await page.locator('#note-list button').first().click();
  assert.equal(await page.locator('#note-list').isVisible(), false);
});

test('the Delete label has at least 4.5:1 contrast in dark mode', async () => {
  const ratio = await page.evaluate(() => {
    const rgb = (c) => c.match(/[\d.]+/g).slice(0, 3).map(Number);
    const lum = (c) => {
      const [r, g, b] = rgb(c).map((v) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const style = getComputedStyle(document.getElementById('delete'));
    const [a, b] = [lum(style.color), lum(style.backgroundColor)].sort((x, y) => y - x);
    return (a + 0.05) / (b + 0.05);
  });
  assert.ok(ratio >= 4.5, `contrast ${ratio.toFixed(2)}:1`);
});

test('an upload that is not an image is explained in plain words', async () => {
  await page.setInputFiles('#file', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
  await page.waitForFunction(() => document.getElementById('status').classList.contains('error'), null, { timeout: 20_000 });
  const status = await page.locator('#status').textContent();
  assert.equal(status, '“notes.txt” is not an image this browser can open (text/plain). Try a PNG, JPEG or WebP photo or screenshot.');
});

test('no uncaught errors', () => {
  assert.deepEqual(h.errors, []);
});
