// Browser half of the page speed bench (scripts/bench-pages.sh): in headless Chromium, the CPU
// build (wasm SIMD, one thread) reads every page of a `trainer synth --pages` folder whole and
// every one of their lines alone (its lines/ folder), interleaved for N rounds; images are
// decoded to ImageData before the clock starts. Prints a Markdown row per round: the pages' and
// the lines' total milliseconds (the sum of recognize()'s own totalMs) and their ratio.
//   node scripts/bench-pages-browser.mjs DATA_DIR [--rounds N]
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { start } from '../tests/browser/harness.mjs';

const [dataDir] = process.argv.slice(2);
const roundsAt = process.argv.indexOf('--rounds');
const rounds = roundsAt > 0 ? Number(process.argv[roundsAt + 1]) : 3;
const root = resolve(new URL('..', import.meta.url).pathname);
const url = (p) => `/${relative(root, resolve(p))}`;
const files = (dir) =>
  readFileSync(`${dir}/gt.tsv`, 'utf8')
    .trim()
    .split('\n')
    .map((row) => `${url(dir)}/${row.split('\t')[0]}`);

const h = await start();
const page = await h.page();
const out = await page.evaluate(
  async ({ pages, lines, rounds }) => {
    const inkline = await import('/pkg/inkline.js');
    const r = await inkline.Recognizer.create({ backend: 'cpu' });
    const decode = async (src) => {
      const bmp = await createImageBitmap(await (await fetch(src)).blob());
      const c = new OffscreenCanvas(bmp.width, bmp.height);
      c.getContext('2d').drawImage(bmp, 0, 0);
      return c.getContext('2d').getImageData(0, 0, bmp.width, bmp.height);
    };
    const pageImages = await Promise.all(pages.map(decode));
    const lineImages = await Promise.all(lines.map(decode));
    const total = async (images) => {
      let ms = 0;
      for (const img of images) ms += (await r.recognize(img)).timing.totalMs;
      return ms;
    };
    await total(pageImages.slice(0, 2)); // warm-up
    const results = [];
    for (let i = 0; i < rounds; i++) {
      results.push({ pagesMs: await total(pageImages), linesMs: await total(lineImages) });
    }
    return results;
  },
  { pages: files(dataDir), lines: files(`${dataDir}/lines`), rounds },
);
await h.close();
out.forEach(({ pagesMs, linesMs }, i) =>
  console.log(
    `| ${i + 1} | ${pagesMs.toFixed(0)} | ${linesMs.toFixed(0)} | ${(pagesMs / linesMs).toFixed(2)} |`,
  ),
);
