// The browser API (pkg/inkline.js) in headless Chromium: both backends, the worker, the
// module-level shortcut, and every bad input answered by a clear rejection.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fixturePage, start } from './harness.mjs';

const [FIXTURE, EXPECTED] = readFileSync(new URL('../fixtures/gt.tsv', import.meta.url), 'utf8')
  .trim()
  .split('\t');

let h;
let page;

before(async () => {
  h = await start();
  page = await fixturePage(h, FIXTURE);
});

after(async () => {
  await h?.close();
});

test('the CPU and WebGPU backends read the same line; timings are numbers', async () => {
  const out = await page.evaluate(async () => {
    const res = {};
    for (const backend of ['cpu', 'webgpu']) {
      const r = await inkline.Recognizer.create({ backend });
      const x = await r.recognize(fixture);
      res[backend] = { ...x, engine: r.backend, fallback: r.fallbackReason };
    }
    return res;
  });
  for (const backend of ['cpu', 'webgpu']) {
    const r = out[backend];
    assert.equal(r.text, EXPECTED, `${backend} text`);
    assert.equal(r.backend, backend, `${backend} ran (${r.fallback})`);
    assert.equal(r.engine, backend);
    assert.equal(r.lines.length, 1);
    assert.equal(r.lines[0].text, EXPECTED);
    for (const k of ['preprocessMs', 'inferenceMs', 'decodeMs', 'totalMs']) {
      assert.equal(typeof r.timing[k], 'number', `${backend} ${k}`);
      assert.ok(r.timing[k] >= 0);
    }
    assert.ok(r.timing.totalMs >= r.timing.inferenceMs);
    assert.ok(r.confidence > 0 && r.confidence <= 1);
    const { x, y, width, height } = r.lines[0].bbox;
    assert.ok(x >= 0 && y >= 0 && width > 100 && height > 5, JSON.stringify(r.lines[0].bbox));
  }
});

test('bad input rejects with a clear error and the recognizer stays usable', async () => {
  const results = await page.evaluate(async () => {
    const r = await inkline.Recognizer.create({ backend: 'cpu' });
    const bad = {
      empty: { width: 0, height: 0, data: new Uint8ClampedArray(0) },
      short: { width: 10, height: 10, data: new Uint8ClampedArray(7) },
      number: 42,
      nothing: null,
      string: 'picture.png',
      huge: { width: 9000, height: 2, data: new Uint8ClampedArray(9000 * 2 * 4) },
      notAnImageBlob: new Blob(['not an image'], { type: 'image/png' }),
    };
    const out = {};
    for (const [name, input] of Object.entries(bad)) {
      try {
        await r.recognize(input);
        out[name] = { error: null };
      } catch (e) {
        out[name] = { error: e.message, isError: e instanceof Error, kind: e.kind };
      }
      out[name].next = (await r.recognize(fixture)).text;
    }
    out.limits = r.limits;
    return out;
  });
  assert.deepEqual(results.limits, { maxSide: 8192, maxPixels: 16777216, maxLines: 200, maxBeam: 128 });
  const expected = {
    empty: /image is empty \(0x0\)/,
    short: /pixel data has 7 bytes, but a 10x10 Rgba8 image needs 400/,
    number: /takes ImageData.*got Number/,
    nothing: /takes ImageData.*got null/,
    string: /takes ImageData.*got String/,
    huge: /9000x2; the largest accepted side is 8192 pixels/,
    notAnImageBlob: /cannot decode the image\/png/,
  };
  for (const [name, re] of Object.entries(expected)) {
    const r = results[name];
    assert.match(r.error ?? 'resolved', re, name);
    assert.ok(r.isError, `${name} rejects with an Error`);
    assert.equal(r.kind, 'image', `${name} is an image error`);
    assert.equal(r.next, EXPECTED, `the call after ${name} works`);
  }
});

