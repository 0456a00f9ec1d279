// `make bench`: many runs read in the page (issue 18). The files `cargo bench --bench sim`
// wrote (1,000 histories of about 1,000 events) are dropped on the app; the time from the drop
// to the view's counts is set beside the native time of the same work (RunSet) from that run,
// with the page's longest main-thread task. Never pass/fail.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { setup, teardown, repo } from '../e2e/harness.mjs';
import { dropRuns, runsShown } from '../e2e/runs-fixtures.mjs';

const dir = join(repo, 'target/bench-runs');
if (!existsSync(join(dir, 'native.json'))) {
  console.log('runs: no target/bench-runs (cargo bench --bench sim writes it)');
  process.exit(0);
}
const native = JSON.parse(readFileSync(join(dir, 'native.json'), 'utf8'));
const files = readdirSync(dir).filter((f) => f.endsWith('.history.json')).map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }));
const mb = files.reduce((s, f) => s + f.text.length, 0) / 1e6;
const ctx = await setup();
const context = await ctx.browser.newContext({ viewport: { width: 1280, height: 800 } });
const page = await context.newPage();
await page.goto(ctx.base);
await page.locator('[data-testid=graph] [data-state]').first().waitFor();
await dropRuns(page, files);
const ms = await runsShown(page, 600_000);
const longest = await page.evaluate(() => window.__longest);
const status = await page.locator('[data-testid=runs-status]').innerText();
await context.close();
await teardown(ctx);
console.log(`runs: ${files.length} histories (${mb.toFixed(0)} MB, about ${native.events} events each) dropped on the page: read, rebuilt and aggregated in the worker in ${ms.toFixed(0)} ms; natively ${native.ms.toFixed(0)} ms (page/native ${(ms / native.ms).toFixed(2)}×); the page's longest main-thread task ${longest.toFixed(0)} ms (${status.split('\n')[0]})`);
