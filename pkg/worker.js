// The Web Worker behind WorkerRecognizer: one Recognizer, driven by messages
// `{ id, op: 'create' | 'recognize' | 'checkSize' | 'info', arg }`, answered `{ id, ok, value | error }`.
import { Recognizer, checkImageSize } from './inkline.js';

let recognizer = null;

async function handle(id, op, arg) {
  switch (op) {
    case 'create': {
      const { progress, ...options } = arg ?? {};
      if (progress) options.onProgress = (event) => self.postMessage({ id, progress: event });
      recognizer = await Recognizer.create(options);
      return {
        backend: recognizer.backend,
        fallbackReason: recognizer.fallbackReason,
        limits: recognizer.limits,
      };
    }
    case 'recognize':
      if (!recognizer) throw new Error('no model loaded');
      return recognizer.recognize(arg);
    case 'checkSize':
      return checkImageSize(...arg);
    case 'info':
      if (!recognizer) throw new Error('no model loaded');
      return recognizer.info();
    default:
      throw Object.assign(new Error(`unknown operation '${op}'`), { kind: 'argument' });
  }
}

self.onmessage = async ({ data: { id, op, arg } }) => {
  try {
    self.postMessage({ id, ok: true, value: await handle(id, op, arg) });
  } catch (e) {
    self.postMessage({ id, ok: false, error: e?.message ?? String(e), name: e?.name, kind: e?.kind });
  }
};