test('a corrupt or mismatched model is refused with a clear error', async () => {
  const out = await page.evaluate(async () => {
    const msg = async (opts) => {
      try {
        await inkline.Recognizer.create(opts);
        return 'created';
      } catch (e) {
        return `${e.kind}: ${e.message}`;
      }
    };
    const good = new Uint8Array(await (await fetch('/pkg/inkline.inkline')).arrayBuffer());
    const cut = good.slice(0, 1000);
    const zeros = new Uint8Array(64);
    const r = {
      truncated: await msg({ model: cut, backend: 'cpu' }),
      garbage: await msg({ model: zeros, backend: 'cpu' }),
      checksum: await msg({ model: good, sha256: '00'.repeat(32), backend: 'cpu' }),
      missing: await msg({ model: '/pkg/no-such-model.inkline', backend: 'cpu' }),
      backend: await msg({ backend: 'tpu' }),
    };
    const ok = await inkline.Recognizer.create({ model: good, backend: 'cpu' });
    r.after = (await ok.recognize(fixture)).text;
    r.info = ok.info();
    return r;
  });
  assert.match(out.truncated, /^model: .*(truncated|not an inkline model)/);
  assert.match(out.garbage, /^model: .*(truncated|not an inkline model)/);
  assert.match(out.checksum, /^model: .*checksum mismatch/);
  assert.match(out.missing, /^io: .*HTTP 404/);
  assert.match(out.backend, /^argument: unknown backend 'tpu'/);
  assert.equal(out.after, EXPECTED);
  assert.equal(out.info.backend, 'cpu');
  assert.match(out.info.sha256, /^[0-9a-f]{64}$/);
  assert.ok(out.info.meta.charset.includes('a'));
  // The same metadata as the package manifest (trainer info), in the file's own naming.
  const manifest = JSON.parse(readFileSync(new URL('../../pkg/model.json', import.meta.url), 'utf8'));
  assert.deepEqual(out.info.meta, manifest.meta);
  assert.equal(out.info.sha256, manifest.sha256);
});

test('the shipped language model reads with beam search on both backends and in the worker; bad ones are refused', async () => {
  const out = await page.evaluate(async () => {
    const msg = async (opts) => {
      try {
        await inkline.Recognizer.create({ backend: 'cpu', ...opts });
        return 'created';
      } catch (e) {
        return `${e.kind}: ${e.message}`;
      }
    };
    const res = {};
    for (const backend of ['cpu', 'webgpu']) {
      const r = await inkline.Recognizer.create({ backend, lm: true });
      const x = await r.recognize(fixture);
      res[backend] = { text: x.text, backend: x.backend, decodeMs: x.timing.decodeMs };
    }
    const bytes = new Uint8Array(await (await fetch('/pkg/inkline.lm')).arrayBuffer());
    res.bytes = (await (await inkline.Recognizer.create({ backend: 'cpu', lm: bytes, beam: 4 })).recognize(fixture)).text;
    const w = await inkline.WorkerRecognizer.create({ backend: 'cpu', lm: true });
    res.worker = (await w.recognize(fixture)).text;
    w.terminate();
    res.number = await msg({ lm: 42 });
    res.garbage = await msg({ lm: new Uint8Array(16) });
    res.missing = await msg({ lm: '/pkg/no-such.lm' });
    return res;
  });
  for (const backend of ['cpu', 'webgpu']) {
    assert.equal(out[backend].text, EXPECTED, `${backend} with the LM`);
    assert.equal(out[backend].backend, backend);
    assert.equal(typeof out[backend].decodeMs, 'number');
  }
  assert.equal(out.bytes, EXPECTED);
  assert.equal(out.worker, EXPECTED);
  assert.match(out.number, /^argument: `lm` must be true, a URL/);
  assert.match(out.garbage, /^model: .*not an inkline language model/);
  assert.match(out.missing, /^io: .*HTTP 404/);
});

