// Real writers' ink read through the notes app's pad, in headless Chromium: every line of a
// `trainer synth --real --style strokes --split val --pad-ink` folder is loaded onto the app's
// Pad (www/pad.js) as it would have been written there (its size and pen pressure on the pad's
// first ruled line), drawn by the pad for reading (`lineImage`) and read by the CPU build as the
// app reads it (the shipped LM, beam 16); the same lines as the trainer drew them offline (the
// folder's PNGs: the pad's look at the screen's pixel ratio) are read by the same recognizer.
// Prints CER of both, overall and by the size of the writing (body under 14 CSS px: small).
//   node scripts/bench-pad.mjs DATA_DIR [--count N] [--no-lm]
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { start } from '../tests/browser/harness.mjs';
import { distance } from './lib/distance.mjs';

const args = process.argv.slice(2);
const [dataDir] = args;
const countAt = args.indexOf('--count');
const count = countAt > 0 ? Number(args[countAt + 1]) : Infinity;
const lm = !args.includes('--no-lm');
const root = resolve(new URL('..', import.meta.url).pathname);
const dir = `/${relative(root, resolve(dataDir))}`;
const lines = readFileSync(`${dataDir}/pad-ink.jsonl`, 'utf8')
  .trim()
  .split('\n')
  .slice(0, count)
  .map((l) => JSON.parse(l));

const h = await start();
const page = await h.page();
const read = await page.evaluate(
  async ({ lines, dir, lm }) => {
    const inkline = await import('/pkg/inkline.js');
    const { Pad, inkBody } = await import('/www/pad.js');
    const r = await inkline.Recognizer.create({ backend: 'cpu', lm });
    const canvas = document.createElement('canvas');
    document.body.append(canvas);
    const pad = new Pad(canvas, { onChange() {} });
    const out = [];
    for (const l of lines) {
      pad.load([l.strokes]);
      const drawn = pad.lineImage(0);
      const onPad = drawn ? (await r.recognize(drawn.image)).text : '';
      const bmp = await createImageBitmap(await (await fetch(`${dir}/${l.file}`)).blob());
      const c = new OffscreenCanvas(bmp.width, bmp.height);
      c.getContext('2d').drawImage(bmp, 0, 0);
      const offline = (await r.recognize(c.getContext('2d').getImageData(0, 0, bmp.width, bmp.height))).text;
      out.push({ onPad, offline, body: inkBody(l.strokes) });
    }
    return out;
  },
  { lines, dir, lm },
);
await h.close();

const groups = { all: () => true, 'small (body < 14 px)': (b) => b < 14, 'large (body >= 14 px)': (b) => b >= 14 };
console.log(`${lines.length} real validation lines of ${new Set(lines.map((l) => l.writer)).size} writers, ${lm ? 'with the LM (beam 16)' : 'best path'}`);
console.log('| lines | n | on the pad (app) CER % | drawn offline CER % |');
console.log('|---|---:|---:|---:|');
for (const [name, keep] of Object.entries(groups)) {
  let chars = 0;
  let padErr = 0;
  let offErr = 0;
  let n = 0;
  read.forEach((x, i) => {
    if (!keep(x.body)) return;
    n += 1;
    chars += lines[i].text.length;
    padErr += distance(lines[i].text, x.onPad.replace(/\n/g, ' '));
    offErr += distance(lines[i].text, x.offline.replace(/\n/g, ' '));
  });
  if (n) console.log(`| ${name} | ${n} | ${((100 * padErr) / chars).toFixed(2)} | ${((100 * offErr) / chars).toFixed(2)} |`);
}
