// inkline: offline text-line recognition in the browser (WebGPU, with a CPU fallback).
//
//   import { Recognizer, recognize } from './pkg/inkline.js';
//   const r = await Recognizer.create();            // the shipped model, backend 'auto'
//   const { text, lines, timing, backend } = await r.recognize(imageData);
//
// Two wasm builds sit next to this file: ./cpu/ (burn-flex, wasm SIMD) and ./webgpu/
// (burn-wgpu). A page that only uses the CPU never downloads the WebGPU build.

const BUILD_URLS = {
  cpu: new URL('./cpu/inkline.js', import.meta.url),
  webgpu: new URL('./webgpu/inkline.js', import.meta.url),
};
const MANIFEST_URL = new URL('./model.json', import.meta.url);
// The shipped character language model (`lm: true`).
const LM_URL = new URL('./inkline.lm', import.meta.url);

// kind -> Promise of a build: `{ kind, mod, memory, resting, retired, busy, engines }`, an
// initialized copy of the wasm-bindgen glue with its own wasm instance, that instance's linear
// memory, and the size that memory had once its engines were made (models, language models,
// warm-up). A wasm instance's memory never shrinks, so an instance that trapped (a Rust panic),
// or that a call grew past `RESET_BYTES` and more than `GROWTH_BYTES` over its resting size (a
// huge image), is retired: dropped from here, and every recognizer on it moves to a fresh
// instance before its next call. Once no call runs on it, its engines are freed and its glue
// copy lets go of the instance (`__inkline_release`, added by scripts/build-pkg.sh), so the
// memory is returned to the browser: a module's glue, once imported, is never unloaded.
const builds = new Map();
// kind -> Promise of its compiled WebAssembly.Module: compiled once, instantiated per build.
const compiled = new Map();
let instanceCounter = 0;

/** Wasm memory an instance may hold after a call before a fresh one replaces it... */
const RESET_BYTES = 64 * 1024 * 1024;
/** ...when a call grew it by more than this over what its engines need at rest. */
const GROWTH_BYTES = 16 * 1024 * 1024;

/**
 * The compiled wasm of build `kind`, fetched and compiled once per page or worker; `progress`
 * hears `{ stage: 'wasm', loaded, total }` as it downloads, then `{ stage: 'compile' }`.
 */
function compileBuild(kind, progress = null) {
  let p = compiled.get(kind);
  if (!p) {
    p = (async () => {
      const bytes = await fetchBytes(new URL('inkline_bg.wasm', BUILD_URLS[kind]), progress, 'wasm');
      report(progress, { stage: 'compile', loaded: 0, total: 0 });
      return WebAssembly.compile(bytes);
    })();
    p.catch(() => compiled.delete(kind));
    compiled.set(kind, p);
  }
  return p;
}

function loadBuild(kind, progress = null) {
  let p = builds.get(kind);
  if (!p) {
    p = (async () => {
      // Each instance needs its own copy of the glue (it keeps its instance in module scope).
      const url = new URL(BUILD_URLS[kind]);
      if (instanceCounter > 0) url.searchParams.set('instance', String(instanceCounter));
      instanceCounter += 1;
      const [mod, module] = await Promise.all([import(url.href), compileBuild(kind, progress)]);
      const wasm = await mod.default({ module_or_path: module });
      return { kind, mod, memory: wasm.memory, resting: 0, retired: false, busy: 0, engines: new Set() };
    })();
    p.catch(() => builds.delete(kind));
    builds.set(kind, p);
  }
  return p;
}

/**
 * Frees a retired build's engines and lets its glue copy drop the wasm instance, once no call
 * runs on it. Engines are held weakly: one the page dropped was freed by its finalizer.
 */
function release(build) {
  if (!build.retired || build.busy > 0 || !build.memory) return;
  for (const ref of build.engines) {
    try {
      ref.deref()?.free();
    } catch {
      // A trapped instance may fail to free; it is dropped whole below.
    }
  }
  build.engines.clear();
  build.mod.__inkline_release?.();
  build.memory = null;
}