test('the worker variant, Blob input and the module-level recognize()', async () => {
  const out = await page.evaluate(async () => {
    const w = await inkline.WorkerRecognizer.create({ backend: 'cpu' });
    const fromWorker = await w.recognize(fixture);
    let workerError = null;
    try {
      await w.recognize({ width: 3, height: 3, data: new Uint8ClampedArray(5) });
    } catch (e) {
      workerError = e.message;
    }
    const again = (await w.recognize(fixtureBlob)).text;
    w.terminate();
    const shortcut = await inkline.recognize(fixtureBlob);
    return { worker: fromWorker.text, backend: w.backend, workerError, again, shortcut: shortcut.text };
  });
  assert.equal(out.worker, EXPECTED);
  assert.equal(out.backend, 'cpu');
  assert.match(out.workerError, /pixel data has 5 bytes/);
  assert.equal(out.again, EXPECTED);
  assert.equal(out.shortcut, EXPECTED);
});

test('hostile inputs and options reject clearly within seconds and nothing gets stuck', async () => {
  const out = await page.evaluate(async () => {
    const r = await inkline.Recognizer.create({ backend: 'cpu' });
    const detached = new ImageData(fixture.width, fixture.height);
    structuredClone(detached.data.buffer, { transfer: [detached.data.buffer] });
    const frame = document.createElement('iframe');
    document.body.append(frame);
    const foreign = new frame.contentWindow.ImageData(
      new frame.contentWindow.Uint8ClampedArray(fixture.data),
      fixture.width,
      fixture.height,
    );
    const res = {
      proxy: await settle(() => r.recognize(new Proxy(fixture, {}))),
      fake: await settle(() => r.recognize(Object.create(ImageData.prototype))),
      detached: await settle(() => r.recognize(detached)),
      foreign: (await r.recognize(foreign)).text,
      sha: await settle(() => inkline.Recognizer.create({ backend: 'cpu', sha256: 12 })),
      beam: await settle(() => inkline.Recognizer.create({ backend: 'cpu', beam: 1e6 })),
      options: await settle(() => inkline.Recognizer.create(42)),
      after: (await r.recognize(fixture)).text,
    };
    res.proxyShortcut = await settle(() => inkline.recognize(new Proxy(fixture, {})));
    res.shortcutAfter = (await inkline.recognize(fixture)).text;
    const cpu = await inkline.Recognizer.create('cpu');
    res.stringBackend = cpu.backend;
    res.nullOptions = (await inkline.Recognizer.create(null)).constructor.name;
    const w = await inkline.WorkerRecognizer.create({ backend: 'cpu' });
    res.workerProxy = await settle(() => w.recognize(new Proxy(fixture, {})));
    res.workerAfter = (await w.recognize(fixture)).text;
    w.terminate();
    res.terminated = await settle(() => w.recognize(fixture));
    return res;
  });
  assert.match(out.proxy, /^image: invalid image: its pixels cannot be read/);
  assert.match(out.fake, /^image: invalid image: its pixels cannot be read/);
  assert.match(out.detached, /^image: invalid image: its pixel buffer is empty/);
  assert.equal(out.foreign, EXPECTED, 'an ImageData of another realm is read');
  assert.match(out.sha, /^argument: `sha256` must be 64 hexadecimal digits/);
  assert.match(out.beam, /^argument: .*beam width must be from 1 to 128/);
  assert.match(out.options, /^argument: options must be an object/);
  assert.equal(out.after, EXPECTED);
  assert.match(out.proxyShortcut, /^image: /);
  assert.equal(out.shortcutAfter, EXPECTED);
  assert.equal(out.stringBackend, 'cpu');
  assert.equal(out.nullOptions, 'Recognizer');
  assert.match(out.workerProxy, /^image: /);
  assert.equal(out.workerAfter, EXPECTED);
  assert.match(out.terminated, /^argument: the worker was terminated/);
});

