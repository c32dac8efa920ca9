// Soak bench: N sequential recognize() calls of the test line on one CPU recognizer in headless
// Chromium; prints the wasm memory of its instance and the JS heap every N/10 calls, the calls
// whose text differs from the first one, and the time per call. Memory must stay flat.
//   node scripts/bench-soak.mjs [--calls 10000] [--lm]
import { start } from '../tests/browser/harness.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const calls = arg('--calls', 10000);
const lm = process.argv.includes('--lm');

const h = await start();
const page = await h.page();
const rows = await page.evaluate(
  async ({ calls, lm }) => {
    const inkline = await import('/pkg/inkline.js');
    const r = await inkline.Recognizer.create({ backend: 'cpu', lm });
    const bmp = await createImageBitmap(await (await fetch('/tests/fixtures/printed-line.png')).blob());
    const c = new OffscreenCanvas(bmp.width, bmp.height);
    c.getContext('2d').drawImage(bmp, 0, 0);
    const img = c.getContext('2d').getImageData(0, 0, bmp.width, bmp.height);
    const heap = () => performance.memory?.usedJSHeapSize ?? NaN;
    const out = [{ calls: 0, wasm: r.memoryBytes, heap: heap(), mismatches: 0, ms: 0 }];
    let first = null;
    let mismatches = 0;
    let t = performance.now();
    const every = Math.max(1, Math.floor(calls / 10));
    for (let i = 1; i <= calls; i++) {
      const { text } = await r.recognize(img);
      first ??= text;
      if (text !== first) mismatches += 1;
      if (i % every === 0) {
        const now = performance.now();
        out.push({ calls: i, wasm: r.memoryBytes, heap: heap(), mismatches, ms: (now - t) / every });
        t = now;
      }
    }
    return out;
  },
  { calls, lm },
);
await h.close();
const mb = (n) => (n / 1e6).toFixed(1);
console.log(`soak: ${calls} calls, CPU build${lm ? ' with the language model' : ''}\n`);
console.log('| calls | wasm memory MB | JS heap MB | mismatches | ms per call |\n|---:|---:|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.calls} | ${mb(r.wasm)} | ${mb(r.heap)} | ${r.mismatches} | ${r.ms.toFixed(1)} |`);
