// Prints the browser module's figures: per-line latency in headless Chromium on the CPU build
// (wasm SIMD, one thread) and on WebGPU (SwiftShader here: a software GPU, so only a
// correctness path, not a speed figure), native one-thread latency of the same model, wasm and
// model sizes (raw and gzipped), and first-load time to ready.
//   node scripts/bench-browser.mjs [--runs N]
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { start } from '../tests/browser/harness.mjs';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 10;
const root = new URL('..', import.meta.url).pathname;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mb = (n) => `${(n / 1e6).toFixed(2)} MB`;

const sizes = {};
for (const f of ['cpu/inkline_bg.wasm', 'webgpu/inkline_bg.wasm', 'inkline.inkline']) {
  const bytes = readFileSync(`${root}pkg/${f}`);
  sizes[f] = { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

const h = await start();
const page = await h.page();
const browser = {};
for (const backend of ['cpu', 'webgpu']) {
  const n = backend === 'cpu' ? runs : Math.min(runs, 3);
  browser[backend] = await page.evaluate(
    async ({ backend, n }) => {
      const t0 = performance.now();
      const inkline = await import(`/pkg/inkline.js?bench=${backend}`);
      const r = await inkline.Recognizer.create({ backend });
      const ready = performance.now() - t0;
      const blob = await (await fetch('/tests/fixtures/printed-line.png')).blob();
      const bmp = await createImageBitmap(blob);
      const c = new OffscreenCanvas(bmp.width, bmp.height);
      c.getContext('2d').drawImage(bmp, 0, 0);
      const img = c.getContext('2d').getImageData(0, 0, bmp.width, bmp.height);
      const t1 = performance.now();
      await r.recognize(img); // the first call after create(): warm-up (shader compilation on WebGPU)
      const first = performance.now() - t1;
      const totals = [];
      const infer = [];
      let text = '';
      for (let i = 0; i < n; i++) {
        const x = await r.recognize(img);
        totals.push(x.timing.totalMs);
        infer.push(x.timing.inferenceMs);
        text = x.text;
      }
      return { ready, first, totals, infer, backend: r.backend, text, width: bmp.width, height: bmp.height };
    },
    { backend, n },
  );
}
await h.close();

const trainer = `${root}target/release/trainer`;
let native = 'n/a (build the trainer: cargo build --release -p trainer)';
try {
  statSync(trainer);
  const out = execFileSync(trainer, ['--threads', '1', 'eval', '--json', '--model', `${root}pkg/inkline.inkline`, '--data', `${root}tests/fixtures`], { encoding: 'utf8' });
  native = `${JSON.parse(out).ms_per_line.toFixed(2)} ms`;
} catch (e) {
  native = `n/a (${e.message.split('\n')[0]})`;
}

const { meta } = JSON.parse(readFileSync(`${root}pkg/model.json`, 'utf8'));
const { width, height } = browser.cpu;
console.log(`inkline browser figures (model ${meta.config.arch} ${meta.provenance.preset}/${meta.provenance.stage}, line ${width}x${height} px)\n`);
console.log('| figure | value |\n|---|---|');
console.log(`| Chromium CPU (wasm SIMD, 1 thread), per line, median of ${browser.cpu.totals.length} | ${median(browser.cpu.totals).toFixed(1)} ms (network ${median(browser.cpu.infer).toFixed(1)} ms) |`);
console.log(`| Chromium WebGPU (SwiftShader, software), per line, median of ${browser.webgpu.totals.length} | ${median(browser.webgpu.totals).toFixed(1)} ms (ran on ${browser.webgpu.backend}) |`);
console.log(`| native, 1 thread (trainer eval), per line | ${native} |`);
for (const [f, s] of Object.entries(sizes)) console.log(`| ${f} | ${mb(s.raw)} raw, ${mb(s.gzip)} gzipped |`);
console.log(`| first load to ready, CPU build (import + wasm + model) | ${browser.cpu.ready.toFixed(0)} ms |`);
console.log(`| first recognize() right after create(), CPU build (wall clock) | ${browser.cpu.first.toFixed(1)} ms |`);
console.log(`| first load to ready, WebGPU build (import + wasm + device + model) | ${browser.webgpu.ready.toFixed(0)} ms |`);
console.log(`\ntexts: cpu ${JSON.stringify(browser.cpu.text)}, webgpu ${JSON.stringify(browser.webgpu.text)}`);
