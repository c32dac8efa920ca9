// The recognizer's worker, started from here so that it lies in the service worker's scope: a
// worker's own requests (the wasm builds, the model) go through a service worker only when the
// worker's URL is in its scope, and this app's scope is www/ (pkg/ is beside it).
import '../pkg/worker.js';
