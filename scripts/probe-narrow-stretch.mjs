// Does stretching narrow handwriting wider help the recognizer? In headless Chromium, the CPU
// build (best path) reads real validation lines (a `trainer synth --real --style strokes --split
// val` folder) drawn wider: (1) the first 80 lines of hpp/hpb2-an (a narrow cursive) and of the
// lex and app writers, stretched 1, 1.3, 1.6 and 2x; (2) every other line of the set, stretched
// only where the writing is narrow (ink runs crossed along the middle rows of the body band,
// per body of width, over 1.6: stretched by density / 1.6, at most 1.8x). Prints CER %.
//   node scripts/probe-narrow-stretch.mjs DATA_DIR   (e.g. runs/realval/strokes)
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { start } from '../tests/browser/harness.mjs';
import { distance } from './lib/distance.mjs';

const [dataDir] = process.argv.slice(2);
const root = resolve(new URL('..', import.meta.url).pathname);
const dir = `/${relative(root, resolve(dataDir))}`;
const tsv = (f) => readFileSync(`${dataDir}/${f}`, 'utf8').trim().split('\n').map((l) => l.split('\t'));
const truth = Object.fromEntries(tsv('gt.tsv'));
const writer = Object.fromEntries(tsv('families.tsv'));
const files = Object.keys(writer);
const narrow = files.filter((f) => writer[f] === 'hpp/hpb2-an').slice(0, 80);
const others = files.filter((f) => /^(lex|app)\//.test(writer[f])).slice(0, 80);
const alternate = files.filter((_, i) => i % 2 === 0);

const cer = (names, texts) => {
  let errors = 0;
  let chars = 0;
  names.forEach((f, i) => {
    errors += distance(truth[f], texts[i].replace(/\n/g, ' '));
    chars += truth[f].length;
  });
  return ((100 * errors) / chars).toFixed(1);
};

const h = await start();
const page = await h.page();
const read = await page.evaluate(
  async ({ dir, sets, alternate }) => {
    const inkline = await import('/pkg/inkline.js');
    const r = await inkline.Recognizer.create({ backend: 'cpu' });
    const load = async (f) => createImageBitmap(await (await fetch(`${dir}/${f}`)).blob());
    const wider = async (bmp, k) => {
      const c = new OffscreenCanvas(Math.round(bmp.width * k), bmp.height);
      const ctx = c.getContext('2d');
      ctx.drawImage(bmp, 0, 0, c.width, c.height);
      return (await r.recognize(ctx.getImageData(0, 0, c.width, c.height))).text;
    };
    /** Ink runs along the middle half of the body band, per row, per body of ink width. */
    const density = (bmp) => {
      const c = new OffscreenCanvas(bmp.width, bmp.height);
      const ctx = c.getContext('2d');
      ctx.drawImage(bmp, 0, 0);
      const d = ctx.getImageData(0, 0, bmp.width, bmp.height).data;
      const [w, h] = [bmp.width, bmp.height];
      const ink = (x, y) => d[(y * w + x) * 4] < 128;
      const rows = Array.from({ length: h }, (_, y) => {
        let n = 0;
        for (let x = 0; x < w; x++) n += ink(x, y);
        return n;
      });
      const most = Math.max(...rows);
      const band = rows.flatMap((n, y) => (n >= 0.4 * most ? [y] : []));
      const [top, bottom] = [Math.min(...band), Math.max(...band)];
      const body = bottom - top + 1;
      let [runs, count, left, right] = [0, 0, w, 0];
      for (let y = top + Math.floor(body / 4); y <= bottom - Math.floor(body / 4); y++) {
        count++;
        let was = false;
        for (let x = 0; x < w; x++) {
          const v = ink(x, y);
          if (v && !was) runs++;
          if (v) [left, right] = [Math.min(left, x), Math.max(right, x)];
          was = v;
        }
      }
      return runs / Math.max(1, count) / ((right - left + 1) / body);
    };
    const out = { fixed: {}, adaptive: { plain: [], stretched: [] } };
    for (const [name, names] of Object.entries(sets)) {
      out.fixed[name] = {};
      for (const k of [1, 1.3, 1.6, 2]) {
        out.fixed[name][k] = [];
        for (const f of names) out.fixed[name][k].push(await wider(await load(f), k));
      }
    }
    for (const f of alternate) {
      const bmp = await load(f);
      out.adaptive.plain.push(await wider(bmp, 1));
      out.adaptive.stretched.push(await wider(bmp, Math.min(1.8, Math.max(1, density(bmp) / 1.6))));
    }
    return out;
  },
  { dir, sets: { 'hpp/hpb2-an': narrow, 'lex and app': others }, alternate },
);
await h.close();
const names = { 'hpp/hpb2-an': narrow, 'lex and app': others };
console.log('| lines | 1x | 1.3x | 1.6x | 2x |');
console.log('|---|---:|---:|---:|---:|');
for (const [name, byK] of Object.entries(read.fixed)) {
  console.log(`| ${name} (${names[name].length}) | ${[1, 1.3, 1.6, 2].map((k) => cer(names[name], byK[k])).join(' | ')} |`);
}
console.log(`\nnarrow writing stretched, ${alternate.length} lines (every other one):`);
console.log('| writer (over 150 chars) | as written | stretched where narrow |');
console.log('|---|---:|---:|');
const byWriter = {};
alternate.forEach((f, i) => (byWriter[writer[f]] ??= []).push(i));
for (const [w, idx] of Object.entries(byWriter)) {
  const fs = idx.map((i) => alternate[i]);
  if (fs.reduce((n, f) => n + truth[f].length, 0) <= 150) continue;
  console.log(`| ${w} | ${cer(fs, idx.map((i) => read.adaptive.plain[i]))} | ${cer(fs, idx.map((i) => read.adaptive.stretched[i]))} |`);
}
console.log(`| all | ${cer(alternate, read.adaptive.plain)} | ${cer(alternate, read.adaptive.stretched)} |`);
