// The notes PWA when the user writes before the recognizer has loaded (a slow network): the
// line waits for the recognizer and is read when it is ready, never dropped.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { start } from './harness.mjs';

const STROKES = JSON.parse(readFileSync(new URL('../fixtures/strokes.json', import.meta.url), 'utf8'));

let h;

before(async () => {
  h = await start();
});

after(async () => {
  await h?.close();
});

test('a line written before the recognizer is ready is read once it is', async () => {
  // The model arrives 6 s late (requests of the page and its worker go through the context).
  await h.context.route('**/pkg/inkline.inkline', async (route) => {
    await new Promise((r) => setTimeout(r, 6000));
    await route.continue();
  });
  const page = await h.page('/www/?backend=cpu');
  await page.waitForSelector('#pad');
  const box = await page.locator('#pad').boundingBox();
  for (const s of STROKES.strokes) {
    await page.mouse.move(box.x + s[0][0], box.y + s[0][1]);
    await page.mouse.down();
    for (const [x, y] of s.slice(1)) await page.mouse.move(box.x + x, box.y + y);
    await page.mouse.up();
  }
  // Written while the model was still on its way.
  assert.notEqual(await page.evaluate(() => document.body.dataset.ready), 'true');
  await page.waitForFunction(() => document.querySelector('#line-text-0')?.value, null, {
    timeout: 90_000,
  });
  assert.equal(await page.locator('#line-text-0').inputValue(), STROKES.text);
  assert.equal(await page.evaluate(() => document.body.dataset.ready), 'true');
});
