// End-to-end tests of the workspace: inputs, inspector, run status, persistence, themes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setup, teardown, repo, cli } from './harness.mjs';
import { App, bigChain } from './app.mjs';

let ctx;
before(async () => { ctx = await setup(); });
after(async () => { await teardown(ctx); });

test('the demo run shows its status, final state classes and an inspector', async () => {
  const app = await App.open(ctx);
  const { page, inspector } = app;
  await app.state('ChargeCard').waitFor();
  assert.match(await page.locator('[data-testid=history-form]').innerText(), /CLI v2 history · 91 events/);
  assert.match(await app.runStatus.innerText(), /SUCCEEDED · 18\.35 s/);
  await app.hasClass('OrderFailed', 'status-notrun');
  assert.match(await app.classOf('SendConfirmation'), /status-caught/);
  assert.match(await app.classOf('ChargeCard'), /status-succeeded/);
  await app.fitGraph();
  await app.state('ChargeCard').click();
  await inspector.waitFor();
  const text = await inspector.innerText();
  assert.match(text, /In this run: 1 visit/i);
  assert.match(text, /try 1 .*Payments\.GatewayTimeout/);
  assert.match(text, /waited 2\.00 s before retrying/);
  assert.match(text, /Payments\.GatewayTimeout: up to 4 retries/);
  assert.match(text, /"chargeId": "ch_3Q1x9"/);
  await app.shot('workspace-inspector');
  await page.keyboard.press('Escape');
  await inspector.waitFor({ state: 'detached' });
  assert.deepEqual(page.errors, []);
  await app.close();
});

test('two files opened at once are sorted by content; a template gives a picker', async () => {
  const app = await App.open(ctx);
  const { page } = app;
  await app.state('ChargeCard').waitFor();
  const fx = join(repo, 'tests/fixtures');
  // The history is named like a definition and the definition like a history: content decides.
  await app.openFiles([
    { name: 'definition.json', mimeType: 'application/json', buffer: readFileSync(join(fx, 'histories/redrive.history.json')) },
    { name: 'history.json', mimeType: 'application/json', buffer: readFileSync(join(fx, 'histories/redrive.asl.json')) },
  ]);
  await app.state('T').waitFor();
  await page.waitForFunction(() => /SUCCEEDED/.test(document.querySelector('[data-testid=run-status]')?.textContent ?? ''));
  assert.match(await page.locator('[data-testid=history-form]').innerText(), /13 events/);
  // Drop a SAM template with two machines: a picker appears, and picking one draws it.
  const sam = readFileSync(join(fx, 'definitions/ok/sam-sub.template.yaml'), 'utf8');
  await app.drop('template.yaml', sam, 'text/yaml');
  const picker = page.locator('[data-testid=machine-picker]');
  await picker.waitFor();
  assert.match(await page.locator('[data-testid=definition-form]').innerText(), /SAM template · 2 state machines/);
  await app.state('Call').waitFor();
  await picker.selectOption('Second');
  await app.state('Go').waitFor();
  await app.shot('workspace-template');
  await app.close();
});

test('what was pasted survives a reload; start over brings the demo back', async () => {
  const app = await App.open(ctx);
  const { page, editor } = app;
  await editor.waitFor();
  const mine = '{"StartAt": "Mine", "States": {"Mine": {"Type": "Succeed"}}}';
  await app.setDefinition(mine, 'Mine');
  await app.reload();
  await app.state('Mine').waitFor();
  assert.equal(await editor.inputValue(), mine);
  await page.getByRole('button', { name: 'Start over' }).click();
  await app.state('ValidateOrder').waitFor();
  await app.close();
});

test('the theme toggle switches to dark and back; examples load', async () => {
  const app = await App.open(ctx);
  const { page } = app;
  await app.state('ValidateOrder').waitFor();
  await page.locator('[data-testid=theme-toggle]').click();
  assert.equal(await page.evaluate(() => document.documentElement.className), 'theme-dark');
  await page.locator('select.examples').selectOption('1');
  await page.waitForFunction(() => /FAILED/.test(document.querySelector('[data-testid=run-status]')?.textContent ?? ''));
  await page.waitForFunction(() => document.querySelector('[data-testid=graph] .status-failed'));
  await app.shot('workspace-dark-failed-run');
  await page.locator('[data-testid=theme-toggle]').click();
  assert.equal(await page.evaluate(() => document.documentElement.className), 'theme-light');
  await page.locator('select.examples').selectOption('3');
  await app.state('Route').waitFor();
  assert.deepEqual(page.errors, []);
  assert.deepEqual(page.offLoopback, []);
  await app.close();
});

