// `make bench`: how fast the app shows the demo's graph (navigation start to the first state node
// in the page; median of 5 fresh browser contexts), and how much it transfers (gzip). Never pass/fail.
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { setup, teardown, repo } from '../e2e/harness.mjs';

const ctx = await setup();
const times = [];
for (let i = 0; i < 5; i++) {
  const context = await ctx.browser.newContext();
  const page = await context.newPage();
  await page.addInitScript(() => {
    new MutationObserver((_, obs) => {
      if (document.querySelector('[data-testid=graph] svg [data-state]')) {
        window.__graphAt = performance.now();
        obs.disconnect();
      }
    }).observe(document, { childList: true, subtree: true });
  });
  await page.goto(ctx.base);
  await page.waitForFunction(() => window.__graphAt !== undefined);
  times.push(await page.evaluate(() => window.__graphAt));
  await context.close();
}
await teardown(ctx);
times.sort((a, b) => a - b);
const dist = join(repo, 'dist');
const files = readdirSync(dist).filter((f) => /\.(wasm|js|css)$/.test(f));
const gz = files.map((f) => [f, gzipSync(readFileSync(join(dist, f)), { level: 9 }).length]);
const total = gz.reduce((s, [, n]) => s + n, 0);
console.log(`load: navigation start to the demo graph: median ${times[2].toFixed(0)} ms (runs: ${times.map((t) => t.toFixed(0)).join(', ')} ms)`);
console.log(`load: transfer (gzip -9): ${(total / 1024).toFixed(1)} KB in all (${gz.map(([f, n]) => `${f.replace(/-[0-9a-f]{12,16}/, '')} ${(n / 1024).toFixed(1)} KB`).join(', ')})`);