/** Takes `build` out of use: the next load of its kind instantiates the module afresh. */
async function retire(build) {
  build.retired = true;
  if ((await builds.get(build.kind)?.catch(() => null)) === build) builds.delete(build.kind);
  release(build);
}

/** Whether an error is a trapped wasm instance (a Rust panic or abort). */
function isTrap(e) {
  return e instanceof WebAssembly.RuntimeError;
}

/** The rejects of the engine calls in flight, for a trap that no call can see. */
const inFlight = new Set();
let watchingTraps = false;

/**
 * `call` (an engine's promise), rejected with the trap if the module traps while it runs. An
 * async export runs its Rust future in a microtask: a panic there (an abort, a trap) is thrown
 * out of that task as an unhandled rejection, and the export's promise is never settled. The
 * global `unhandledrejection` (or `error`) event sees it; every call in flight then rejects
 * with the trap, so that its instance is replaced (or WebGPU falls back to the CPU) instead of
 * waiting forever.
 */
function untilTrap(call) {
  if (!watchingTraps && typeof globalThis.addEventListener === 'function') {
    watchingTraps = true;
    const onTrap = (trap, event) => {
      if (!isTrap(trap) || inFlight.size === 0) return;
      event.preventDefault();
      for (const reject of inFlight) reject(trap);
      inFlight.clear();
    };
    // Thrown from a microtask, or (as wasm-bindgen's task queue runs) from a promise callback.
    globalThis.addEventListener('error', (e) => onTrap(e.error, e));
    globalThis.addEventListener('unhandledrejection', (e) => onTrap(e.reason, e));
  }
  let reject;
  const trapped = new Promise((_, r) => {
    reject = r;
  });
  inFlight.add(reject);
  return Promise.race([call, trapped]).finally(() => inFlight.delete(reject));
}

function asError(e) {
  return e instanceof Error ? e : new Error(String(e));
}

/**
 * An error with a machine-readable `kind`, as the wasm module reports its own: 'model',
 * 'image', 'argument', 'backend' or 'io'.
 */
function fail(kind, message, Type = Error) {
  return Object.assign(new Type(message), { kind });
}

/**
 * The bytes at `url`, reporting `{ stage, loaded, total }` to `progress` as they arrive
 * (`total` is 0 when the server does not say).
 */
async function fetchBytes(url, progress, stage) {
  let res;
  try {
    res = await fetch(url);
  } catch (e) {
    throw fail('io', `cannot load ${url}: ${asError(e).message} (offline?)`);
  }
  if (!res.ok) throw fail('io', `cannot load ${url}: HTTP ${res.status}`);
  const total = Number(res.headers.get('content-length')) || 0;
  if (!progress || !res.body) return new Uint8Array(await res.arrayBuffer());
  const chunks = [];
  let loaded = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.byteLength;
    report(progress, { stage, loaded, total });
  }
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  return bytes;
}

/** Calls the user's progress callback; an exception in it never breaks loading. */
function report(progress, event) {
  try {
    progress?.(event);
  } catch (e) {
    console.warn('inkline: the onProgress callback threw:', e);
  }
}

/**
 * Model bytes, the checksum they must have and where that checksum comes from, from the
 * `model` and `sha256` options. The model file's own checksum is verified in any case.
 */
async function modelBytes(model, sha256, progress) {
  const option = sha256 ? 'the `sha256` option' : null;
  if (model === undefined || model === null) {
    const manifest = JSON.parse(new TextDecoder().decode(await fetchBytes(MANIFEST_URL)));
    const bytes = await fetchBytes(new URL(manifest.file, MANIFEST_URL), progress, 'model');
    return { bytes, sha256: sha256 ?? manifest.sha256, from: option ?? `the manifest ${MANIFEST_URL}` };
  }
  if (typeof model === 'string' || model instanceof URL) {
    return { bytes: await fetchBytes(model, progress, 'model'), sha256, from: option };
  }
  if (model instanceof ArrayBuffer) return { bytes: new Uint8Array(model), sha256, from: option };
  if (ArrayBuffer.isView(model)) {
    return { bytes: new Uint8Array(model.buffer, model.byteOffset, model.byteLength), sha256, from: option };
  }
  throw fail('argument', '`model` must be a URL, an ArrayBuffer or a Uint8Array', TypeError);
}

