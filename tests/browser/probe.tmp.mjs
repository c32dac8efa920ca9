import { fixturePage, start } from './harness.mjs';
import { readFileSync } from 'node:fs';
const [FIXTURE] = readFileSync(new URL('../fixtures/gt.tsv', import.meta.url), 'utf8').trim().split('\t');
const h = await start();
const page = await fixturePage(h, FIXTURE);
console.log('start', h.rendererBytes() / 1e6);
await page.evaluate(async () => {
  window.photo = (seed) => {
    const c = new OffscreenCanvas(4000, 3000);
    const ctx = c.getContext('2d');
    const g = ctx.createLinearGradient(0, 0, 4000, 3000);
    g.addColorStop(0, '#f4f1ea'); g.addColorStop(1, '#c9c4b8');
    ctx.fillStyle = g; ctx.fillRect(0, 0, 4000, 3000);
    ctx.translate(2000, 1500); ctx.rotate(((seed % 5) - 2) * 0.01); ctx.translate(-2000, -1500);
    for (let i = 0; i < 8; i++) ctx.drawImage(fixtureBitmap, 300, 400 + i * 260, fixtureBitmap.width * 2, fixtureBitmap.height * 2);
    return ctx.getImageData(0, 0, 4000, 3000);
  };
  window.r = await inkline.Recognizer.create({ backend: 'cpu' });
  window.w = await inkline.WorkerRecognizer.create({ backend: 'cpu' });
});
const cdp = await h.context.newCDPSession(page);
const gc = async () => { await cdp.send('HeapProfiler.collectGarbage'); await new Promise(r => setTimeout(r, 500)); };
console.log('created', h.rendererBytes() / 1e6);
for (const who of ['r', 'w']) {
  for (let i = 0; i < 5; i++) {
    const t = Date.now();
    const out = await page.evaluate(async ([who, i]) => { const x = await window[who].recognize(photo(i)); return [x.lines.length, x.text.slice(0, 40), window[who].memoryBytes]; }, [who, i]);
    const b1 = h.rendererBytes(); await gc(); console.log(who, i, Date.now() - t, 'ms', out[0], out[2], (b1 / 1e6).toFixed(0), 'MB; after gc', (h.rendererBytes() / 1e6).toFixed(0));
  }
}
await h.close();
