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

// kind -> Promise of an initialized wasm-bindgen module. An instance that trapped (a Rust
// panic) is dropped and the next use imports a fresh copy.
const builds = new Map();
let instanceCounter = 0;

function loadBuild(kind) {
  let p = builds.get(kind);
  if (!p) {
    p = (async () => {
      const url = new URL(BUILD_URLS[kind]);
      if (instanceCounter > 0) url.searchParams.set('instance', String(instanceCounter));
      instanceCounter += 1;
      const mod = await import(url.href);
      await mod.default({ module_or_path: new URL('inkline_bg.wasm', BUILD_URLS[kind]) });
      return mod;
    })();
    p.catch(() => builds.delete(kind));
    builds.set(kind, p);
  }
  return p;
}

/** Whether an error is a trapped wasm instance (a Rust panic or abort). */
function isTrap(e) {
  return e instanceof WebAssembly.RuntimeError;
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

async function fetchBytes(url) {
  const res = await fetch(url);
  if (!res.ok) throw fail('io', `cannot load ${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** Model bytes and the checksum they must have, from the `model` option. */
async function modelBytes(model, sha256) {
  if (model === undefined || model === null) {
    const res = await fetch(MANIFEST_URL);
    if (!res.ok) throw fail('io', `cannot load the model manifest ${MANIFEST_URL}: HTTP ${res.status}`);
    const manifest = await res.json();
    const bytes = await fetchBytes(new URL(manifest.file, MANIFEST_URL));
    return { bytes, sha256: sha256 ?? manifest.sha256 };
  }
  if (typeof model === 'string' || model instanceof URL) {
    return { bytes: await fetchBytes(model), sha256 };
  }
  if (model instanceof ArrayBuffer) return { bytes: new Uint8Array(model), sha256 };
  if (ArrayBuffer.isView(model)) {
    return { bytes: new Uint8Array(model.buffer, model.byteOffset, model.byteLength), sha256 };
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
async function lmBytes(lm) {
  if (lm === undefined || lm === null || lm === false) return null;
  if (lm === true) return fetchBytes(LM_URL);
  if (typeof lm === 'string' || lm instanceof URL) return fetchBytes(lm);
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
  const { sha256, lm } = options;
  if (!isLmOption(lm)) {
    throw fail('argument', '`lm` must be true, a URL, an ArrayBuffer or a Uint8Array (a language model file)', TypeError);
  }
  if (sha256 !== undefined && sha256 !== null && !(typeof sha256 === 'string' && /^[0-9a-fA-F]{64}$/.test(sha256))) {
    throw fail('argument', '`sha256` must be 64 hexadecimal digits (the SHA-256 of the model bytes)', TypeError);
  }
  return options;
}

/** The wasm module's limits, `{ maxSide, maxBeam }`, asked of a loaded build. */
async function moduleLimits(kind = 'cpu') {
  return (await loadBuild(kind)).limits();
}

/**
 * `{ width, height, data }` read out of an ImageData-like object into plain values and a typed
 * array of this realm: what the module is handed. A Proxy of an ImageData (Vue's `reactive`),
 * an object that only claims to be one, or pixels whose buffer was detached (transferred) are
 * refused with an `image` error here, before the module sees them.
 */
function plainPixels(image) {
  let width, height, data;
  try {
    ({ width, height, data } = image);
    if (ArrayBuffer.isView(data) && !(data instanceof Uint8ClampedArray || data instanceof Uint8Array)) {
      // A typed array of another realm (an iframe's ImageData): view it from this realm.
      data = new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength);
    }
  } catch (e) {
    throw fail(
      'image',
      `invalid image: its pixels cannot be read (${asError(e).message}); pass a plain ImageData (Vue: toRaw())`,
    );
  }
  if (!ArrayBuffer.isView(data)) {
    throw fail('image', 'invalid image: `data` must be a Uint8ClampedArray or Uint8Array of RGBA pixels');
  }
  if (data.byteLength === 0 && width * height > 0) {
    throw fail('image', 'invalid image: its pixel buffer is empty (detached or transferred?)');
  }
  return { width, height, data };
}

/**
 * The wasm module's own size check (it throws its `image` error) for an image about to be
 * drawn and copied; asks a build this page already loaded, else the CPU build.
 */
export async function checkImageSize(width, height) {
  const mod = await loadBuild(builds.has('webgpu') && !builds.has('cpu') ? 'webgpu' : 'cpu');
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

/**
 * Converts what a page has (ImageData, a canvas, ImageBitmap, an <img>, a Blob or File, or
 * `{ width, height, data }`) to ImageData-like pixels. Canvases and images are sized by
 * `check(width, height)` (default: the wasm module's own check) before they are drawn.
 */
export async function toImageData(image, check = checkImageSize) {
  if (typeof ImageData !== 'undefined' && image instanceof ImageData) return plainPixels(image);
  if (typeof Blob !== 'undefined' && image instanceof Blob) {
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
  const isCanvas =
    (typeof HTMLCanvasElement !== 'undefined' && image instanceof HTMLCanvasElement) ||
    (typeof OffscreenCanvas !== 'undefined' && image instanceof OffscreenCanvas);
  if (isCanvas) {
    await check(image.width, image.height);
    return image.getContext('2d').getImageData(0, 0, image.width, image.height);
  }
  const drawable =
    (typeof ImageBitmap !== 'undefined' && image instanceof ImageBitmap) ||
    (typeof HTMLImageElement !== 'undefined' && image instanceof HTMLImageElement);
  if (drawable) {
    if (image instanceof HTMLImageElement && !image.complete) await image.decode();
    const width = image.naturalWidth ?? image.width;
    const height = image.naturalHeight ?? image.height;
    await check(width, height);
    const ctx = canvas2d(width, height);
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, width, height);
    ctx.drawImage(image, 0, 0);
    return ctx.getImageData(0, 0, width, height);
  }
  if (image && typeof image === 'object' && 'width' in image && 'height' in image && 'data' in image) {
    return plainPixels(image);
  }
  const kind = image === null ? 'null' : image?.constructor?.name ?? typeof image;
  throw fail(
    'image',
    `invalid image: recognize() takes ImageData, a canvas, ImageBitmap, HTMLImageElement or Blob; got ${kind}`,
    TypeError,
  );
}

/** A loaded model. Create with `await Recognizer.create(options)`. */
export class Recognizer {
  #bytes;
  #sha256;
  #beam;
  #lm;
  #engine;
  // The engine's backend, kept in JS: a trapped instance cannot be asked.
  #kind;
  #limits;
  #queue = Promise.resolve();

  /** Why WebGPU is not in use although it was asked for, or null. */
  fallbackReason = null;

  constructor(secret, bytes, sha256, beam, lm, kind, engine, fallbackReason, limits) {
    if (secret !== Recognizer.#token) throw new TypeError('use `await Recognizer.create(options)`');
    this.#bytes = bytes;
    this.#sha256 = sha256;
    this.#beam = beam;
    this.#lm = lm;
    this.#kind = kind;
    this.#engine = engine;
    this.fallbackReason = fallbackReason;
    this.#limits = limits;
  }

  static #token = Symbol('Recognizer');

  /**
   * Loads a model. Options: `model` (URL or bytes; default: the shipped model, checked against
   * ./model.json), `sha256` (expected checksum of `model`), `backend` ('auto' | 'webgpu' |
   * 'cpu', default 'auto'), `beam` (beam-search width; 0 = best path, the default), `lm` (a
   * character language model fused into beam search: `true` for the shipped ./inkline.lm, a
   * URL, or bytes; with it `beam` 0 means width 16).
   */
  static async create(options) {
    options = checkOptions(options);
    const { backend = 'auto', beam = 0 } = options;
    if (!['auto', 'webgpu', 'cpu'].includes(backend)) {
      throw fail('argument', `unknown backend '${backend}' (expected 'auto', 'webgpu' or 'cpu')`);
    }
    if (!Number.isInteger(beam) || beam < 0) throw fail('argument', '`beam` must be a whole number >= 0');
    const { bytes, sha256 } = await modelBytes(options.model, options.sha256);
    const lm = await lmBytes(options.lm);
    let fallbackReason = null;
    if (backend !== 'cpu') {
      if (await webgpuAvailable(backend === 'webgpu')) {
        try {
          const engine = await Recognizer.#engineOn('webgpu', bytes, sha256, beam, lm);
          const limits = await moduleLimits('webgpu');
          return new Recognizer(Recognizer.#token, bytes, sha256, beam, lm, 'webgpu', engine, null, limits);
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
    const engine = await Recognizer.#engineOn('cpu', bytes, sha256, beam, lm);
    await warm(engine);
    const limits = await moduleLimits('cpu');
    return new Recognizer(Recognizer.#token, bytes, sha256, beam, lm, 'cpu', engine, fallbackReason, limits);
  }

  static async #engineOn(kind, bytes, sha256, beam, lm) {
    const mod = await loadBuild(kind);
    try {
      return await mod.Engine.create(bytes, kind, sha256 ?? undefined, beam, lm ?? undefined);
    } catch (e) {
      if (isTrap(e)) builds.delete(kind);
      throw asError(e);
    }
  }

  /** The backend in use: 'webgpu' or 'cpu'. */
  get backend() {
    return this.#kind;
  }

  /** The limits the module enforces: `{ maxSide, maxBeam }` (largest image side in pixels, widest beam). */
  get limits() {
    return this.#limits;
  }

  /** `{ backend, sha256, meta }`: the model's architecture, charset, provenance and metrics. */
  info() {
    return this.#engine.info();
  }

  /**
   * Reads every text line of `image`. Resolves to `{ text, confidence, lines: [{ text,
   * confidence, bbox }], timing: { preprocessMs, inferenceMs, decodeMs, totalMs }, backend }`;
   * rejects with an Error for bad input, and stays usable.
   */
  recognize(image) {
    const run = this.#queue.then(() => this.#recognize(image));
    this.#queue = run.catch(() => {});
    return run;
  }

  async #recognize(image) {
    const pixels = await toImageData(image);
    try {
      return await this.#engine.recognize(pixels);
    } catch (e) {
      const broken = isTrap(e) || !answers(this.#engine);
      if (this.#kind === 'webgpu' && (broken || isBackendFailure(e))) {
        // WebGPU failed mid-way (device lost, shader error, a trap): this call and every later
        // one run on the CPU.
        builds.delete('webgpu');
        this.fallbackReason = `WebGPU failed (${asError(e).message}); using the CPU`;
        await this.#swapTo('cpu');
        return this.#engine.recognize(pixels);
      }
      if (broken) {
        // The instance is unusable after a trap: the next call gets a fresh one.
        builds.delete('cpu');
        await this.#swapTo('cpu');
        throw fail('backend', `internal error (the recognizer restarted): ${asError(e).message}`);
      }
      throw asError(e);
    }
  }

  async #swapTo(kind) {
    this.#engine = await Recognizer.#engineOn(kind, this.#bytes, this.#sha256, this.#beam, this.#lm);
    this.#kind = kind;
  }
}

/**
 * Reads a synthetic line a few times: V8 first runs the module with its baseline compiler and
 * optimizes the hot code in the background, so without this the first real calls after
 * `create()` are 2-3x slower than later ones. A failure here is left to the first real call.
 */
async function warm(engine) {
  const width = 512;
  const height = 32;
  const data = new Uint8ClampedArray(width * height * 4).fill(255);
  for (let x = 16; x < width - 16; x++) {
    if (Math.floor(x / 12) % 2) continue;
    for (let y = 10; y < 22; y++) data.fill(0, (y * width + x) * 4, (y * width + x) * 4 + 3);
  }
  try {
    for (let i = 0; i < 3; i++) await engine.recognize({ width, height, data });
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
  /** The limits the module enforces: `{ maxSide, maxBeam }`. */
  limits = null;

  constructor(secret, worker) {
    if (secret !== WorkerRecognizer.#token) throw new TypeError('use `await WorkerRecognizer.create(options)`');
    this.#worker = worker;
    worker.onmessage = ({ data }) => {
      const p = this.#pending.get(data.id);
      if (!p) return;
      this.#pending.delete(data.id);
      if (data.ok) p.resolve(data.value);
      else {
        const Type = data.name === 'TypeError' ? TypeError : Error;
        p.reject(Object.assign(new Type(data.error), data.kind ? { kind: data.kind } : {}));
      }
    };
    worker.onerror = (ev) => {
      for (const p of this.#pending.values()) p.reject(new Error(`worker error: ${ev.message}`));
      this.#pending.clear();
    };
  }

  static #token = Symbol('WorkerRecognizer');

  /** Starts a worker and loads a model in it; options as for `Recognizer.create`. */
  static async create(options) {
    const opts = { ...checkOptions(options) };
    const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    const w = new WorkerRecognizer(WorkerRecognizer.#token, worker);
    if (typeof opts.model === 'string' || opts.model instanceof URL) {
      opts.model = new URL(opts.model, globalThis.location?.href).href;
    }
    try {
      const state = await w.#call('create', opts);
      w.backend = state.backend;
      w.fallbackReason = state.fallbackReason;
      w.limits = state.limits;
    } catch (e) {
      worker.terminate();
      throw e;
    }
    return w;
  }

  #call(op, arg) {
    if (this.#terminated) return Promise.reject(fail('argument', 'the worker was terminated'));
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, op, arg });
    });
  }

  /** Model information, as `Recognizer.info()`. */
  info() {
    return this.#call('info');
  }

  /** Reads every text line of `image` in the worker; as `Recognizer.recognize`. */
  async recognize(image) {
    // The worker's module checks the size before the page draws the image.
    const pixels = await toImageData(image, (w, h) => this.#call('checkSize', [w, h]));
    const plain = { width: pixels.width, height: pixels.height, data: pixels.data };
    const r = await this.#call('recognize', plain);
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
