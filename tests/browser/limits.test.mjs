// The recognizer under memory pressure and at its limits, in headless Chromium: oversized and
// many-line images are refused quickly and leave the page's wasm memory small, huge images give
// their memory back, long lines are read in pieces, odd canvases and flipped model bytes are
// handled, and a seeded fuzz run of bad inputs never hangs or escapes as an uncaught error.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fixturePage, start } from './harness.mjs';

const [FIXTURE, EXPECTED] = readFileSync(new URL('../fixtures/gt.tsv', import.meta.url), 'utf8')
  .trim()
  .split('\t');
const MiB = 1024 * 1024;

let h;
let page;

before(async () => {
  h = await start();
  page = await fixturePage(h, FIXTURE);
  await page.evaluate(() => {
    const bmp = window.fixtureBitmap;
    // The fixture is light ink on a dark board: images built around it use its paper colour.
    const [r, g, b] = window.fixture.data;
    window.paper = `rgb(${r},${g},${b})`;
    // `n` copies of the fixture line side by side, 40 px apart: one line of n times the text.
    window.tiled = (n) => {
      const gap = 40;
      const c = new OffscreenCanvas(n * (bmp.width + gap), bmp.height);
      const ctx = c.getContext('2d');
      ctx.fillStyle = paper;
      ctx.fillRect(0, 0, c.width, c.height);
      for (let i = 0; i < n; i++) ctx.drawImage(bmp, i * (bmp.width + gap), 0);
      return ctx.getImageData(0, 0, c.width, c.height);
    };
    // Horizontal rows of 2-px dashes (6 px on, 4 off: words, not rules) every 6 px:
    // `height / 6` text lines.
    window.stripes = (width, height) => {
      const d = new Uint8ClampedArray(width * height * 4).fill(255);
      for (let y = 0; y < height; y += 6) {
        for (let x = 0; x < width; x += 10) {
          for (const row of [y, y + 1]) d.fill(0, (row * width + x) * 4, (row * width + Math.min(x + 6, width)) * 4);
        }
      }
      for (let i = 3; i < d.length; i += 4) d[i] = 255;
      return new ImageData(d, width, height);
    };
  });
});

after(async () => {
  await h?.close();
});

test('oversized and many-line images are refused within seconds, memory stays small, the next call reads', async () => {
  const out = await page.evaluate(async () => {
    const res = {};
    const r = await inkline.Recognizer.create({ backend: 'cpu' });
    res.base = r.memoryBytes;
    const cases = {
      side: () => new ImageData(8192, 8193),
      pixels: () => new ImageData(4096, 4097),
      lines: () => stripes(600, 6000),
    };
    for (const [name, make] of Object.entries(cases)) {
      const image = make();
      const t = performance.now();
      res[name] = await settle(() => r.recognize(image));
      res[`${name}Ms`] = performance.now() - t;
      res[`${name}Memory`] = r.memoryBytes;
      res[`${name}Next`] = (await r.recognize(fixture)).text;
    }
    res.shortcut = await settle(() => inkline.recognize(stripes(600, 6000)));
    res.shortcutNext = (await inkline.recognize(fixture)).text;
    const w = await inkline.WorkerRecognizer.create({ backend: 'cpu' });
    res.worker = await settle(() => w.recognize(stripes(600, 6000)));
    res.workerNext = (await w.recognize(fixture)).text;
    w.terminate();
    return res;
  });
  assert.match(out.side, /^image: invalid image: image is 8192x8193; the largest accepted side is 8192/);
  assert.match(out.pixels, /^image: invalid image: image is 4096x4097 = 16781312 pixels; at most 16777216/);
  assert.match(out.lines, /^image: invalid image: the image has 1000 text lines; at most 200 are read per call/);
  for (const name of ['side', 'pixels', 'lines']) {
    assert.ok(out[`${name}Ms`] < 10000, `${name}: ${out[`${name}Ms`]} ms`);
    assert.ok(out[`${name}Memory`] < 64 * 1024 * 1024, `${name}: ${out[`${name}Memory`]} bytes of wasm memory`);
    assert.equal(out[`${name}Next`], EXPECTED, `the call after ${name}`);
  }
  assert.match(out.shortcut, /^image: .*text lines/);
  assert.equal(out.shortcutNext, EXPECTED);
  assert.match(out.worker, /^image: .*text lines/);
  assert.equal(out.workerNext, EXPECTED);
});

