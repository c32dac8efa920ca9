// Shared setup of the browser tests: the repository served over HTTP and headless Debian
// Chromium (WebGPU through SwiftShader) driven by playwright-core. Never downloads a browser.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '../../scripts/serve.mjs';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Starts the server and a fresh browser profile; `close()` stops both. `options` go to the
 * browser context (e.g. `viewport`, `colorScheme`, `isMobile`, `hasTouch`).
 */
export async function start(options = {}) {
  const { url, server } = await serve(0);
  const profile = mkdtempSync(join(tmpdir(), 'inkline-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    ...options,
  });
  const errors = [];
  context.on('weberror', (e) => errors.push(String(e.error())));
  return {
    url,
    context,
    errors,
    async page(path = '/tests/browser/blank.html') {
      const page = await context.newPage();
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(url + path);
      return page;
    },
    async close() {
      await context.close();
      server.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * A blank page with the package loaded as `window.inkline`, the test line as `window.fixture`
 * (ImageData), `fixtureBlob` and `fixtureBitmap`, and `window.settle(f)`: 'resolved', or
 * 'kind: message' of the rejection, or a rejection of its own after 10 s (a hang).
 */
export async function fixturePage(h, fixture) {
  const page = await h.page();
  await page.evaluate(async (fixture) => {
    window.inkline = await import('/pkg/inkline.js');
    const blob = await (await fetch(`/tests/fixtures/${fixture}`)).blob();
    const bmp = await createImageBitmap(blob);
    const c = new OffscreenCanvas(bmp.width, bmp.height);
    const ctx = c.getContext('2d');
    ctx.drawImage(bmp, 0, 0);
    window.fixture = ctx.getImageData(0, 0, bmp.width, bmp.height);
    window.fixtureBlob = blob;
    window.fixtureBitmap = bmp;
    window.settle = async (f) => {
      const timeout = new Promise((_, no) => setTimeout(() => no(new Error('no answer in 10 s')), 10000));
      try {
        await Promise.race([f(), timeout]);
        return 'resolved';
      } catch (e) {
        return `${e.kind ?? '-'}: ${e.message}`;
      }
    };
  }, fixture);
  return page;
}

