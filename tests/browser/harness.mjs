// Shared setup of the browser tests: the repository served over HTTP and headless Debian
// Chromium (WebGPU through SwiftShader) driven by playwright-core. Never downloads a browser.
import { chromium } from 'playwright-core';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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
 * browser context (e.g. `viewport`, `colorScheme`, `isMobile`, `hasTouch`); its `args` are
 * added to the browser's own flags.
 */
export async function start(options = {}) {
  const { url, server } = await serve(0);
  const profile = mkdtempSync(join(tmpdir(), 'inkline-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    ...options,
    args: [...FLAGS, ...(options.args ?? [])],
  });
  const errors = [];
  context.on('weberror', (e) => errors.push(String(e.error())));
  return {
    url,
    context,
    errors,
    /** Resident bytes of this browser's renderer processes (pages and their workers; Linux). */
    rendererBytes: () => rendererBytes(profile),
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


/** The command line of process `pid` as one string ('' once it is gone). Chromium rewrites
 * its processes' titles, so arguments are separated by spaces or NULs. */
function commandLine(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** Resident bytes (VmRSS) of the renderer processes of the browser whose profile is `profile`. */
function rendererBytes(profile) {
  let bytes = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    const args = commandLine(pid);
    if (!args.includes('--type=renderer') || !args.includes(`--user-data-dir=${profile} `)) continue;
    try {
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      bytes += rss ? Number(rss[1]) * 1024 : 0;
    } catch {
      // The process ended meanwhile.
    }
  }
  if (bytes === 0) throw new Error(`no renderer process of the browser with the profile ${profile}`);
  return bytes;
}
