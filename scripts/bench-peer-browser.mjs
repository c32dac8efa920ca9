// Browser half of the peer benchmark (scripts/bench-peer.sh): in headless Chromium, one thread
// each, the same lines in interleaved rounds: inkline's CPU build (the whole recognize():
// preprocessing, network, decoding), onnxruntime-web (wasm SIMD) on the same network inputs
// inkline prepares (network and best-path decoding), and tesseract.js (PSM 7, one line).
//   node scripts/bench-peer-browser.mjs PEER_DIR DATA_DIR [--rounds N]
// PEER_DIR holds inkline.onnx, inputs/ (trainer export --inputs) and node_modules/ with
// onnxruntime-web, tesseract.js, tesseract.js-core and @tesseract.js-data/eng.
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { start } from '../tests/browser/harness.mjs';

const [peerDir, dataDir] = process.argv.slice(2);
const roundsAt = process.argv.indexOf('--rounds');
const rounds = roundsAt > 0 ? Number(process.argv[roundsAt + 1]) : 3;
const root = resolve(new URL('..', import.meta.url).pathname);
const url = (p) => `/${relative(root, resolve(p))}`;
const lines = readFileSync(`${peerDir}/inputs/lines.tsv`, 'utf8')
  .trim()
  .split('\n')
  .map((row) => row.split('\t'));
const gt = new Map(
  readFileSync(`${dataDir}/gt.tsv`, 'utf8')
    .trim()
    .split('\n')
    .map((row, i) => [`${String(i).padStart(4, '0')}.f32`, row.split('\t')]),
);
const items = lines.map(([f, h, w, frames, text]) => ({
  input: `${url(peerDir)}/inputs/${f}`,
  image: `${url(dataDir)}/${gt.get(f)[0]}`,
  truth: gt.get(f)[1],
  h: Number(h),
  w: Number(w),
  frames: Number(frames),
  text,
}));

const h = await start();
const page = await h.page();
const modules = `${url(peerDir)}/node_modules`;
const out = await page.evaluate(
  async ({ items, rounds, modules, onnx }) => {
    const inkline = await import('/pkg/inkline.js');
    const ort = await import(`${modules}/onnxruntime-web/dist/ort.wasm.min.mjs`);
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.wasmPaths = `${modules}/onnxruntime-web/dist/`;
    await new Promise((ok, no) => {
      const s = document.createElement('script');
      s.src = `${modules}/tesseract.js/dist/tesseract.min.js`;
      s.onload = ok;
      s.onerror = no;
      document.head.append(s);
    });
    const ink = await inkline.Recognizer.create({ backend: 'cpu' });
    const session = await ort.InferenceSession.create(onnx, { executionProviders: ['wasm'] });
    const tess = await Tesseract.createWorker('eng', 1, {
      workerPath: `${modules}/tesseract.js/dist/worker.min.js`,
      corePath: `${modules}/tesseract.js-core/`,
      langPath: `${modules}/@tesseract.js-data/eng/4.0.0_best_int`,
      workerBlobURL: false,
    });
    await tess.setParameters({ tessedit_pageseg_mode: '7' });
    const charset = inkline.Recognizer && (await ink.info()).meta.charset;
    const decode = (lp, t, c) => {
      let s = '';
      let prev = -1;
      for (let i = 0; i < t; i++) {
        let best = 0;
        for (let k = 1; k < c; k++) if (lp[i * c + k] > lp[i * c + best]) best = k;
        if (best !== prev && best !== 0) s += charset[best - 1];
        prev = best;
      }
      return s;
    };
    for (const it of items) {
      const bmp = await createImageBitmap(await (await fetch(it.image)).blob());
      const c = new OffscreenCanvas(bmp.width, bmp.height);
      c.getContext('2d').drawImage(bmp, 0, 0);
      it.pixels = c.getContext('2d').getImageData(0, 0, bmp.width, bmp.height);
      it.canvas = c;
      it.tensor = new ort.Tensor('float32', new Float32Array(await (await fetch(it.input)).arrayBuffer()), [1, 1, it.h, it.w]);
      it.framesTensor = new ort.Tensor('int32', Int32Array.of(it.frames), [1]);
    }
    const network = [];
    const runs = {
      inkline: async (it) => {
        const r = await ink.recognize(it.pixels);
        network.push(r.timing.inferenceMs);
        return r.text;
      },
      ort: async (it) => {
        const r = await session.run({ image: it.tensor, frames: it.framesTensor });
        const lp = r.log_probs;
        return decode(lp.data, lp.dims[1], lp.dims[2]);
      },
      tesseract: async (it) => (await tess.recognize(it.canvas)).data.text.trim(),
    };
    // Warm-up: one pass of each (compilation, first-call costs).
    for (const it of items.slice(0, 3)) for (const f of Object.values(runs)) await f(it);
    network.length = 0;
    const times = { inkline: [], ort: [], tesseract: [] };
    const texts = { inkline: [], ort: [], tesseract: [] };
    for (let r = 0; r < rounds; r++) {
      for (const it of items) {
        for (const [name, f] of Object.entries(runs)) {
          const t = performance.now();
          const text = await f(it);
          times[name].push(performance.now() - t);
          if (r === 0) texts[name].push(text);
        }
      }
    }
    await tess.terminate();
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const sameOrt = texts.ort.filter((t, i) => t === texts.inkline[i]).length;
    const sameExport = texts.ort.filter((t, i) => t === items[i].text).length;
    return {
      lines: items.length,
      rounds,
      ms: Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)])),
      inklineNetworkMs: median(network),
      sameOrt,
      sameExport,
      texts: Object.fromEntries(Object.entries(texts).map(([k, v]) => [k, v])),
      truths: items.map((it) => it.truth),
      ortVersion: ort.env.versions?.common ?? 'unknown',
    };
  },
  { items, rounds, modules, onnx: `${url(peerDir)}/inkline.onnx` },
);
await h.close();
console.log(JSON.stringify(out));