test('every refusal has a kind: undecodable <img>, throwing Proxies, pixels that are not bytes; other realms\' canvases and images are read', async () => {
  const out = await page.evaluate(async (fixtureName) => {
    const r = await inkline.Recognizer.create({ backend: 'cpu' });
    const image = (src, realm = window) =>
      new Promise((resolve) => {
        const img = new realm.Image();
        img.onload = img.onerror = () => resolve(img);
        img.src = src;
      });
    const frame = document.createElement('iframe');
    document.body.append(frame);
    const foreignCanvas = frame.contentDocument.createElement('canvas');
    Object.assign(foreignCanvas, { width: fixture.width, height: fixture.height });
    foreignCanvas.getContext('2d').putImageData(fixture, 0, 0);
    const pixels = (data) => ({ width: fixture.width, height: fixture.height, data });
    const n = fixture.width * fixture.height * 4;
    const thrower = (trap) => new Proxy(fixture, { [trap]: () => { throw new Error(`the ${trap} trap says no`); } });
    const res = {
      missing: await settle(async () => r.recognize(await image('/no-such-image.png'))),
      text: await settle(async () => r.recognize(await image('/README.md'))),
      loading: await settle(() => {
        const img = new Image();
        img.src = '/README.md';
        return r.recognize(img);
      }),
      getTrap: await settle(() => r.recognize(thrower('get'))),
      hasTrap: await settle(() => r.recognize(new Proxy({}, { has: () => { throw new Error('the has trap says no'); } }))),
      float32: await settle(() => r.recognize(pixels(new Float32Array(n / 4)))),
      int8: await settle(() => r.recognize(pixels(new Int8Array(n)))),
      dataView: await settle(() => r.recognize(pixels(new DataView(new ArrayBuffer(n))))),
      foreignCanvas: (await r.recognize(foreignCanvas)).text,
      foreignImage: (await r.recognize(await image(`/tests/fixtures/${fixtureName}`, frame.contentWindow))).text,
    };
    const w = await inkline.WorkerRecognizer.create({ backend: 'cpu' });
    res.workerFloat32 = await settle(() => w.recognize(pixels(new Float32Array(n / 4))));
    res.workerForeign = (await w.recognize(foreignCanvas)).text;
    w.terminate();
    return res;
  }, FIXTURE);
  assert.match(out.missing, /^image: invalid image: cannot decode the <img> .*no-such-image\.png/);
  assert.match(out.text, /^image: invalid image: cannot decode the <img> .*README\.md/);
  assert.match(out.loading, /^image: invalid image: cannot decode the <img> .*README\.md/);
  assert.match(out.getTrap, /^image: invalid image: it cannot be inspected \(the get trap says no\)/);
  assert.match(out.hasTrap, /^image: invalid image: it cannot be inspected \(the has trap says no\)/);
  assert.match(out.float32, /^image: invalid image: `data` must be a Uint8ClampedArray or Uint8Array of RGBA pixels, got Float32Array/);
  assert.match(out.int8, /^image: .*got Int8Array/);
  assert.match(out.dataView, /^image: .*got DataView/);
  assert.match(out.workerFloat32, /^image: .*got Float32Array/);
  assert.equal(out.foreignCanvas, EXPECTED, "an iframe's canvas");
  assert.equal(out.foreignImage, EXPECTED, "an iframe's <img>");
  assert.equal(out.workerForeign, EXPECTED, "an iframe's canvas, in the worker");
});

test('an image with no writing (a ruled line alone, level or tilted) reads as nothing, without running the model', async () => {
  const out = await page.evaluate(async () => {
    const rule = (rise) => {
      const c = new OffscreenCanvas(640, 60);
      const ctx = c.getContext('2d');
      ctx.fillStyle = '#fff';
      ctx.fillRect(0, 0, 640, 60);
      ctx.strokeStyle = '#9ab';
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(20, 30 + rise / 2);
      ctx.lineTo(620, 30 - rise / 2);
      ctx.stroke();
      return ctx.getImageData(0, 0, 640, 60);
    };
    const res = {};
    for (const backend of ['cpu', 'webgpu']) {
      const r = await inkline.Recognizer.create({ backend });
      res[backend] = [];
      for (const rise of [0, 16]) {
        const x = await r.recognize(rule(rise));
        res[backend].push({ text: x.text, lines: x.lines.length, inferenceMs: x.timing.inferenceMs });
      }
    }
    return res;
  });
  for (const backend of ['cpu', 'webgpu']) {
    assert.deepEqual(out[backend], Array(2).fill({ text: '', lines: 0, inferenceMs: 0 }), backend);
  }
});