test('the worker refuses an oversized image before its pixels are copied or posted', async () => {
  const out = await page.evaluate(async () => {
    // Every message the page posts to a worker, by the bytes of pixels it carries.
    const posted = [];
    const post = Worker.prototype.postMessage;
    Worker.prototype.postMessage = function (message, transfer) {
      posted.push(message?.arg?.data?.byteLength ?? 0);
      return post.call(this, message, transfer);
    };
    const w = await inkline.WorkerRecognizer.create({ backend: 'cpu' });
    const res = {};
    for (const [name, image] of [
      ['side', new ImageData(8192, 8193)],
      ['pixels', new ImageData(4096, 4097)],
      ['canvas', new OffscreenCanvas(9000, 10)],
    ]) {
      posted.length = 0;
      res[name] = await settle(() => w.recognize(image));
      res[`${name}Posted`] = Math.max(0, ...posted);
    }
    res.next = (await w.recognize(fixture)).text;
    Worker.prototype.postMessage = post;
    w.terminate();
    return res;
  });
  assert.match(out.side, /^image: invalid image: image is 8192x8193; the largest accepted side is 8192/);
  assert.match(out.pixels, /^image: invalid image: image is 4096x4097 = 16781312 pixels; at most 16777216/);
  assert.match(out.canvas, /^image: invalid image: image is 9000x10; the largest accepted side is 8192/);
  for (const name of ['side', 'pixels', 'canvas']) assert.equal(out[`${name}Posted`], 0, `${name}: pixels posted`);
  assert.equal(out.next, EXPECTED);
});

test('a huge image is read, then the recognizer moves to a fresh instance and the memory is back under 64 MiB', async () => {
  // A page of its own: the wasm instance holds every live recognizer of its page (the tests
  // above leave two), and this one's memory at rest is what is measured.
  const own = await fixturePage(h, FIXTURE);
  const out = await own.evaluate(async () => {
    const [r0, g0, b0] = fixture.data;
    const paper = `rgb(${r0},${g0},${b0})`;
    const r = await inkline.Recognizer.create({ backend: 'cpu' });
    // 4096x4096 (the most pixels accepted) with a line of text in it.
    const c = new OffscreenCanvas(4096, 4096);
    const ctx = c.getContext('2d');
    ctx.fillStyle = paper;
    ctx.fillRect(0, 0, 4096, 4096);
    ctx.drawImage(fixtureBitmap, 100, 2000);
    const big = ctx.getImageData(0, 0, 4096, 4096);
    const before = r.memoryBytes;
    const lines = (await r.recognize(big)).lines.length;
    return { before, lines, after: r.memoryBytes, next: (await r.recognize(fixture)).text };
  });
  await own.close();
  // (Its text is not compared: the fixture's textured board pasted on flat paper normalizes
  // differently from the fixture alone.)
  assert.equal(out.lines, 1);
  assert.ok(out.before < 64 * MiB, `${out.before} bytes at rest`);
  assert.ok(out.after < 64 * MiB, `${out.after} bytes after a 4096x4096 image (${out.before} before)`);
  assert.equal(out.next, EXPECTED);
});

test('recognizers that need much memory at rest (three with the language model) are not moved at every call', async () => {
  const out = await page.evaluate(async () => {
    const rs = [];
    for (let i = 0; i < 3; i++) rs.push(await inkline.Recognizer.create({ backend: 'cpu', lm: true }));
    const before = rs.map((r) => r.memoryBytes);
    const times = [];
    const texts = [];
    for (let round = 0; round < 2; round++) {
      for (const r of rs) {
        const t = performance.now();
        texts.push((await r.recognize(fixture)).text);
        times.push(performance.now() - t);
      }
    }
    return { before, after: rs.map((r) => r.memoryBytes), slowest: Math.max(...times), texts };
  });
  // One instance holds all three (~100 MB at rest), and no call replaced it: a move reloads the
  // model and the language model, ~1 s.
  assert.ok(out.before[0] > 64 * MiB, `${out.before[0]}`);
  assert.deepEqual(out.after, out.before);
  assert.ok(out.slowest < 500, `slowest call ${out.slowest} ms`);
  assert.ok(out.texts.every((t) => t === EXPECTED), JSON.stringify(out.texts));
});

test('a line four times the usual length is read in pieces, on the CPU and WebGPU', async () => {
  const out = await page.evaluate(async () => {
    const image = tiled(4);
    const res = { ratio: image.width / image.height };
    for (const backend of ['cpu', 'webgpu']) {
      const r = await inkline.Recognizer.create({ backend });
      const x = await r.recognize(image);
      res[backend] = { text: x.text, lines: x.lines.length, bbox: x.lines[0]?.bbox, backend: x.backend };
    }
    return res;
  });
  assert.ok(out.ratio > 30, `${out.ratio}`);
  for (const backend of ['cpu', 'webgpu']) {
    const x = out[backend];
    assert.equal(x.backend, backend);
    assert.equal(x.text, Array(4).fill(EXPECTED).join(' '), backend);
    assert.equal(x.lines, 1);
    assert.ok(x.bbox.width > 3 * 800, JSON.stringify(x.bbox));
  }
});

