// Screenshots of the notes PWA as a desktop (light) and a phone (dark) show it, after writing
// the fixture's pen strokes on two lines: docs/screenshots/desktop.png and phone-dark.png.
//   node scripts/screenshots.mjs
import { mkdirSync, readFileSync } from 'node:fs';
import { start } from '../tests/browser/harness.mjs';

const STROKES = JSON.parse(readFileSync(new URL('../tests/fixtures/strokes.json', import.meta.url), 'utf8'));
const OUT = new URL('../docs/screenshots/', import.meta.url);
mkdirSync(OUT, { recursive: true });

const LAYOUTS = {
  desktop: { viewport: { width: 1280, height: 720 }, colorScheme: 'light' },
  'desktop-dark': { viewport: { width: 1280, height: 720 }, colorScheme: 'dark' },
  phone: { viewport: { width: 390, height: 844 }, colorScheme: 'light', isMobile: true, hasTouch: true },
  'phone-dark': { viewport: { width: 390, height: 844 }, colorScheme: 'dark', isMobile: true, hasTouch: true },
};

for (const [name, options] of Object.entries(LAYOUTS)) {
  const h = await start(options);
  try {
    const page = await h.context.newPage();
    await page.goto(`${h.url}/www/?backend=cpu`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 120_000 });
    await page.fill('#note-title', 'Pen strokes, read offline');
    await page.evaluate(() => document.activeElement.blur());
    const widest = Math.max(...STROKES.strokes.flat().map(([x]) => x));
    for (const line of [0, 1]) {
      for (const s of STROKES.strokes) {
        const pad = await page.locator('#pad').boundingBox();
        const scale = Math.min(1, (pad.width - 10) / widest);
        const pts = s.map(([x, y]) => [pad.x + 5 + x * scale, pad.y + line * 72 + 36 + (y - 36) * scale]);
        await page.mouse.move(...pts[0]);
        await page.mouse.down();
        for (const p of pts.slice(1)) await page.mouse.move(...p);
        await page.mouse.up();
      }
      await page
        .waitForFunction((i) => document.querySelector(`#line-text-${i}`)?.value, line, { timeout: 60_000 })
        .catch((e) => console.error(`${name}: line ${line} was not read: ${e.message}`));
    }
    await page.screenshot({ path: new URL(`${name}.png`, OUT).pathname });
    console.log(`docs/screenshots/${name}.png`);
  } finally {
    await h.close();
  }
}