/** Whether `lm` is a value the `lm` option takes. */
function isLmOption(lm) {
  return (
    lm === undefined || lm === null || typeof lm === 'boolean' || typeof lm === 'string' ||
    lm instanceof URL || lm instanceof ArrayBuffer || ArrayBuffer.isView(lm)
  );
}

/** Language model bytes from the `lm` option (`true`: the shipped one), or null for none. */
async function lmBytes(lm, progress) {
  if (lm === undefined || lm === null || lm === false) return null;
  if (lm === true) return fetchBytes(LM_URL, progress, 'lm');
  if (typeof lm === 'string' || lm instanceof URL) return fetchBytes(lm, progress, 'lm');
  if (lm instanceof ArrayBuffer) return new Uint8Array(lm);
  return new Uint8Array(lm.buffer, lm.byteOffset, lm.byteLength);
}

/**
 * Whether WebGPU can run the model: an adapter exists, and (unless `allowSoftware`) it is a
 * real GPU, since a software adapter (SwiftShader) is ~100x slower than the CPU build.
 */
async function webgpuAvailable(allowSoftware) {
  try {
    const adapter = globalThis.navigator?.gpu && (await navigator.gpu.requestAdapter());
    if (!adapter) return false;
    const software = adapter.info?.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false;
    return allowSoftware || !software;
  } catch {
    return false;
  }
}

/**
 * The options of `create`: an object, a backend name (`create('cpu')`), or nothing; checked
 * here so that a bad option is a clear `argument` error, never a trap in the module.
 */
function checkOptions(options) {
  if (options === undefined || options === null) return {};
  if (typeof options === 'string') return { backend: options };
  if (typeof options !== 'object') {
    throw fail('argument', `options must be an object or a backend name, got ${typeof options}`, TypeError);
  }
  const { sha256, lm, onProgress } = options;
  if (onProgress !== undefined && onProgress !== null && typeof onProgress !== 'function') {
    throw fail('argument', '`onProgress` must be a function', TypeError);
  }
  if (!isLmOption(lm)) {
    throw fail('argument', '`lm` must be true, a URL, an ArrayBuffer or a Uint8Array (a language model file)', TypeError);
  }
  if (sha256 !== undefined && sha256 !== null && !(typeof sha256 === 'string' && /^[0-9a-fA-F]{64}$/.test(sha256))) {
    throw fail('argument', '`sha256` must be 64 hexadecimal digits (the SHA-256 of the model bytes)', TypeError);
  }
  return options;
}

/** The wasm module's limits, `{ maxSide, maxPixels, maxLines, maxBeam }`, asked of a build. */
async function moduleLimits(kind = 'cpu') {
  return (await loadBuild(kind)).mod.limits();
}

/** `Object.prototype.toString`'s tag of `value` ('ImageData', 'HTMLCanvasElement'...), which
 * names a platform object of any realm (an iframe's canvas is not `instanceof` this one's). */
function tagOf(value) {
  return Object.prototype.toString.call(value).slice(8, -1);
}

/** The byte views `data` may be: RGBA bytes (of this realm or another). */
const PIXEL_ARRAYS = ['Uint8ClampedArray', 'Uint8Array'];

/**
 * `{ width, height, data }` read out of an ImageData-like object into plain values and a
 * Uint8ClampedArray of this realm viewing its pixels. A Proxy of an ImageData (Vue's `reactive`), an object that only claims to be one,
 * pixels of another type than bytes (Float32Array, DataView...) or pixels whose buffer was
 * detached (transferred) are refused with an `image` error here, before the module sees them.
 */
