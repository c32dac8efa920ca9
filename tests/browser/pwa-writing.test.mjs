// Writing on the notes PWA's pad, in headless Chromium: a line is read once the writer pauses
// (never while the pen is down), a descender reaching into the next ruled line stays with its
// word, and words written on a line after its text was corrected are read and added to it.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { start } from './harness.mjs';

const STROKES = JSON.parse(readFileSync(new URL('../fixtures/strokes.json', import.meta.url), 'utf8'));
// "meet me at noon": strokes 0-10 write "meet me", 11-20 "at noon".
const MEET_ME = STROKES.strokes.slice(0, 11);
const AT_NOON = STROKES.strokes.slice(11);

let h;
let page;

before(async () => {
  h = await start();
  page = await h.page('/www/?backend=cpu');
  await page.waitForSelector('body[data-ready="true"]', { timeout: 120_000 });
});

beforeEach(async () => {
  await page.click('#new-note');
});

after(async () => {
  await h?.close();
});

/** Replays strokes on the pad as mouse drags, `dy` px lower; `slow` ms between points. */
async function write(strokes, { dy = 0, slow = 0 } = {}) {
  const box = await page.locator('#pad').boundingBox();
  for (const s of strokes) {
    const [x0, y0] = s[0];
    await page.mouse.move(box.x + x0, box.y + y0 + dy);
    await page.mouse.down();
    for (const [x, y] of s.slice(1)) {
      await page.mouse.move(box.x + x, box.y + y + dy);
      if (slow) await page.waitForTimeout(slow);
    }
    await page.mouse.up();
  }
}

const reads = async () => Number((await page.locator('body').getAttribute('data-reads')) ?? 0);
const text = (line) => page.locator(`#line-text-${line}`).inputValue();

async function waitForText(line, want) {
  await page.waitForFunction(
    ([line, want]) => document.querySelector(`#line-text-${line}`)?.value === want,
    [line, want],
    { timeout: 60_000 },
  );
}

test('a line is read once the writer pauses, not while the pen is down', async () => {
  await write(MEET_ME);
  // A long last stroke, begun 100 ms after the others: the pen is down for over a second,
  // longer than the pause after which a line is read.
  await page.waitForTimeout(100);
  const atPenDown = await reads();
  const [[x, y]] = AT_NOON[0];
  const long = Array.from({ length: 40 }, (_, i) => [x + i, y + 4 * Math.sin(i / 3)]);
  await write([long], { slow: 30 });
  assert.equal(await reads(), atPenDown, 'no read began while the pen was down');
  await page.waitForFunction(() => document.querySelector('#line-text-0')?.value, null, { timeout: 60_000 });
  await page.waitForTimeout(1500);
  assert.equal((await reads()) - atPenDown, 1, 'one read after the pause');
});

test('a descender written into the next ruled line stays with its line; the next line starts its own', async () => {
  await write(STROKES.strokes);
  // A long tail down from the last word's baseline into line 2's band, right after it.
  const tail = Array.from({ length: 30 }, (_, i) => [385, 50 + 2 * i]);
  await write([tail]);
  await write(MEET_ME, { dy: 72 });
  await page.waitForFunction(() => document.querySelector('#line-text-1')?.value, null, { timeout: 60_000 });
  await page.waitForTimeout(1000);
  assert.equal(await text(1), 'meet me');
  assert.notEqual(await text(0), '');
});

test('words written on a line after its text was corrected are read and added to the correction', async () => {
  await write(MEET_ME);
  await waitForText(0, 'meet me');
  const input = page.locator('#line-text-0');
  await input.fill('Meet ME');
  await input.dispatchEvent('change');
  await write(AT_NOON);
  await waitForText(0, 'Meet ME at noon');
  // Read now reads nothing again: the line stays as it is.
  await page.click('#recognize');
  await page.waitForTimeout(1500);
  assert.equal(await text(0), 'Meet ME at noon');
});

