// Service worker: caches the app, both wasm builds, the model and its language model on the first visit, then
// serves them from the cache (refreshing it in the background), so the app works offline.

const CACHE = 'inkline-v12'; // a new name with each shipped model: the new worker caches it afresh
const APP = [
  './', './index.html', './app.js', './pad.js', './imported.js', './notes.js', './worker.js', './style.css',
  './manifest.webmanifest', './icons/icon.svg', './icons/icon-192.png', './icons/icon-512.png',
  '../pkg/inkline.js', '../pkg/worker.js', '../pkg/model.json', '../pkg/inkline.inkline', '../pkg/inkline.lm',
  '../pkg/cpu/inkline.js', '../pkg/cpu/inkline_bg.wasm',
  '../pkg/webgpu/inkline.js', '../pkg/webgpu/inkline_bg.wasm',
];
const URLS = APP.map((u) => new URL(u, self.location).href);

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(CACHE).then((c) => c.addAll(URLS)).then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const k of await caches.keys()) if (k !== CACHE) await caches.delete(k);
      await self.clients.claim();
      await broadcast();
    })(),
  );
});

async function ready() {
  const c = await caches.open(CACHE);
  const hits = await Promise.all(URLS.map((u) => c.match(u)));
  return hits.every(Boolean);
}

async function broadcast() {
  const msg = { type: 'cache', ready: await ready() };
  for (const client of await self.clients.matchAll()) client.postMessage(msg);
}

self.addEventListener('message', (event) => {
  if (event.data?.type === 'status') event.waitUntil(broadcast());
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET' || new URL(req.url).origin !== self.location.origin) return;
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      const cached = await cache.match(req, { ignoreSearch: true });
      const network = fetch(req)
        .then((res) => {
          if (res.ok) cache.put(req.url.split('?')[0], res.clone());
          return res;
        })
        .catch(() => null);
      if (cached) {
        event.waitUntil(network);
        return cached;
      }
      return (await network) ?? new Response('offline and not cached', { status: 503 });
    })(),
  );
});