test('keyboard only: tab to the graph, arrows along transitions, enter, help', async () => {
  const app = await App.open(ctx, ctx.base, { viewport: { width: 1024, height: 700 } });
  const { page } = app;
  await app.state('ValidateOrder').waitFor();
  // Tab reaches the controls and then the graph.
  let reached = false;
  for (let i = 0; i < 30 && !reached; i++) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate(() => document.activeElement?.classList.contains('graph-host'));
  }
  assert.ok(reached, 'Tab reaches the graph');
  await page.keyboard.press('ArrowDown');
  await page.locator('[data-testid=inspector] h2', { hasText: 'ValidateOrder' }).waitFor();
  await page.keyboard.press('ArrowDown');
  await page.locator('[data-testid=inspector] h2', { hasText: 'CheckStock' }).waitFor();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await page.locator('[data-testid=inspector] h2', { hasText: 'ProcessPayment' }).waitFor();
  await page.keyboard.press('ArrowDown');
  await page.locator('[data-testid=inspector] h2', { hasText: 'ChargeCard' }).waitFor();
  await page.keyboard.press('ArrowUp');
  await page.locator('[data-testid=inspector] h2', { hasText: 'ProcessPayment' }).waitFor();
  // The highlight lands in the next frame, once the drawing is in the page.
  await page.locator('[data-testid=graph] svg [data-state="ProcessPayment"].selected').waitFor();
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement?.closest('[data-testid=inspector]') !== null), true);
  await page.keyboard.press('Escape');
  await page.locator('.graph-host').focus();
  await page.keyboard.press('?');
  await page.locator('[data-testid=shortcuts]').waitFor();
  await app.shot('keyboard-1024x700');
  // The text alternative names every state with its type and where it leads.
  const alt = await page.locator('[data-testid=graph-text]').innerText();
  assert.match(alt, /Choice IsInStock: 2 rules → ProcessPayment, NotifyFailure, default → WaitForRestock/);
  assert.equal(await app.state('IsInStock').getAttribute('aria-label'), 'Choice IsInStock: 2 rules → ProcessPayment, NotifyFailure, default → WaitForRestock');
  await app.close();
});

/** Starts recording the page's long tasks (PerformanceObserver) and its longest frame gap. */
async function watchMainThread(page) {
  await page.evaluate(() => {
    window.__longest = 0;
    window.__gap = 0;
    new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longest = Math.max(window.__longest, e.duration); }).observe({ type: 'longtask', buffered: false });
    let last = performance.now();
    const frame = (now) => { window.__gap = Math.max(window.__gap, now - last); last = now; requestAnimationFrame(frame); };
    requestAnimationFrame(frame);
  });
}

test('a 25,000-event history loads in the worker while the page keeps answering; the longest task is printed', async () => {
  // A generated run at the service's limit, written by the native CLI.
  const def = JSON.stringify({ StartAt: 'Ship', States: { Ship: { Type: 'Map', MaxConcurrency: 10, End: true, ItemProcessor: { StartAt: 'Pack', States: {
    Pack: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Retry: [{ ErrorEquals: ['Lambda.ServiceException'], MaxAttempts: 2 }], Next: 'Label' },
    Label: { Type: 'Pass', End: true } } } } } });
  const { writeFileSync, mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'stepscope-'));
  writeFileSync(join(dir, 'big.asl.json'), def);
  const history = cli(['generate', join(dir, 'big.asl.json'), '--items', '6000', '--max-events', '25000']);
  const events = JSON.parse(history).events.length;
  assert.ok(events > 24000 && events <= 25000, `${events} events`);
  const app = await App.open(ctx);
  const { page } = app;
  await app.state('ValidateOrder').waitFor();
  await app.setDefinition(def, 'Pack');
  await app.toClipboard(history);
  await watchMainThread(page);
  const t0 = Date.now();
  await app.paste('history');
  // The work happens in the worker, with a progress indicator; the page answers meanwhile.
  await page.locator('[data-testid=progress]').waitFor();
  await app.shot('big-history-progress');
  const answered = await page.evaluate(() => new Promise((ok) => { const s = performance.now(); setTimeout(() => ok(performance.now() - s), 0); }));
  await page.waitForFunction((n) => (document.querySelector('[data-testid=history-form]')?.textContent ?? '').includes(`${n} events`), events, { timeout: 60000 });
  const loaded = Date.now() - t0;
  // Once the page has settled, every long task and frame gap of the work has been recorded.
  await app.settle();
  const { longest, gap } = await page.evaluate(() => ({ longest: window.__longest, gap: window.__gap }));
  console.log(`e2e: 25,000-event history (${events} events, ${(history.length / 1e6).toFixed(1)} MB) pasted: shown after ${loaded} ms; a timer queued during the work ran after ${answered.toFixed(0)} ms; longest main-thread task ${longest.toFixed(0)} ms; longest frame gap ${gap.toFixed(0)} ms`);
  // The editor holds a read-only preview, not megabytes.
  assert.match(await page.locator('[data-testid=big-note]').innerText(), /4\.\d MB .*read-only/);
  assert.ok((await page.locator('[data-testid=history-input]').inputValue()).length < 100000);
  // The run is there: the Map's progress counts 6,000 items... once its iterations have run.
  assert.match(await page.locator('[data-testid=timeline]').innerText(), /iterations: \d+ ✓/);
  await app.shot('big-history');
  assert.deepEqual(page.errors, []);
  await app.close();
});

