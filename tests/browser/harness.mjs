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