function plainPixels(image) {
  let width, height, data, type;
  try {
    ({ width, height, data } = image);
    type = tagOf(data);
    // A detached buffer reads as empty (and cannot be viewed): refused below.
    if (PIXEL_ARRAYS.includes(type) && data.byteLength > 0) {
      // Viewed from this realm (another realm's ImageData has its own typed arrays).
      data = new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength);
    }
  } catch (e) {
    throw fail(
      'image',
      `invalid image: its pixels cannot be read (${asError(e).message}); pass a plain ImageData (Vue: toRaw())`,
    );
  }
  if (!PIXEL_ARRAYS.includes(type)) {
    throw fail('image', `invalid image: \`data\` must be a Uint8ClampedArray or Uint8Array of RGBA pixels, got ${type}`);
  }
  if (data.byteLength === 0 && width * height > 0) {
    throw fail('image', 'invalid image: its pixel buffer is empty (detached or transferred?)');
  }
  return { width, height, data };
}

/** Whether a `width` x `height` image is within the module's `limits` (then it needs no check). */
function within(limits, width, height) {
  return (
    Boolean(limits) && width > 0 && height > 0 && width <= limits.maxSide && height <= limits.maxSide &&
    width * height <= limits.maxPixels
  );
}

/**
 * The wasm module's own size check (it throws its `image` error) for an image about to be
 * drawn and copied; asks a build this page already loaded, else the CPU build.
 */
export async function checkImageSize(width, height) {
  const { mod } = await loadBuild(builds.has('webgpu') && !builds.has('cpu') ? 'webgpu' : 'cpu');
  try {
    mod.checkSize(width, height);
  } catch (e) {
    throw asError(e);
  }
}

function canvas2d(width, height) {
  const c =
    typeof OffscreenCanvas !== 'undefined'
      ? new OffscreenCanvas(width, height)
      : Object.assign(document.createElement('canvas'), { width, height });
  return c.getContext('2d', { willReadFrequently: true });
}

/** Kinds of image drawn onto a canvas to read their pixels. */
const DRAWABLE = ['HTMLCanvasElement', 'OffscreenCanvas', 'ImageBitmap', 'HTMLImageElement'];

/**
 * Converts what a page has (ImageData, a canvas, ImageBitmap, an <img>, a Blob or File, or
 * `{ width, height, data }`, of this realm or another such as an iframe's) to ImageData-like
 * pixels. Canvases and images are sized by `check(width, height)` (default: the wasm module's
 * own check; a check that returns nothing answers at once) before they are drawn. With `copy`,
 * pixels the caller owns are copied, so that the result never changes; canvases are read at
 * once when the check answers at once. Every failure is an Error with `kind` 'image'.
 */
export async function toImageData(image, check = checkImageSize, copy = false) {
  let type;
  try {
    type = tagOf(image);
  } catch (e) {
    throw fail('image', `invalid image: it cannot be inspected (${asError(e).message})`);
  }
  if (type === 'ImageData') return ownPixels(plainPixels(image), check, copy);
  if (type === 'Blob' || type === 'File') {
    let bitmap;
    try {
      bitmap = await createImageBitmap(image);
    } catch (e) {
      throw fail('image', `invalid image: cannot decode the ${image.type || 'blob'} (${asError(e).message})`);
    }
    try {
      return await toImageData(bitmap, check);
    } finally {
      bitmap.close?.();
    }
  }
  if (DRAWABLE.includes(type)) return drawnPixels(image, type, check);
  let plain = false;
  try {
    plain = Boolean(image) && typeof image === 'object' && 'width' in image && 'height' in image && 'data' in image;
  } catch (e) {
    throw fail('image', `invalid image: it cannot be inspected (${asError(e).message})`);
  }
  if (plain) return ownPixels(plainPixels(image), check, copy);
  const kind = image === null ? 'null' : type === 'Object' ? (image?.constructor?.name ?? typeof image) : type;
  throw fail(
    'image',
    `invalid image: recognize() takes ImageData, a canvas, ImageBitmap, HTMLImageElement or Blob; got ${kind}`,
    TypeError,
  );
}