test('small writing is read with a pen as thin as its size, not the screen pen', async () => {
  const drawn = await page.evaluate(async (strokes) => {
    const { Pad, inkBody } = await import('/www/pad.js');
    const canvas = document.createElement('canvas');
    document.body.append(canvas);
    const pad = new Pad(canvas, { onChange() {} });
    const out = [];
    // Full pressure: the screen's pen is 4.5 px wide at every size.
    for (const k of [0.5, 1, 2]) {
      pad.load([strokes.map((s) => s.map(([x, y]) => [x * k + 10, y * k + 10, 1]))]);
      const { image } = pad.lineImage(0);
      let dark = 0;
      for (let i = 0; i < image.data.length; i += 4) dark += (255 - image.data[i]) / 255;
      out.push({ k, dark, body: inkBody(pad.lines[0]) });
    }
    canvas.remove();
    return out;
  }, STROKES.strokes);
  const [half, full, twice] = drawn;
  // "meet me at noon" is nearly all body: its x-height band is most of its 28 px.
  assert.ok(full.body > 10 && full.body < 24, JSON.stringify(drawn));
  assert.ok(Math.abs(half.body / full.body - 0.5) < 0.06, JSON.stringify(drawn));
  // A pen that follows the writing's size: half the size, a quarter of the ink (the strokes
  // half as long and half as wide); with the screen's fixed pen it would be about a half.
  assert.ok(full.dark / half.dark > 3.2 && full.dark / half.dark < 4.8, JSON.stringify(drawn));
  // Large writing keeps the screen's pen (it is under the cap): twice the size, twice the ink.
  assert.ok(twice.dark / full.dark > 1.6 && twice.dark / full.dark < 3.2, JSON.stringify(drawn));
});

test('the words the model was unsure of are underlined, each under its own word', async () => {
  // A line read now keeps its words and their confidences with the note.
  await write(MEET_ME);
  await waitForText(0, 'meet me');
  await page.waitForTimeout(300);
  const saved = await page.evaluate(async () => {
    const { listNotes } = await import('/www/notes.js');
    return (await listNotes())[0].lines[0].words;
  });
  assert.deepEqual(saved.map((w) => w.text), ['meet', 'me']);
  assert.ok(saved.every((w) => w.confidence > 0 && w.confidence <= 1), JSON.stringify(saved));
  // A saved reading with two unsure words: only they are underlined, each under itself.
  await page.evaluate(async () => {
    const { newNote, saveNote } = await import('/www/notes.js');
    const n = newNote();
    n.title = 'unsure words';
    const words = [['Call', 0.99], ['mum', 0.3], ['at', 0.97], ['six.', 0.55]];
    n.lines = [{ strokes: [], text: 'Call mum at six.', confidence: 0.9, words: words.map(([text, confidence]) => ({ text, confidence })) }];
    await saveNote(n);
  });
  await page.reload();
  await waitForText(0, 'Call mum at six.');
  const marks = await page.evaluate(() => {
    const input = document.querySelector('#line-text-0');
    const cs = getComputedStyle(input);
    const ctx = document.createElement('canvas').getContext('2d');
    ctx.font = `${cs.fontSize} ${cs.fontFamily}`;
    const left = input.getBoundingClientRect().left + parseFloat(cs.paddingLeft);
    return {
      lineUnderlined: input.classList.contains('unsure'),
      words: [...document.querySelectorAll('#rows .marks .unsure')].map((s) => {
        const at = input.value.indexOf(s.textContent);
        const r = s.getBoundingClientRect();
        return {
          text: s.textContent,
          dx: r.left - (left + ctx.measureText(input.value.slice(0, at)).width),
          dw: r.width - ctx.measureText(s.textContent).width,
        };
      }),
    };
  });
  assert.equal(marks.lineUnderlined, false);
  assert.deepEqual(marks.words.map((w) => w.text), ['mum', 'six.']);
  for (const w of marks.words) assert.ok(Math.abs(w.dx) < 1.5 && Math.abs(w.dw) < 1.5, JSON.stringify(marks));
  assert.match(await page.locator('#rows .meta').first().textContent(), /check this/);
});