test("'auto' prefers the CPU build to a software WebGPU adapter and says why", async () => {
  const out = await page.evaluate(async () => {
    const adapter = await navigator.gpu?.requestAdapter();
    const software = adapter?.info?.isFallbackAdapter ?? adapter?.isFallbackAdapter;
    const r = await inkline.Recognizer.create();
    return { software, backend: r.backend, reason: r.fallbackReason, text: (await r.recognize(fixture)).text };
  });
  // SwiftShader here: a software adapter, ~100x slower than the CPU build.
  assert.equal(out.software, true);
  assert.equal(out.backend, 'cpu');
  assert.match(out.reason, /software adapter here, slower than the CPU; using the CPU/);
  assert.equal(out.text, EXPECTED);
});

test('canvases with a WebGL or bitmaprenderer context are read, not refused', async () => {
  const out = await page.evaluate(async () => {
    const r = await inkline.Recognizer.create({ backend: 'cpu' });
    const bitmap = document.createElement('canvas');
    bitmap.width = fixtureBitmap.width;
    bitmap.height = fixtureBitmap.height;
    bitmap.getContext('bitmaprenderer').transferFromImageBitmap(await createImageBitmap(fixtureBitmap));
    const gl = document.createElement('canvas');
    gl.width = 200;
    gl.height = 40;
    const ctx = gl.getContext('webgl', { preserveDrawingBuffer: true });
    ctx.clearColor(1, 1, 1, 1);
    ctx.clear(ctx.COLOR_BUFFER_BIT);
    return {
      bitmaprenderer: (await r.recognize(bitmap)).text,
      webgl: await settle(() => r.recognize(gl)),
      webglText: (await r.recognize(gl)).text,
    };
  });
  assert.equal(out.bitmaprenderer, EXPECTED);
  assert.equal(out.webgl, 'resolved');
  assert.equal(out.webglText, '');
});

