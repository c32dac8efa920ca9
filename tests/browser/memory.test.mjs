// Memory over many large images, in headless Chromium: a recognizer that a huge image grew moves
// to a fresh wasm instance, and the old instance's memory goes back to the browser (on the page
// and in the worker), so photo after photo the renderer does not grow.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fixturePage, start } from './harness.mjs';

const [FIXTURE, EXPECTED] = readFileSync(new URL('../fixtures/gt.tsv', import.meta.url), 'utf8')
  .trim()
  .split('\t');
const MB = 1e6;

let h;
let page;

before(async () => {
  // gc() in the page and its workers: what is measured is memory still held, not garbage.
  h = await start({ args: ['--js-flags=--expose-gc'] });
  page = await fixturePage(h, FIXTURE);
});

after(async () => {
  await h?.close();
});

/** The renderers' resident bytes once the page and its workers collected their garbage. */
async function held() {
  for (const context of [page, ...page.workers()]) await context.evaluate(() => gc());
  await new Promise((r) => setTimeout(r, 500));
  return h.rendererBytes();
}

test('ten 4000x3000 photos in a row, on the page and in the worker, leave the renderer within 100 MB of where it was', async () => {
  await page.evaluate(async () => {
    // A photo of a page of notes: eight lines on paper lit from one side, slightly tilted.
    window.photo = (seed) => {
      const c = new OffscreenCanvas(4000, 3000);
      const ctx = c.getContext('2d');
      const light = ctx.createLinearGradient(0, 0, 4000, 3000);
      light.addColorStop(0, '#f4f1ea');
      light.addColorStop(1, '#c9c4b8');
      ctx.fillStyle = light;
      ctx.fillRect(0, 0, 4000, 3000);
      ctx.translate(2000, 1500);
      ctx.rotate(((seed % 5) - 2) * 0.01);
      ctx.translate(-2000, -1500);
      const bmp = fixtureBitmap;
      for (let i = 0; i < 8; i++) ctx.drawImage(bmp, 300, 400 + i * 260, bmp.width * 2, bmp.height * 2);
      return ctx.getImageData(0, 0, 4000, 3000);
    };
    window.readers = {
      page: await inkline.Recognizer.create({ backend: 'cpu' }),
      worker: await inkline.WorkerRecognizer.create({ backend: 'cpu' }),
    };
  });
  const before = await held();
  const lines = [];
  for (let i = 0; i < 10; i++) {
    const who = i % 2 ? 'worker' : 'page';
    lines.push(await page.evaluate(async ([who, i]) => (await readers[who].recognize(photo(i))).lines.length, [who, i]));
  }
  const grown = (await held()) - before;
  const next = await page.evaluate(async () => [
    (await readers.page.recognize(fixture)).text,
    (await readers.worker.recognize(fixture)).text,
    readers.page.memoryBytes,
  ]);
  assert.deepEqual(lines, Array(10).fill(8));
  assert.ok(grown < 100 * MB, `the renderers grew by ${(grown / MB).toFixed(0)} MB over ten photos`);
  assert.deepEqual(next.slice(0, 2), [EXPECTED, EXPECTED]);
  assert.ok(next[2] < 64 * 2 ** 20, `the page's recognizer holds ${next[2]} bytes of wasm memory`);
});