test('a 1 MB definition is parsed, validated and laid out in the worker; the longest task is printed', async () => {
  // A chain of 1,200 Task states with Retry, Catch and long comments: about 1 MB of ASL.
  const n = 1200;
  const def = bigChain(n);
  assert.ok(def.length > 1e6, `${def.length} bytes`);
  const app = await App.open(ctx);
  const { page } = app;
  await app.state('ValidateOrder').waitFor();
  await app.setHistory('');
  await app.toClipboard(def);
  await watchMainThread(page);
  const t0 = Date.now();
  await app.paste('definition');
  await page.locator('[data-testid=progress]').waitFor();
  // What the opening view shows goes in first, the start state among it; the rest follows.
  await page.locator('[data-testid=graph] svg[data-shown] [data-state=Step0]').waitFor({ timeout: 60000 });
  const shown = Date.now() - t0;
  assert.equal(await page.locator('[data-testid=graph] svg[data-complete]').count(), 0, 'the whole drawing went in at once');
  await app.state('Step1199').waitFor({ timeout: 60000 });
  const drawn = Date.now() - t0;
  // Once the page has settled, every long task and frame gap of the work has been recorded.
  await app.settle();
  const { longest, gap } = await page.evaluate(() => ({ longest: window.__longest, gap: window.__gap }));
  console.log(`e2e: 1 MB definition (${n + 1} states, ${(def.length / 1e6).toFixed(2)} MB) pasted: its opening view in after ${shown} ms, the whole drawing after ${drawn} ms; longest main-thread task ${longest.toFixed(0)} ms; longest frame gap ${gap.toFixed(0)} ms`);
  assert.equal(await page.locator('[data-testid=graph] [data-state]').count() >= n + 1, true);
  // The analysis came from the worker with the drawing: the header counts its states, and a
  // state's inspector finds its place in the text.
  assert.match(await page.locator('[data-testid=machine-title]').innerText(), new RegExp(`${n + 1} states`));
  // Playwright's hit test reads the 87,000 px wide drawing as outside the viewport: the click
  // goes to the element itself.
  await app.state('Step0').dispatchEvent('click');
  await app.inspectorFor('Step0').waitFor();
  // The opening view is on the start state.
  const box = await app.state('Step0').boundingBox();
  const view = page.viewportSize();
  assert.ok(box && box.x >= 0 && box.y >= 0 && box.x + box.width <= view.width && box.y + box.height <= view.height, `Step0 at ${JSON.stringify(box)}`);
  // The overview of a drawing thousands of times its size still shows where the view is: a
  // mark of at least 8 px each way, on the overview.
  const mm = await page.locator('[data-testid=minimap]').boundingBox();
  const mark = await page.locator('[data-testid=minimap-view]').boundingBox();
  assert.ok(mm && mark && mark.width >= 7.5 && mark.height >= 7.5, `the view's mark ${JSON.stringify(mark)}`);
  assert.ok(mark.x + mark.width > mm.x && mark.x < mm.x + mm.width && mark.y + mark.height > mm.y && mark.y < mm.y + mm.height, `mark ${JSON.stringify(mark)} outside the overview ${JSON.stringify(mm)}`);
  await app.shot('big-definition');
  assert.deepEqual(page.errors, []);
  await app.close();
});

