// The first view (issue 19): the page's first module draws the graph before the app has loaded,
// then gives way to the app. Measured here: what the page fetched before its first graph (gzip,
// at most 250 KB, for the app and for an embed), that the first view's names are readable and its
// states are the app's, that it goes once the app has drawn, and that a big definition is left to
// the app's worker. Screenshots: target/e2e/first-view-*.png (the app held back, so the first view
// stays). Page and console errors fail every test through the harness's hook.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { setup, teardown, repo, cli } from './harness.mjs';
import { App, WORK_KEY } from './app.mjs';

let ctx;
before(async () => { ctx = await setup(); });
after(async () => { await teardown(ctx); });

const dist = join(repo, process.env.STEPSCOPE_DIST ?? 'dist');
const gz = new Map(readdirSync(dist, { recursive: true }).filter((f) => /\.(wasm|js|css|html)$/.test(f))
  .map((f) => [f.replaceAll('\\', '/'), gzipSync(readFileSync(join(dist, f)), { level: 9 }).length]));
const BUDGET = 250 * 1024;

/** Opens `url` on a fresh page, noting when the first state is in the page and which files had
 * begun to arrive by then. */
async function openWatched(url, options = {}) {
  const app = await App.create(ctx, options);
  await app.page.addInitScript(() => {
    new MutationObserver((_, obs) => {
      if (document.querySelector('svg [data-state]')) {
        window.__firstAt = performance.now();
        window.__firstIn = document.querySelector('[data-testid=first-view] svg [data-state]') ? 'first-view' : 'app';
        obs.disconnect();
      }
    }).observe(document, { childList: true, subtree: true });
  });
  await app.page.goto(url);
  await app.page.waitForFunction(() => window.__firstAt !== undefined);
  return app;
}

/** The files fetched before the first graph (the page itself included) and their gzip bytes. */
async function firstBytes(page) {
  const names = await page.evaluate(() => performance.getEntriesByType('resource')
    .filter((e) => e.responseStart <= window.__firstAt).map((e) => new URL(e.name).pathname.slice(1)));
  const files = ['index.html', ...names];
  const missing = files.filter((f) => !gz.has(f));
  assert.deepEqual(missing, [], 'every file fetched is in dist/');
  return { files, bytes: files.reduce((s, f) => s + gz.get(f), 0) };
}

/** On-screen size (px) of the smallest state name in the first view, and its states' names. */
async function firstViewNames(page) {
  return page.evaluate(() => {
    const root = document.querySelector('[data-testid=first-view]');
    const sizes = [];
    const names = [];
    for (const t of root.querySelectorAll('.state .name')) {
      const svg = t.ownerSVGElement;
      const scale = svg.getBoundingClientRect().width / svg.width.baseVal.value;
      sizes.push(parseFloat(getComputedStyle(t).fontSize) * scale);
    }
    for (const s of root.querySelectorAll('[data-state]')) names.push(s.getAttribute('data-state'));
    return { min: Math.min(...sizes), names: [...new Set(names)].sort() };
  });
}

test('the first graph comes from at most 250 KB, before the app, and the app takes over in place', async () => {
  const app = await openWatched(ctx.base);
  const { page } = app;
  const { files, bytes } = await firstBytes(page);
  const first = await page.evaluate(() => ({ at: window.__firstAt, where: window.__firstIn }));
  console.log(`e2e: first graph at ${first.at.toFixed(0)} ms from ${(bytes / 1024).toFixed(1)} KB gzip (${files.join(', ')})`);
  assert.equal(first.where, 'first-view');
  assert.ok(bytes <= BUDGET, `${bytes} bytes before the first graph`);
  assert.ok(!files.some((f) => /stepscope-(web|sim)/.test(f)), `the app's module came before the first graph: ${files}`);
  // The app replaces the first view, with the same states.
  await app.ready();
  await page.locator('[data-testid=first-view]').waitFor({ state: 'detached' });
  const appNames = await page.evaluate(() => [...new Set([...document.querySelectorAll('[data-testid=graph] svg [data-state]')].map((s) => s.getAttribute('data-state')))].sort());
  await app.close();

  // Held back, the app leaves the first view in place to be measured and looked at.
  for (const [width, height, theme] of [[1280, 800, 'light'], [1440, 900, 'dark']]) {
    const held = await App.create(ctx, { viewport: { width, height }, colorScheme: theme });
    await held.page.route(/stepscope-web/, () => {});
    await held.page.goto(ctx.base);
    await held.page.locator('[data-testid=first-view] svg [data-state]').first().waitFor();
    const { min, names } = await firstViewNames(held.page);
    assert.deepEqual(names, appNames, 'the first view draws the states the app draws');
    assert.ok(min >= 11, `the first view's smallest state name is ${min.toFixed(1)} px on screen`);
    assert.match(await held.page.locator('.first-view .machine-title').innerText(), /order-processing · 16 states/);
    await held.shot(`first-view-${width}-${theme}`);
    await held.close();
  }
});