/**
 * `pixels` (the caller's) once `check` passed their size, copied when `copy`: a copy is made at
 * once when the check answers at once, and never of an image the check refuses.
 */
async function ownPixels(pixels, check, copy) {
  const pending = check(pixels.width, pixels.height);
  if (pending) await pending;
  return copy ? { ...pixels, data: pixels.data.slice() } : pixels;
}

/** The pixels of a canvas, bitmap or <img> (`type` is its tag), sized by `check` first. */
async function drawnPixels(image, type, check) {
  try {
    if (type === 'HTMLImageElement') {
      if (!image.complete) await image.decode();
      if (!image.naturalWidth || !image.naturalHeight) throw new Error('it has no pixels (not loaded, or not an image)');
    }
  } catch (e) {
    throw fail('image', `invalid image: cannot decode the <img> ${image.currentSrc || image.src || ''} (${asError(e).message})`);
  }
  const width = type === 'HTMLImageElement' ? image.naturalWidth : image.width;
  const height = type === 'HTMLImageElement' ? image.naturalHeight : image.height;
  // Awaited only when the check cannot answer at once: a canvas is read when the call is made.
  const pending = check(width, height);
  if (pending) await pending;
  try {
    if (type === 'HTMLCanvasElement' || type === 'OffscreenCanvas') {
      // A canvas that already has a WebGL or bitmaprenderer context has no 2d one (null): it is
      // drawn like an image instead.
      let ctx = null;
      try {
        ctx = image.getContext('2d');
      } catch {
        ctx = null;
      }
      // Another realm's canvas gives another realm's ImageData: read it out as plain pixels.
      if (ctx) return plainPixels(ctx.getImageData(0, 0, width, height));
    }
    const ctx = canvas2d(width, height);
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, width, height);
    ctx.drawImage(image, 0, 0);
    return plainPixels(ctx.getImageData(0, 0, width, height));
  } catch (e) {
    if (e?.kind) throw e;
    throw fail('image', `invalid image: the ${type} cannot be drawn (${asError(e).message})`);
  }
}

/** A loaded model. Create with `await Recognizer.create(options)`. */
export class Recognizer {
  #source;
  #engine;
  // The build the engine lives in, and its backend, kept in JS: a trapped instance cannot be asked.
  #build;
  #limits;
  // The engine's `info()`, asked when the engine is made (a retired engine is freed).
  #info;
  #queue = Promise.resolve();

  /** Why WebGPU is not in use although it was asked for, or null. */
  fallbackReason = null;