test('a link with a big definition and a small run opens at its moment: the run is rebuilt once, with the machine', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stepscope-bigrun-'));
  const n = 400;
  const def = bigChain(n);
  assert.ok(def.length > 256 * 1024);
  // A generated run of the big machine (about 100 KB): small, so the page rebuilds it itself.
  writeFileSync(join(dir, 'big.asl.json'), def);
  const run = cli(['generate', join(dir, 'big.asl.json'), '--seed', '3']);
  writeFileSync(join(dir, 'big.history.json'), run);
  const link = cli(['link', join(dir, 'big.asl.json'), '--history', join(dir, 'big.history.json'), '--at', '100', '--base', ctx.base]).split('\n')[0].trim();
  assert.match(link, /[#&]t=100(&|$)/);
  const app = await App.create(ctx);
  const { page } = app;
  await page.goto(link);
  await app.drawn(`Step${n - 1}`);
  await app.runStatus.waitFor();
  await page.waitForTimeout(500);
  // Rebuilt twice, the second would have put the cursor at the run's end.
  assert.equal(await app.clock(), 0.1, await app.clockText());
  assert.deepEqual(page.errors, []);
  await app.close();
});

test('while the worker reads a replaced big definition, the last problems are dimmed and carry no line:col', async () => {
  const app = await App.open(ctx);
  const { page } = app;
  await app.setHistory('');
  await app.settle();
  // Two big definitions (over 256 KB: the worker reads them), each with one wrong Next.
  const broken = (n, to) => bigChain(n).replace('"Next": "Step5"', `"Next": "${to}"`);
  await app.toClipboard(broken(400, 'Nowhere'));
  await app.paste('definition');
  await app.drawn('Step399');
  const first = page.locator('[data-testid=diagnostics] li').first();
  assert.match(await first.innerText(), /^\d+:\d+ error\[unknown-next-target\]: Next names 'Nowhere'/);
  // Every state of the list from the paste until the worker's answer is drawn.
  await page.evaluate(() => {
    window.__seen = [];
    new MutationObserver(() => {
      const li = document.querySelector('[data-testid=diagnostics] li');
      if (li) window.__seen.push([li.className, li.textContent]);
    }).observe(document.querySelector('[data-testid=diagnostics]'), { subtree: true, childList: true, characterData: true, attributes: true });
  });
  await app.toClipboard(broken(500, 'Elsewhere'));
  await app.paste('definition');
  await app.drawn('Step499');
  await page.locator('[data-testid=diagnostics] li', { hasText: 'Elsewhere' }).first().waitFor();
  const seen = await page.evaluate(() => window.__seen);
  const stale = seen.filter(([cls]) => cls.split(' ').includes('stale'));
  assert.ok(stale.length > 0, `never dimmed: ${JSON.stringify(seen.slice(0, 4))}`);
  for (const [, text] of stale) {
    assert.match(text, /^error\[unknown-next-target\]: Next names 'Nowhere'/, 'a dimmed problem is the last one, without its old place');
  }
  // The answer's problems are placed in the new text, and no longer dimmed.
  assert.match(await first.innerText(), /^\d+:\d+ error\[unknown-next-target\]: Next names 'Elsewhere'/);
  assert.equal(await page.locator('[data-testid=diagnostics] li.stale').count(), 0);
  assert.deepEqual(page.errors, []);
  await app.close();
});

test('with the worker file gone, a big definition is drawn on the page instead, with a notice and no page error', async () => {
  const app = await App.create(ctx);
  const { page } = app;
  await page.route(/\/worker-[0-9a-f]{16}\.js$/, (r) => r.fulfill({ status: 404, body: 'not found' }));
  await app.goto(ctx.base);
  await app.state('ChargeCard').waitFor();
  await app.setHistory('');
  await app.toClipboard(bigChain(400));
  await app.paste('definition');
  await app.drawn('Step399');
  assert.match(await page.locator('.notice').innerText(), /the background worker stopped: its file did not load \(if Stepscope was just updated, reload the page\); drawing here instead/);
  assert.match(await page.locator('[data-testid=machine-title]').innerText(), /401 states/);
  assert.deepEqual(page.errors, []);
  await app.close();
});