test('an embed=1 link draws its first graph from at most 250 KB, without the app around it', async () => {
  const file = join(repo, '..', 'shared', 'corpus', 'definitions', 'valid', 'sfn-workflows-collection',
    'saga-pattern-tf__statemachine__statemachine.asl.json');
  const link = cli(['link', file, '--base', ctx.base]).split('\n')[0].trim();
  const app = await openWatched(`${link}&embed=1`, { viewport: { width: 900, height: 600 } });
  const { page } = app;
  const { bytes } = await firstBytes(page);
  console.log(`e2e: embed=1 first graph from ${(bytes / 1024).toFixed(1)} KB gzip`);
  assert.ok(bytes <= BUDGET, `${bytes} bytes before the first graph`);
  assert.equal(await page.evaluate(() => window.__firstIn), 'first-view');
  assert.equal(await page.locator('[data-testid=first-view] .topbar').count(), 0, 'an embed has no header');
  await app.ready();
  await page.locator('[data-testid=first-view]').waitFor({ state: 'detached' });
  assert.ok(await app.state('ReserveFlight').isVisible());
  await app.close();
});

test('a big saved definition is left to the app\'s worker: the first view says so and parses nothing', async () => {
  const states = {};
  const n = 700;
  for (let i = 0; i < n; i++) {
    states[`Step${i}`] = { Type: 'Task', Comment: 'x'.repeat(400), Resource: 'arn:aws:states:::lambda:invoke',
      ...(i + 1 < n ? { Next: `Step${i + 1}` } : { End: true }) };
  }
  const definition = JSON.stringify({ StartAt: 'Step0', States: states }, null, 1);
  assert.ok(definition.length > 256 * 1024);
  const app = await App.create(ctx);
  const { page } = app;
  await page.goto(ctx.base);
  await app.ready();
  await page.evaluate(([key, d]) => localStorage.setItem(key, JSON.stringify({ v: 2, definition: d, history: '' })), [WORK_KEY, definition]);
  await page.route(/stepscope-web/, () => {});
  await page.goto('about:blank');
  await page.goto(ctx.base);
  const status = page.locator('[data-testid=first-view-status]');
  await status.waitFor();
  assert.match(await status.innerText(), /Drawing the \d+ KB definition in the background/);
  assert.equal(await page.locator('[data-testid=first-view] svg').count(), 0);
  await page.unroute(/stepscope-web/);
  await page.goto('about:blank');
  await page.goto(ctx.base);
  await app.drawn(`Step${n - 1}`);
  assert.equal(await page.locator('[data-testid=first-view]').count(), 0);
  await app.close();
});

test('every file the page loads is named by its content, so a cached one never meets a newer page', async () => {
  const app = await App.open(ctx);
  const { page } = app;
  // The worker starts half a second after the app.
  await page.waitForFunction(() => performance.getEntriesByType('resource').some((e) => /\/worker-[0-9a-f]{16}\.js$/.test(e.name)), null, { timeout: 10_000 });
  const names = await page.evaluate(() => performance.getEntriesByType('resource')
    .map((e) => new URL(e.name)).filter((u) => u.origin === location.origin).map((u) => u.pathname.slice(1)));
  const plain = names.filter((n) => n && !/-[0-9a-f]{12,16}(_bg)?\.(js|wasm|css)$/.test(n));
  assert.deepEqual(plain, [], `fetched under a plain name: ${plain}`);
  assert.ok(names.some((n) => /^stepscope-web-[0-9a-f]{16}_bg\.wasm$/.test(n)), `${names}`);
  await app.close();
});

test('a page that paints no frames (a hidden tab or frame) still loads the app', async () => {
  const app = await App.create(ctx);
  const { page } = app;
  await page.addInitScript(() => { window.requestAnimationFrame = () => 0; });
  const fetched = page.waitForRequest(/stepscope-web-[0-9a-f]{16}\.js$/, { timeout: 5000 });
  await page.goto(ctx.base);
  await fetched;
  await app.close();
});