  constructor(secret, source, { engine, build }, fallbackReason, limits) {
    if (secret !== Recognizer.#token) throw new TypeError('use `await Recognizer.create(options)`');
    this.#source = source;
    this.#engine = engine;
    this.#build = build;
    this.#info = engine.info();
    this.fallbackReason = fallbackReason;
    this.#limits = limits;
  }

  static #token = Symbol('Recognizer');

  /**
   * Loads a model. Options: `model` (URL or bytes; default: the shipped model, checked against
   * ./model.json), `sha256` (expected checksum of `model`), `backend` ('auto' | 'webgpu' |
   * 'cpu', default 'auto'), `beam` (beam-search width; 0 = best path, the default), `lm` (a
   * character language model fused into beam search: `true` for the shipped ./inkline.lm, a
   * URL, or bytes; with it `beam` 0 means width 16), `onProgress` (called with `{ stage,
   * loaded, total }` as the model ('model') and language model ('lm') download, then 'start',
   * then as the module downloads ('wasm', with bytes) and compiles ('compile'), the model is
   * loaded into it ('engine') and the CPU build warms up ('warm'); a stage already done by an
   * earlier recognizer on the page is not reported again). Every model file also carries its own
   * checksum, verified on load.
   */
  static async create(options) {
    options = checkOptions(options);
    const { backend = 'auto', beam = 0 } = options;
    if (!['auto', 'webgpu', 'cpu'].includes(backend)) {
      throw fail('argument', `unknown backend '${backend}' (expected 'auto', 'webgpu' or 'cpu')`);
    }
    if (!Number.isInteger(beam) || beam < 0) throw fail('argument', '`beam` must be a whole number >= 0');
    const progress = options.onProgress ?? null;
    const model = await modelBytes(options.model, options.sha256, progress);
    const source = { ...model, beam, lm: await lmBytes(options.lm, progress) };
    report(progress, { stage: 'start', loaded: 0, total: 0 });
    source.progress = progress;
    let fallbackReason = null;
    if (backend !== 'cpu') {
      if (await webgpuAvailable(backend === 'webgpu')) {
        try {
          const loaded = await Recognizer.#engineOn('webgpu', source);
          const limits = await moduleLimits('webgpu');
          source.progress = null;
          return new Recognizer(Recognizer.#token, source, loaded, null, limits);
        } catch (e) {
          if (!isBackendFailure(e)) throw asError(e);
          fallbackReason = `WebGPU failed (${asError(e).message}); using the CPU`;
        }
      } else if (backend === 'webgpu') {
        fallbackReason = 'WebGPU is not available in this browser; using the CPU';
      } else if (await webgpuAvailable(true)) {
        fallbackReason = 'WebGPU runs on a software adapter here, slower than the CPU; using the CPU';
      }
    }
    const loaded = await Recognizer.#engineOn('cpu', source);
    const limits = await moduleLimits('cpu');
    // Later moves to a fresh instance report nothing.
    source.progress = null;
    return new Recognizer(Recognizer.#token, source, loaded, fallbackReason, limits);
  }

  /** An engine for `source` on a live build of `kind` (the CPU's warmed up): `{ engine, build }`. */
  static async #engineOn(kind, { bytes, sha256, from, beam, lm, progress }) {
    const build = await loadBuild(kind, progress);
    report(progress, { stage: 'engine', loaded: 0, total: 0 });
    let engine;
    try {
      engine = await build.mod.Engine.create(bytes, kind, sha256 ?? undefined, from ?? undefined, beam, lm ?? undefined);
    } catch (e) {
      if (isTrap(e)) await retire(build);
      throw asError(e);
    }
    build.engines.add(new WeakRef(engine));
    if (kind === 'cpu') {
      report(progress, { stage: 'warm', loaded: 0, total: 0 });
      await warm(engine);
    }
    build.resting = Math.max(build.resting, build.memory.buffer.byteLength);
    return { engine, build };
  }

  /** The backend in use: 'webgpu' or 'cpu'. */
  get backend() {
    return this.#build.kind;
  }

  /**
   * The limits the module enforces: `{ maxSide, maxPixels, maxLines, maxBeam }` (largest image
   * side and pixel count, most text lines per call, widest beam).
   */
  get limits() {
    return this.#limits;
  }

  /**
   * Bytes of wasm memory held by the instance this recognizer runs on (0 while it waits to
   * move off a retired one). After a call that left it over 64 MiB and 16 MiB above what its
   * engines need at rest (a huge image), the recognizer moves to a fresh instance and the old
   * one's memory goes back to the browser.
   */
  get memoryBytes() {
    return this.#build.memory?.buffer.byteLength ?? 0;
  }

  /** `{ backend, sha256, meta }`: the model's architecture, charset, provenance and metrics. */
  info() {
    return this.#info;
  }

  /**
   * Reads every text line of `image`. Resolves to `{ text, confidence, lines: [{ text,
   * confidence, bbox, quad }], timing: { preprocessMs, inferenceMs, decodeMs, totalMs }, backend }`;
   * rejects with an Error for bad input, and stays usable. Calls run one at a time, in order.
   */
  recognize(image) {
    // The pixels are taken now (a copy), not when the call's turn comes: the caller may reuse
    // its ImageData or canvas meanwhile.
    const pixels = toImageData(image, (w, h) => (within(this.#limits, w, h) ? null : checkImageSize(w, h)), true);
    pixels.catch(() => {});
    const run = this.#queue.then(async () => this.#recognize(await pixels));
    this.#queue = run.catch(() => {});
    return run;
  }

  async #recognize(pixels) {
    if (this.#build.retired) await this.#swapTo(this.#build.kind);
    const build = this.#build;
    build.busy += 1;
    try {
      return await untilTrap(this.#engine.recognize(pixels));
    } catch (e) {
      const broken = isTrap(e) || !answers(this.#engine);
      if (build.kind === 'webgpu' && (broken || isBackendFailure(e))) {
        // WebGPU failed mid-way (device lost, shader error, a trap): this call and every later
        // one run on the CPU.
        await retire(build);
        this.fallbackReason = `WebGPU failed (${asError(e).message}); using the CPU`;
        await this.#swapTo('cpu');
        return untilTrap(this.#engine.recognize(pixels));
      }
      if (broken) {
        // The instance is unusable after a trap: the next call gets a fresh one.
        await retire(build);
        await this.#swapTo('cpu');
        throw fail('backend', `internal error (the recognizer restarted): ${asError(e).message}`);
      }
      throw asError(e);
    } finally {
      build.busy -= 1;
      const bytes = build.memory?.buffer.byteLength ?? 0;
      if (bytes > RESET_BYTES && bytes > build.resting + GROWTH_BYTES && !build.retired) {
        // A large image grew the instance; give the page its memory back.
        await retire(build);
        if (this.#build === build) await this.#swapTo(build.kind).catch(() => {});
      }
      release(build);
    }
  }

  async #swapTo(kind) {
    ({ engine: this.#engine, build: this.#build } = await Recognizer.#engineOn(kind, this.#source));
    this.#info = this.#engine.info();
  }
}

/**
 * Reads a long synthetic line a few times: V8 first runs the module with its baseline compiler
 * and optimizes the hot code in the background, so without this the first real calls after
 * `create()` are 2-3x slower than later ones. What counts is the time spent: three reads of a
 * 2048-px line (~0.6 s) let the optimized code arrive before `create()` resolves (first call
 * 1.1x a steady one); a 512-px line left it at 2.3x. A failure here is left to the first real
 * call.
 */
async function warm(engine) {
  const width = 2048;
  const height = 32;
  const data = new Uint8ClampedArray(width * height * 4).fill(255);
  for (let x = 16; x < width - 16; x++) {
    if (Math.floor(x / 12) % 2) continue;
    for (let y = 10; y < 22; y++) data.fill(0, (y * width + x) * 4, (y * width + x) * 4 + 3);
  }
  try {
    for (let i = 0; i < 3; i++) await untilTrap(engine.recognize({ width, height, data }));
  } catch {
    // The first real call reports (and recovers from) a broken engine.
  }
}

/** Whether a wasm engine still answers after an error (a broken instance throws or traps). */
function answers(engine) {
  try {
    return typeof engine.backend === 'string';
  } catch {
    return false;
  }
}

/** Whether an error is the backend's (the module says so by `kind`), or a trap. */
function isBackendFailure(e) {
  return isTrap(e) || e?.kind === 'backend';
}

let shared = null;

/** Reads `image` with a default recognizer (the shipped model, backend 'auto'), made once. */
export async function recognize(image) {
  if (!shared) {
    shared = Recognizer.create();
    shared.catch(() => {
      shared = null;
    });
  }
  return (await shared).recognize(image);
}

/**
 * The same API in a Web Worker, so that the page never blocks: `await WorkerRecognizer.create(
 * options)` then `await w.recognize(image)`; `w.terminate()` ends the worker.
 */
export class WorkerRecognizer {
  #worker;
  #pending = new Map();
  #next = 0;
  #terminated = false;
  backend = null;
  fallbackReason = null;
  /** The limits the module enforces: `{ maxSide, maxPixels, maxLines, maxBeam }`. */
  limits = null;

  constructor(secret, worker) {
    if (secret !== WorkerRecognizer.#token) throw new TypeError('use `await WorkerRecognizer.create(options)`');
    this.#worker = worker;
    worker.onmessage = ({ data }) => {
      const p = this.#pending.get(data.id);
      if (!p) return;
      if (data.progress) {
        report(p.onProgress, data.progress);
        return;
      }
      this.#pending.delete(data.id);
      if (data.ok) p.resolve(data.value);
      else {
        const Type = data.name === 'TypeError' ? TypeError : Error;
        p.reject(Object.assign(new Type(data.error), data.kind ? { kind: data.kind } : {}));
      }
    };
    worker.onerror = (ev) => {
      // A script that cannot be loaded fires a plain Event (no message).
      const why =
        ev.message ??
        'its script could not be loaded (offline, and no service worker covers it? see the `worker` option)';
      for (const p of this.#pending.values()) p.reject(fail('io', `worker error: ${why}`));
      this.#pending.clear();
    };
  }

  static #token = Symbol('WorkerRecognizer');

  /**
   * Starts a worker and loads a model in it; options as for `Recognizer.create`, and `worker`:
   * the URL of the module worker script (default: ./worker.js beside this file). An offline
   * app whose service worker's scope does not cover this package gives a script in its scope
   * that imports this package's worker.js: a worker's requests go through a service worker
   * only when the worker's own URL is in its scope.
   */
  static async create(options) {
    const opts = { ...checkOptions(options) };
    // A function cannot be posted: the worker posts progress events back instead.
    const onProgress = opts.onProgress;
    delete opts.onProgress;
    opts.progress = Boolean(onProgress);
    const script = new URL(opts.worker ?? './worker.js', opts.worker ? globalThis.location?.href : import.meta.url);
    delete opts.worker;
    const worker = new Worker(script, { type: 'module' });
    const w = new WorkerRecognizer(WorkerRecognizer.#token, worker);
    if (typeof opts.model === 'string' || opts.model instanceof URL) {
      opts.model = new URL(opts.model, globalThis.location?.href).href;
    }
    try {
      const state = await w.#call('create', opts, onProgress);
      w.backend = state.backend;
      w.fallbackReason = state.fallbackReason;
      w.limits = state.limits;
    } catch (e) {
      worker.terminate();
      throw e;
    }
    return w;
  }

  #call(op, arg, onProgress = null, transfer = []) {
    if (this.#terminated) return Promise.reject(fail('argument', 'the worker was terminated'));
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, onProgress });
      this.#worker.postMessage({ id, op, arg }, transfer);
    });
  }

  /** Model information, as `Recognizer.info()`. */
  info() {
    return this.#call('info');
  }

  /**
   * Reads every text line of `image` in the worker; as `Recognizer.recognize`. The pixels are
   * taken when the call is made, and an image over the module's limits is refused (by the
   * worker's module, with its message) before its pixels are drawn or posted.
   */
  async recognize(image) {
    const check = (w, h) => (within(this.limits, w, h) ? null : this.#call('checkSize', [w, h]));
    const pixels = await toImageData(image, check, true);
    const plain = { width: pixels.width, height: pixels.height, data: pixels.data };
    // The pixels are this call's own (a copy, or drawn for it): moved to the worker, not copied.
    const r = await this.#call('recognize', plain, null, [plain.data.buffer]);
    this.backend = r.backend;
    return r;
  }

  /** Stops the worker. */
  terminate() {
    this.#terminated = true;
    this.#worker.terminate();
    for (const p of this.#pending.values()) p.reject(fail('argument', 'the worker was terminated'));
    this.#pending.clear();
  }
}
