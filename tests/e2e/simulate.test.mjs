// End-to-end tests of the Simulate panel: a run made in the page, from an input and mocks,
// replayed in the same views as a recorded one. The simulator's wasm loads on first use only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setup, teardown, repo } from './harness.mjs';
import { App } from './app.mjs';

let ctx;
before(async () => { ctx = await setup(); });
after(async () => { await teardown(ctx); });

const example = (name) => readFileSync(join(repo, 'examples/simulate', name), 'utf8');

/** Opens the panel, fills it, runs, and waits for the simulated run to be shown. */
async function simulate(app, { input, mocks, testCase, seed } = {}) {
  const { page } = app;
  if (!(await page.locator('[data-testid=sim-panel]').isVisible())) await page.locator('[data-testid=simulate]').click();
  if (input !== undefined) await page.locator('[data-testid=sim-input]').fill(input);
  if (mocks !== undefined) await page.locator('[data-testid=sim-mocks]').fill(mocks);
  if (testCase !== undefined) await page.locator('[data-testid=sim-test-case]').selectOption(testCase);
  if (seed !== undefined) await page.locator('[data-testid=sim-seed]').fill(String(seed));
  const before = await page.evaluate(() => document.querySelector('[data-testid=sim-status]')?.textContent ?? null);
  await page.locator('[data-testid=sim-run]').click();
  await page.waitForFunction((b) => {
    const s = document.querySelector('[data-testid=sim-status]')?.textContent;
    return s && s !== b && document.querySelector('[data-testid=run-source]')?.textContent === 'simulated';
  }, before);
  await app.settle();
}

test('the demo simulated: the engine loads on first use, and the run replays as simulated', async () => {
  const app = await App.open(ctx);
  const { page } = app;
  const fetched = [];
  page.on('request', (r) => fetched.push(new URL(r.url()).pathname));
  await app.state('ChargeCard').waitFor();
  assert.equal((await page.locator('[data-testid=run-source]').textContent()), 'recorded');
  assert.ok(!fetched.some((p) => p.includes('stepscope-sim')), `fetched before any run: ${fetched}`);
  await simulate(app, { input: '{"orderId": "o-1", "amount": 42}' });
  assert.ok(fetched.some((p) => p.endsWith('stepscope-sim_bg.wasm')), `the engine was not fetched: ${fetched}`);
  assert.match(await page.locator('[data-testid=sim-status]').innerText(), /^Simulated · (SUCCEEDED|FAILED) · \d+ events/);
  assert.match(await app.runStatus.innerText(), /SUCCEEDED|FAILED/);
  // The history is the simulator's, in get-execution-history JSON, and the graph shows its run.
  await page.locator('[data-testid=tab-history]').click();
  const history = JSON.parse(await app.historyEditor.inputValue());
  assert.equal(history.events[0].type, 'ExecutionStarted');
  assert.equal(JSON.parse(history.events[0].executionStartedEventDetails.input).orderId, 'o-1');
  assert.match(await app.classOf('ChargeCard'), /status-/);
  // Editing the history by hand makes it a history of the user's: recorded.
  await app.setHistory(JSON.stringify(history) + ' ');
  await page.waitForFunction(() => document.querySelector('[data-testid=run-source]')?.textContent === 'recorded');
  assert.deepEqual(page.errors, []);
  await app.close();
});

test('a MockConfigFile test case with retries and a caught error, then a Choice', async () => {
  const app = await App.open(ctx);
  const { page } = app;
  // A definition and a MockConfigFile opened together: sorted by content, the mocks into the panel.
  await app.openFiles(['order.mocks.json', 'order.asl.json'].map((n) => ({ name: n, mimeType: 'application/json', buffer: Buffer.from(example(n)) })));
  await app.drawn('InStock?');
  await page.locator('[data-testid=sim-panel]').waitFor();
  assert.match(await page.locator('[data-testid=sim-mocks]').inputValue(), /BusyTwiceThenCharged/);
  await simulate(app, { input: '{"order": 1}' });
  // Three test cases, the first picked.
  assert.deepEqual(await page.locator('[data-testid=sim-test-case] option').allTextContents(), ['CardDeclined', 'OutOfStock', 'RetriesThenShips']);
  await simulate(app, { testCase: 'RetriesThenShips' });
  assert.match(await page.locator('[data-testid=sim-status]').innerText(), /SUCCEEDED/);
  await app.hasClass('Ship', 'status-succeeded');
  await app.hasClass('Refund', 'status-notrun');
  await app.fitGraph();
  await app.select('ChargeCard');
  const text = await app.inspector.innerText();
  assert.match(text, /try 1 .*PaymentServiceBusy/);
  assert.match(text, /3 tries|try 3/);
  await app.shot('simulate-retries');
  await page.keyboard.press('Escape');
  // The declined card is caught, and the Fail state ends the run.
  await simulate(app, { testCase: 'CardDeclined', input: '{"order": 2}' });
  assert.match(await app.runStatus.innerText(), /FAILED/);
  await app.hasClass('ChargeCard', 'status-caught');
  await app.hasClass('NotifyDeclined', 'status-failed');
  // The Choice goes to Refund when the card is charged but the item is out of stock.
  await simulate(app, { testCase: 'OutOfStock', input: '{"order": 3}' });
  await app.hasClass('Refund', 'status-succeeded');
  await app.hasClass('Ship', 'status-notrun');
  await app.shot('simulate-panel');
  assert.deepEqual(page.errors, []);
  await app.close();
});

test('the JSONata example simulated; a broken input is an error at its line and column', async () => {
  const app = await App.open(ctx);
  const { page } = app;
  await app.selectExample(3);
  await simulate(app, { input: '{"kind": "refund", "amount": 2500}' });
  await app.hasClass('StartReview', 'status-succeeded');
  await app.hasClass('Refund', 'status-succeeded');
  await simulate(app, { input: '{"kind": "refund", "amount": 10}' });
  await app.hasClass('StartReview', 'status-notrun');
  // A broken input: located, and the last run stays.
  await page.locator('[data-testid=sim-input]').fill('{"kind": "refund",\n  "amount": }');
  await page.locator('[data-testid=sim-run]').click();
  const problem = page.locator('[data-testid=sim-diagnostics] li');
  await problem.waitFor();
  assert.match(await problem.innerText(), /^2:\d+ error: /);
  assert.equal(await page.locator('[data-testid=run-source]').textContent(), 'simulated');
  await app.shot('simulate-jsonata');
  assert.deepEqual(page.errors, []);
  await app.close();
});
