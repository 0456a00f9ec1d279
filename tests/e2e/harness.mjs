// Shared set-up for the end-to-end tests: serve dist/ on a free loopback port, launch Debian's
// Chromium through playwright-core, record every request that leaves 127.0.0.1, save screenshots.
import { chromium } from 'playwright-core';
import { afterEach } from 'node:test';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from './serve.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const repo = resolve(here, '..', '..');
export const shotDir = join(repo, 'target', 'e2e');
mkdirSync(shotDir, { recursive: true });

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage',
];

export async function setup() {
  // STEPSCOPE_DIST serves another copy of the bundle (a snapshot, while dist/ is being rebuilt).
  const server = await startServer(process.env.STEPSCOPE_DIST ?? join(repo, 'dist'), 0);
  const base = `http://127.0.0.1:${server.address().port}/`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  return { server, base, browser };
}

export async function teardown({ server, browser }) {
  await browser?.close();
  await new Promise((ok) => server?.close(ok));
}

/** A second origin (another port on 127.0.0.1) serving a fresh temporary folder: for host pages
 * that frame or embed the app. `write` puts a file there and gives its address. */
export async function startHost(prefix = 'stepscope-host-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const server = await startServer(dir, 0);
  const base = `http://127.0.0.1:${server.address().port}/`;
  return {
    dir,
    base,
    write(name, text) {
      writeFileSync(join(dir, name), text);
      return base + name;
    },
    close: () => new Promise((ok) => server.close(ok)),
  };
}

/** Runs the native CLI (`stepscope ARGS…`) and gives its standard output. */
export function cli(args) {
  return execFileSync('cargo', ['run', '--quiet', '--bin', 'stepscope', '--', ...args], { cwd: repo, maxBuffer: 64 << 20 }).toString();
}

// Every page a test opens, in every test file: the hook below fails the test on any page error
// or console error, and any request off loopback, whether or not the test itself looks.
const opened = [];
afterEach(() => {
  const pages = opened.splice(0);
  const errors = pages.flatMap((p) => p.errors.map((e) => `${p.label}: ${e}`));
  const away = pages.flatMap((p) => p.offLoopback);
  if (errors.length) {
    throw new Error(`${errors.length} page or console error(s):\n  ${errors.slice(0, 20).join('\n  ')}`);
  }
  if (away.length) throw new Error(`requests outside 127.0.0.1: ${away.join(', ')}`);
});

/** Records console errors and page errors of `page` (and of every frame in it) for the hook. */
export function watch(page, label = 'page') {
  page.errors = page.errors ?? [];
  page.offLoopback = page.offLoopback ?? [];
  page.label = label;
  page.on('request', (req) => {
    const url = new URL(req.url());
    const local = url.hostname === '127.0.0.1' || ['data:', 'blob:', 'about:'].includes(url.protocol);
    if (!local) page.offLoopback.push(req.url());
  });
  page.on('pageerror', (err) => page.errors.push(String(err)));
  page.on('console', (msg) => { if (msg.type() === 'error') page.errors.push(msg.text()); });
  opened.push(page);
  return page;
}

/** A fresh page that records console errors, page errors and off-loopback requests. */
export async function newPage(ctx, options = {}) {
  const context = await ctx.browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  const page = await context.newPage();
  watch(page);
  return page;
}

/** A screenshot in target/e2e/NAME.png. */
export async function shot(page, name) {
  const path = join(shotDir, `${name}.png`);
  await page.screenshot({ path });
  return path;
}
