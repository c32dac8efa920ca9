// The notes PWA where work used to get lost: writing before the recognizer has loaded (a slow
// network), where the line waits for it and is read, never dropped; a stray tap, which is not
// writing and must not become text; a corrected line, whose text is the user's; and a reload
// right after writing, which must keep the ink.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { start } from './harness.mjs';

const STROKES = JSON.parse(readFileSync(new URL('../fixtures/strokes.json', import.meta.url), 'utf8'));

let h;
let page;
const LINE_HEIGHT = 72;

async function write(strokes, dy = 0) {
  const box = await page.locator('#pad').boundingBox();
  for (const s of strokes) {
    await page.mouse.move(box.x + s[0][0], box.y + s[0][1] + dy);
    await page.mouse.down();
    for (const [x, y] of s.slice(1)) await page.mouse.move(box.x + x, box.y + y + dy);
    await page.mouse.up();
  }
}

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
  page = await h.page('/www/?backend=cpu');
  await page.waitForSelector('#pad');
  await write(STROKES.strokes);
  // Written while the model was still on its way.
  assert.notEqual(await page.evaluate(() => document.body.dataset.ready), 'true');
  await page.waitForFunction(() => document.querySelector('#line-text-0')?.value, null, {
    timeout: 90_000,
  });
  assert.equal(await page.locator('#line-text-0').inputValue(), STROKES.text);
  assert.equal(await page.evaluate(() => document.body.dataset.ready), 'true');
});

test('a tap is not writing: its line stays empty while the next line is read', async () => {
  const [x, y] = STROKES.strokes[0][0];
  // A tap on line 3, then the known line on line 4: lines are read in order, so once line 4
  // has its text, line 3 has been handled.
  await write([[[x, y + 2]]], 2 * LINE_HEIGHT);
  await write(STROKES.strokes, 3 * LINE_HEIGHT);
  await page.waitForFunction(() => document.querySelector('#line-text-3')?.value, null, {
    timeout: 60_000,
  });
  assert.equal(await page.locator('#line-text-3').inputValue(), STROKES.text);
  assert.equal(await page.locator('#line-text-2').inputValue(), '');
});

test("a corrected line keeps the user's text through more strokes and Read now; clearing it re-reads", async () => {
  const line3 = page.locator('#line-text-3');
  await line3.fill('my correction');
  await line3.dispatchEvent('change');
  // One more stroke on line 4 (index 3), and the known line on line 6: once line 6 is read,
  // the pass over line 4 is done. The stroke's reading is added to the correction.
  await write([STROKES.strokes[0]], 3 * LINE_HEIGHT + 4);
  await write(STROKES.strokes, 5 * LINE_HEIGHT);
  await page.waitForFunction(() => document.querySelector('#line-text-5')?.value, null, { timeout: 60_000 });
  const kept = await line3.inputValue();
  assert.match(kept, /^my correction/);
  // Read now re-reads every line but this one's text stays the user's.
  await page.click('#recognize');
  await write(STROKES.strokes, 6 * LINE_HEIGHT);
  await page.waitForFunction(() => document.querySelector('#line-text-6')?.value, null, { timeout: 60_000 });
  assert.equal(await line3.inputValue(), kept);
  // Clearing the text hands the line back to the recognizer.
  await line3.fill('');
  await line3.dispatchEvent('change');
  await page.waitForFunction(() => document.querySelector('#line-text-3')?.value, null, { timeout: 60_000 });
  assert.notEqual(await line3.inputValue(), 'my correction');
});

test('a reload right after writing keeps the ink, reopens the note and reads the line', async () => {
  // Line 2 (index 1), still empty, inside the viewport.
  await write(STROKES.strokes, LINE_HEIGHT);
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]', { timeout: 120_000 });
  await page.waitForFunction(() => document.querySelector('#line-text-1')?.value, null, { timeout: 60_000 });
  assert.equal(await page.locator('#line-text-1').inputValue(), STROKES.text);
  // The other lines of the note came back too.
  assert.equal(await page.locator('#line-text-5').inputValue(), STROKES.text);
});

test("a new note right after writing keeps the old note's ink; reopening it reads the line", async () => {
  // Line 7 (index 6) of the open note, then at once a new note, before the pause that reads it.
  await write(STROKES.strokes, 6 * LINE_HEIGHT);
  await page.click('#new-note');
  assert.equal(await page.locator('#line-text-6').inputValue(), '', 'the new note is empty');
  // The previous note is the other entry of the list.
  await page.locator('#note-list button:not(.current)').first().click();
  await page.waitForFunction(() => document.querySelector('#line-text-6')?.value, null, { timeout: 60_000 });
  assert.equal(await page.locator('#line-text-6').inputValue(), STROKES.text);
});