test('canvas, OffscreenCanvas, ImageBitmap and <img> inputs read the same text', async () => {
  const out = await page.evaluate(async (fixture) => {
    const r = await inkline.Recognizer.create({ backend: 'cpu' });
    const img = new Image();
    img.src = `/tests/fixtures/${fixture}`;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    canvas.getContext('2d').drawImage(img, 0, 0);
    const off = new OffscreenCanvas(img.naturalWidth, img.naturalHeight);
    off.getContext('2d').drawImage(img, 0, 0);
    const bitmap = await createImageBitmap(img);
    const texts = {};
    for (const [name, input] of Object.entries({ img, canvas, off, bitmap })) {
      texts[name] = (await r.recognize(input)).text;
    }
    return texts;
  }, FIXTURE);
  assert.deepEqual(out, { img: EXPECTED, canvas: EXPECTED, off: EXPECTED, bitmap: EXPECTED });
});

test('no console errors besides the intentional 404', () => {
  assert.deepEqual(
    h.errors.filter((e) => !/Failed to load resource.*404/.test(e)),
    [],
  );
});

test('a trap inside a WebGPU call settles it: the call falls back to the CPU and reads the line', async () => {
  // A fresh page: the WebGPU build's first instance is the one the recognizer runs on.
  const fresh = await fixturePage(h, FIXTURE);
  const out = await fresh.evaluate(async () => {
    const r = await inkline.Recognizer.create({ backend: 'webgpu' });
    const first = (await r.recognize(fixture)).text;
    const ran = r.backend;
    // The WebGPU build's exports: wreck its memory above the stack once the next call waits for
    // the GPU's answer, so that it traps when its Rust future resumes (in a microtask, where
    // no caller sees the trap).
    const wasm = await (await import('/pkg/webgpu/inkline.js')).default();
    const mapAsync = GPUBuffer.prototype.mapAsync;
    GPUBuffer.prototype.mapAsync = function (...args) {
      GPUBuffer.prototype.mapAsync = mapAsync;
      return mapAsync.apply(this, args).then(() => {
        new Uint8Array(wasm.memory.buffer).fill(0xff, 1 << 20);
      });
    };
    const settled = await Promise.race([
      r.recognize(fixture).then(
        (x) => `read: ${x.text}`,
        (e) => `rejected: ${e.message}`,
      ),
      new Promise((ok) => setTimeout(() => ok('never settled'), 30_000)),
    ]);
    return { first, ran, settled, backend: r.backend, reason: r.fallbackReason };
  });
  await fresh.close();
  assert.equal(out.ran, 'webgpu', out.reason);
  assert.equal(out.first, EXPECTED);
  assert.equal(out.settled, `read: ${EXPECTED}`);
  assert.equal(out.backend, 'cpu');
  assert.match(out.reason ?? '', /^WebGPU failed \(.+\); using the CPU$/);
});

test('a trapped instance is replaced: that call rejects, the next one reads the line', async () => {
  const out = await page.evaluate(async () => {
    const r = await inkline.Recognizer.create({ backend: 'cpu' });
    const first = (await r.recognize(fixture)).text;
    // The live CPU instance's exports (wasm-bindgen's init returns them once initialized); wreck
    // everything above the 1 MiB stack (statics, allocator, the model) so the next call traps.
    const wasm = await (await import('/pkg/cpu/inkline.js')).default();
    new Uint8Array(wasm.memory.buffer).fill(0xff, 1 << 20);
    let error = null;
    try {
      await r.recognize(fixture);
    } catch (e) {
      error = `${e.constructor.name}: ${e.message}`;
    }
    const again = await r.recognize(fixture);
    return { first, error, again: again.text, backend: r.backend };
  });
  assert.equal(out.first, EXPECTED);
  assert.match(out.error ?? 'no error', /^Error: internal error \(the recognizer restarted\): /);
  assert.equal(out.again, EXPECTED);
  assert.equal(out.backend, 'cpu');
});
