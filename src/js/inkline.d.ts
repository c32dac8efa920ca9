// Types of inkline's browser API (pkg/inkline.js).

/** Which backend runs the model. */
export type Backend = 'webgpu' | 'cpu';

/** What `recognize` accepts. */
export type ImageInput =
  | ImageData
  | HTMLCanvasElement
  | OffscreenCanvas
  | ImageBitmap
  | HTMLImageElement
  | Blob
  | { width: number; height: number; data: Uint8ClampedArray | Uint8Array };

export interface RecognizerOptions {
  /** Model file URL or bytes; default: the shipped model next to the module. Every model file's own checksum is verified. */
  model?: string | URL | ArrayBuffer | Uint8Array;
  /** Expected SHA-256 (hex) of the `model` bytes, checked besides the file's own checksum. */
  sha256?: string;
  /** 'auto' (default): WebGPU when the browser has it, else the CPU. */
  backend?: 'auto' | Backend;
  /** Beam-search width; 0 (default) decodes the best path (width 16 when `lm` is given). */
  beam?: number;
  /**
   * A character language model fused into beam search: `true` for the shipped one
   * (./inkline.lm next to the module), a URL, or the file's bytes. Default: none.
   */
  lm?: boolean | string | URL | ArrayBuffer | Uint8Array;
  /**
   * Called as the model ('model') and language model ('lm') download (`total` is 0 when the
   * server does not send a length), then 'start', then as the wasm module downloads ('wasm',
   * with bytes) and compiles ('compile'), the model is loaded into it ('engine') and the CPU
   * build warms up ('warm'). Steps an earlier recognizer already did are not reported.
   */
  onProgress?: (event: LoadProgress) => void;
}

/** A loading step of `create()`. */
export interface LoadProgress {
  stage: 'model' | 'lm' | 'start' | 'wasm' | 'compile' | 'engine' | 'warm';
  loaded: number;
  total: number;
}

export interface BBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WordResult {
  /** The word (no spaces). */
  text: string;
  /** In [0, 1]: the least sure of its characters. */
  confidence: number;
}

export interface LineResult {
  text: string;
  /** In [0, 1]. */
  confidence: number;
  /** The line's words, split at spaces, each with its confidence. */
  words: WordResult[];
  /** Where the line lies in the input, in pixels. */
  bbox: BBox;
  /**
   * The line's corners [x, y] in the input's pixels (top left, top right, bottom right,
   * bottom left): turned with the line where the page was tilted.
   */
  quad: [[number, number], [number, number], [number, number], [number, number]];
}

export interface Timing {
  preprocessMs: number;
  inferenceMs: number;
  decodeMs: number;
  totalMs: number;
}

export interface Recognition {
  /** Lines joined by '\n', top to bottom. */
  text: string;
  /** Mean line confidence. */
  confidence: number;
  lines: LineResult[];
  timing: Timing;
  /** The backend that ran this call. */
  backend: Backend;
}

export interface ModelInfo {
  backend: Backend;
  sha256: string;
  meta: {
    format_version: number;
    config: Record<string, unknown>;
    charset: string;
    provenance: Record<string, unknown>;
    metrics: Record<string, number>;
  };
}

/** The limits the wasm module enforces. */
export interface Limits {
  /** Largest accepted image side, in pixels. */
  maxSide: number;
  /** Most pixels accepted in one image. */
  maxPixels: number;
  /** Most text lines read in one image (lines wider than 48:1 are read in pieces and count once). */
  maxLines: number;
  /** Widest accepted beam search (`beam` option). */
  maxBeam: number;
}

/**
 * Every error the API rejects with carries a `kind`: 'model' (bad or mismatched model bytes),
 * 'image' (unusable input), 'argument' (a bad option), 'backend' (the compute backend failed;
 * WebGPU failures move the work to the CPU) or 'io' (a fetch failed).
 */
export interface InklineError extends Error {
  kind: 'model' | 'image' | 'argument' | 'backend' | 'io';
}

/** The wasm module's size check: rejects with its `image` error for a size it refuses. */
export function checkImageSize(width: number, height: number): Promise<void>;

/** Converts an image input to RGBA pixels; a canvas or image is sized by `check` (default:
 * `checkImageSize`) before it is drawn. */
export function toImageData(image: ImageInput, check?: (width: number, height: number) => Promise<void>): Promise<ImageData | { width: number; height: number; data: Uint8ClampedArray | Uint8Array }>;

export class Recognizer {
  private constructor();
  /** Options, or a backend name (`create('cpu')`). */
  static create(options?: RecognizerOptions | 'auto' | Backend | null): Promise<Recognizer>;
  readonly backend: Backend;
  /** The limits the module enforces. */
  readonly limits: Limits;
  /** Why WebGPU is not in use although it was asked for, or null. */
  fallbackReason: string | null;
  /** Wasm memory held by the instance it runs on (0 while it waits to move off a retired one); when a call leaves it over 64 MiB and 16 MiB above its resting size, it moves to a fresh one and the old one's memory is returned. */
  readonly memoryBytes: number;
  info(): ModelInfo;
  recognize(image: ImageInput): Promise<Recognition>;
}

/** Same API, in a Web Worker. */
export class WorkerRecognizer {
  private constructor();
  /**
   * As `Recognizer.create`; `worker` is the URL of the module worker script (default: ./worker.js
   * beside inkline.js): an offline app whose service worker's scope does not cover this package
   * passes a script in its scope that imports this package's worker.js.
   */
  static create(options?: (RecognizerOptions & { worker?: string | URL }) | 'auto' | Backend | null): Promise<WorkerRecognizer>;
  backend: Backend | null;
  fallbackReason: string | null;
  limits: Limits | null;
  info(): Promise<ModelInfo>;
  recognize(image: ImageInput): Promise<Recognition>;
  terminate(): void;
}

/** Reads `image` with a default recognizer made once. */
export function recognize(image: ImageInput): Promise<Recognition>;