test("a flipped byte in the model is refused by the file's own checksum; a given checksum names its source", async () => {
  const out = await page.evaluate(async () => {
    const good = new Uint8Array(await (await fetch('/pkg/inkline.inkline')).arrayBuffer());
    const flipped = good.slice();
    flipped[flipped.length - 100] ^= 0x10;
    const manifest = await (await fetch('/pkg/model.json')).json();
    return {
      flipped: await settle(() => inkline.Recognizer.create({ model: flipped, backend: 'cpu' })),
      flippedWorker: await settle(() => inkline.WorkerRecognizer.create({ model: flipped, backend: 'cpu' })),
      option: await settle(() => inkline.Recognizer.create({ model: good, backend: 'cpu', sha256: 'ab'.repeat(32) })),
      right: await settle(() => inkline.Recognizer.create({ model: good, backend: 'cpu', sha256: manifest.sha256 })),
    };
  });
  assert.match(out.flipped, /^model: model file is corrupt: the file's own checksum says [0-9a-f]{64}, its contents hash to/);
  assert.match(out.flippedWorker, /^model: model file is corrupt: the file's own checksum/);
  assert.match(out.option, /^model: model checksum mismatch: the `sha256` option says abab/);
  assert.equal(out.right, 'resolved');
});

test('pixels are taken when the call is made: an image changed or transferred while its call waits reads as it was', async () => {
  const out = await page.evaluate(async () => {
    const copy = () => new ImageData(new Uint8ClampedArray(fixture.data), fixture.width, fixture.height);
    const canvas = () => {
      const c = new OffscreenCanvas(fixture.width, fixture.height);
      c.getContext('2d').putImageData(fixture, 0, 0);
      return c;
    };
    const blank = (c) => {
      const ctx = c.getContext('2d');
      ctx.fillStyle = paper;
      ctx.fillRect(0, 0, c.width, c.height);
    };
    const res = {};
    for (const [name, make] of [
      ['page', () => inkline.Recognizer.create({ backend: 'cpu' })],
      ['worker', () => inkline.WorkerRecognizer.create({ backend: 'cpu' })],
    ]) {
      const r = await make();
      const changed = copy();
      const moved = copy();
      const drawn = canvas();
      const first = r.recognize(fixture);
      const calls = [r.recognize(changed), r.recognize(moved), r.recognize(drawn)];
      // While the first call runs, the caller reuses its images.
      changed.data.fill(255);
      structuredClone(moved.data.buffer, { transfer: [moved.data.buffer] });
      blank(drawn);
      res[name] = [(await first).text, ...(await Promise.all(calls)).map((x) => x.text)];
      res[`${name}Empty`] = await settle(() => r.recognize(moved));
      r.terminate?.();
    }
    return res;
  });
  for (const name of ['page', 'worker']) {
    assert.deepEqual(out[name], [EXPECTED, EXPECTED, EXPECTED, EXPECTED], name);
    assert.match(out[`${name}Empty`], /^image: invalid image: its pixel buffer is empty/, name);
  }
});

for (const backend of ['cpu', 'webgpu']) {
  test(`fuzz: 300 seeded bad inputs on ${backend} settle within 10 s each, as results or Errors with a kind`, async () => {
    const out = await page.evaluate(async (backend) => {
      // mulberry32: a small seeded generator, so a failure can be replayed.
      let seed = backend === 'cpu' ? 17 : 23;
      const rand = () => {
        seed = (seed + 0x6d2b79f5) | 0;
        let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
      const pick = (xs) => xs[Math.floor(rand() * xs.length)];
      const dims = [0, 1, 2, 3, 17, 64, -1, -64, 0.5, 1e9, 8193, NaN, Infinity, '12', null, undefined, {}, 2 ** 32];
      const datas = (n) => [
        new Uint8ClampedArray(Math.max(0, n)),
        new Uint8Array(Math.max(0, n)),
        new Uint8ClampedArray(Math.max(0, n) + 1),
        new Float32Array(4),
        new Uint16Array(Math.max(0, n)),
        [0, 0, 0, 255],
        'pixels',
        null,
        undefined,
        new ArrayBuffer(16),
        new DataView(new ArrayBuffer(16)),
      ];
      const makers = [
        () => pick([null, undefined, 0, -1, NaN, '', 'image.png', true, Symbol('x'), 10n, [], [1, 2], () => 1]),
        () => {
          const width = pick(dims);
          const height = pick(dims);
          const n = typeof width === 'number' && typeof height === 'number' ? width * height * 4 : 16;
          return { width, height, data: pick(datas(Number.isFinite(n) && n < 1e6 ? n : 16)) };
        },
        () => new Proxy(fixture, pick([{}, { get: () => { throw new Error('trap'); } }])),
        () => Object.create(ImageData.prototype),
        () => {
          const img = new ImageData(1 + Math.floor(rand() * 40), 1 + Math.floor(rand() * 40));
          structuredClone(img.data.buffer, { transfer: [img.data.buffer] });
          return img;
        },
        () => new Blob([new Uint8Array(Math.floor(rand() * 64)).map(() => rand() * 256)], { type: pick(['image/png', 'text/plain', '']) }),
        () => {
          // Small valid images of noise: read as something, never a crash.
          const w = 1 + Math.floor(rand() * 48);
          const hgt = 1 + Math.floor(rand() * 48);
          const d = new Uint8ClampedArray(w * hgt * 4).map(() => rand() * 256);
          return new ImageData(d, w, hgt);
        },
        () => ({ width: 10, height: 10, get data() { throw new Error('getter trap'); } }),
        () => document.createElement('canvas'),
      ];
      const r = await inkline.Recognizer.create({ backend });
      const tally = { resolved: 0, rejected: 0 };
      const problems = [];
      const kinds = new Set(['model', 'image', 'argument', 'backend', 'io']);
      for (let i = 0; i < 300; i++) {
        const maker = Math.floor(rand() * makers.length);
        let input;
        try {
          input = makers[maker]();
        } catch (e) {
          problems.push(`case ${i}: the generator failed: ${e.message}`);
          continue;
        }
        const timeout = new Promise((res) => setTimeout(() => res('timeout'), 10000));
        const outcome = await Promise.race([
          r.recognize(input).then(
            (x) => (typeof x.text === 'string' ? 'resolved' : 'bad result'),
            (e) => (e instanceof Error && kinds.has(e.kind) ? 'rejected' : `bad error ${e?.kind} ${e}`),
          ),
          timeout,
        ]);
        if (outcome === 'resolved' || outcome === 'rejected') tally[outcome] += 1;
        else problems.push(`case ${i} (maker ${maker}): ${outcome}`);
      }
      return { tally, problems, backend: r.backend, next: (await r.recognize(fixture)).text };
    }, backend);
    assert.deepEqual(out.problems, []);
    assert.equal(out.tally.resolved + out.tally.rejected, 300);
    assert.ok(out.tally.rejected > 150, JSON.stringify(out.tally));
    assert.equal(out.backend, backend);
    assert.equal(out.next, EXPECTED);
  });
}

test('no uncaught errors or console errors on the page', () => {
  assert.deepEqual(h.errors, []);
});
