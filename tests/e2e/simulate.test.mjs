// End-to-end tests of the Simulate panel: a run made in the page, from an input and mocks,
// replayed in the same views as a recorded one. The simulator's wasm loads on first use only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setup, teardown, repo, startHost, shot } from './harness.mjs';
import { App, settle } from './app.mjs';

let ctx;
let host; // a second origin, for a docs page
before(async () => {
  ctx = await setup();
  host = await startHost('stepscope-sim-host-');
});
after(async () => {
  await host.close();
  await teardown(ctx);
});

/** Each state's status classes, and the clock: what two views of one run must share. */
const view = (page) => page.evaluate(() => ({
  classes: Object.fromEntries([...document.querySelectorAll('[data-testid=graph] [data-state]')].map((n) => [n.dataset.state, [...n.classList].filter((c) => c.startsWith('status-')).join(' ')])),
  clock: document.querySelector('[data-testid=clock]')?.textContent,
  status: document.querySelector('[data-testid=run-status]')?.textContent,
  source: document.querySelector('[data-testid=run-source]')?.textContent,
}));

const example = (name) => readFileSync(join(repo, 'examples/simulate', name), 'utf8');

/** Opens the panel, fills it, runs, and waits for the simulated run to be shown. */
async function simulate(app, { input, mocks, testCase, seed } = {}) {
  const { page } = app;
  if (!(await page.locator('[data-testid=sim-panel]').isVisible())) await page.locator('[data-testid=simulate]').click();
  if (input !== undefined) await page.locator('[data-testid=sim-input]').fill(input);
  if (mocks !== undefined) await page.locator('[data-testid=sim-mocks]').fill(mocks);
  if (testCase !== undefined) await page.locator('[data-testid=sim-test-case]').selectOption(testCase);
  if (seed !== undefined) await page.locator('[data-testid=sim-seed]').fill(String(seed));
  // A run picking a case starts by itself; wait for it, then run once more, as a user would.
  const run = page.locator('[data-testid=sim-run]');
  await page.waitForFunction(() => !document.querySelector('[data-testid=sim-run]')?.disabled);
  const before = await page.evaluate(() => Number(document.querySelector('[data-testid=sim-status]')?.dataset.runs ?? 0));
  await run.click();
  await page.waitForFunction((b) => Number(document.querySelector('[data-testid=sim-status]')?.dataset.runs ?? 0) > b
    && document.querySelector('[data-testid=run-source]')?.textContent === 'simulated', before);
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
  assert.ok(fetched.some((p) => /stepscope-sim-[0-9a-f]{16}_bg\.wasm$/.test(p)), `the engine was not fetched: ${fetched}`);
  assert.match(await page.locator('[data-testid=sim-status]').innerText(), /^Simulated · (SUCCEEDED|FAILED)\b.* · \d+ events/);
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
  // Three test cases in the file's order, the first picked.
  assert.deepEqual(await page.locator('[data-testid=sim-test-case] option').allTextContents(), ['RetriesThenShips', 'CardDeclined', 'OutOfStock']);
  assert.equal(await page.locator('[data-testid=sim-test-case]').inputValue(), 'RetriesThenShips');
  await simulate(app, { testCase: 'RetriesThenShips' });
  assert.match(await page.locator('[data-testid=sim-status]').innerText(), /SUCCEEDED/);
  await app.hasClass('Ship', 'status-succeeded');
  await app.hasClass('Refund', 'status-notrun');
  await app.fitGraph();
  await app.select('ChargeCard');
  const text = await app.inspector.innerText();
  assert.match(text, /try 1 .*PaymentServiceBusy/);
  assert.match(text, /3 tries|try 3/);
  // The data flow of the visit: every step the service applies, as the simulator ran it.
  const flow = await app.inspector.locator('[data-testid=data-flow]').first().innerText();
  for (const step of ['Input', 'Parameters', 'Result', 'After ResultSelector', 'After ResultPath', 'Output']) {
    assert.ok(flow.includes(step), `the data flow lacks ${step}: ${flow.slice(0, 300)}`);
  }
  assert.match(flow, /"FunctionName": "charge-card"/);
  await app.shot('simulate-retries');
  // What if: ChargeCard fails with CardDeclined. It re-simulates at once: caught, declined.
  await app.inspector.locator('[data-testid=what-if-error]').selectOption('CardDeclined');
  await app.hasClass('NotifyDeclined', 'status-failed');
  await app.hasClass('ChargeCard', 'status-caught');
  assert.match(await app.runStatus.innerText(), /FAILED/);
  await app.shot('simulate-what-if');
  // Undo: back to the mocked run.
  await app.inspector.locator('[data-testid=what-if-clear]').click();
  await app.hasClass('Ship', 'status-succeeded');
  await page.keyboard.press('Escape');
  // The declined card is caught, and the Fail state ends the run.
  await simulate(app, { testCase: 'CardDeclined', input: '{"order": 2}' });
  assert.match(await app.runStatus.innerText(), /FAILED/);
  // A failed run says why, as its ExecutionFailed does.
  assert.match(await page.locator('[data-testid=sim-status]').innerText(), /FAILED · OrderDeclined: insufficient funds/);
  await app.hasClass('ChargeCard', 'status-caught');
  await app.hasClass('NotifyDeclined', 'status-failed');
  // The Choice goes to Refund when the card is charged but the item is out of stock.
  await simulate(app, { testCase: 'OutOfStock', input: '{"order": 3}' });
  await app.hasClass('Refund', 'status-succeeded');
  await app.hasClass('Ship', 'status-notrun');
  // What if the Choice saw the item in stock: edit the input its rule sees, and it takes Ship.
  await app.select('InStock?');
  const seen = app.inspector.locator('[data-testid=what-if-input]');
  assert.match(await seen.inputValue(), /"inStock": false/);
  await seen.fill((await seen.inputValue()).replace('"inStock": false', '"inStock": true'));
  await app.inspector.locator('[data-testid=what-if-take]').click();
  await app.hasClass('Ship', 'status-succeeded');
  await app.hasClass('Refund', 'status-notrun');
  await app.inspector.locator('[data-testid=what-if-clear]').click();
  await app.hasClass('Refund', 'status-succeeded');
  await page.keyboard.press('Escape');
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
  // A broken input: located, and the last run stays (said to be out of date).
  await page.locator('[data-testid=sim-input]').fill('{"kind": "refund",\n  "amount": }');
  await page.locator('[data-testid=sim-stale]').waitFor();
  await page.locator('[data-testid=sim-run]').click();
  const problem = page.locator('[data-testid=sim-diagnostics] li');
  await problem.waitFor();
  assert.match(await problem.innerText(), /^2:\d+ error: /);
  assert.equal(await page.locator('[data-testid=run-source]').textContent(), 'simulated');
  await app.shot('simulate-jsonata');
  assert.deepEqual(page.errors, []);
  await app.close();
});

test("a simulation's link carries no history and reopens the identical view in a fresh context", async () => {
  const maker = await App.open(ctx);
  const { page } = maker;
  await maker.setDefinition(example('order.asl.json'), 'ChargeCard');
  await simulate(maker, { input: '{"order": 1}', mocks: example('order.mocks.json'), testCase: 'RetriesThenShips', seed: 7 });
  await maker.seek(2500);
  await maker.fitGraph();
  await maker.select('ChargeCard');
  const { dialog, link } = await maker.shareLink();
  assert.match(link, /[#&]s=1/);
  assert.doesNotMatch(link, /[#&]h=/);
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  const want = await view(page);
  assert.equal(want.source, 'simulated');
  const opened = await App.open(ctx, link);
  await opened.page.waitForFunction(() => document.querySelector('[data-testid=run-source]')?.textContent === 'simulated');
  await opened.inspectorFor('ChargeCard').waitFor();
  await opened.settle();
  assert.deepEqual(await view(opened.page), want);
  // The panel holds the case the link carried.
  await opened.page.locator('[data-testid=tab-simulate]').click();
  assert.equal(await opened.page.locator('[data-testid=sim-seed]').inputValue(), '7');
  assert.equal(await opened.page.locator('[data-testid=sim-test-case]').inputValue(), 'RetriesThenShips');
  await opened.shot('simulate-link-opened');
  assert.deepEqual(opened.page.errors, []);
  assert.deepEqual(page.errors, []);
  await maker.close();
  await opened.close();
});

test('embed.js with data-input and data-mock shows a simulated run, with no recorded one', async () => {
  const escape = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
  host.write('order.mocks.json', example('order.mocks.json'));
  const docs = host.write('sim-docs.html', `<!doctype html><meta charset="utf-8"><title>docs</title><link rel="icon" href="data:,">
<h1>How an order is charged</h1>
<pre class="stepscope" data-input="${escape('{"order": 1}')}" data-mock="order.mocks.json" data-test-case="RetriesThenShips" data-height="560">${escape(example('order.asl.json'))}</pre>
<script src="${ctx.base}embed.js"></script>`);
  const app = await App.create(ctx, { viewport: { width: 1280, height: 800 } });
  const { page } = app;
  await page.goto(docs);
  const frame = page.frameLocator('iframe.stepscope-frame');
  await frame.locator('[data-testid=graph] [data-state="Ship"].status-succeeded').waitFor();
  await frame.locator('[data-testid=run-source]', { hasText: 'simulated' }).waitFor();
  for (const f of page.frames().filter((f) => f.url().startsWith(ctx.base))) await settle(f);
  await shot(page, 'simulate-embed');
  assert.deepEqual(page.errors, []);
  await app.close();
});

test('the mock table and the MockConfigFile stay in step, and a table edit changes the run', async () => {
  const app = await App.open(ctx);
  const { page } = app;
  await app.setDefinition(example('order.asl.json'), 'ChargeCard');
  await simulate(app, { input: '{"order": 1}', mocks: example('order.mocks.json'), testCase: 'RetriesThenShips' });
  await page.locator('[data-testid=sim-mocks-as-table]').click();
  const rows = page.locator('[data-testid=sim-mock-row]');
  assert.deepEqual(await rows.evaluateAll((r) => r.map((x) => x.dataset.state)), ['ChargeCard', 'Ship']);
  const charge = rows.nth(0);
  assert.equal(await charge.locator('[data-testid=sim-mock-kind]').nth(0).inputValue(), 'Throw');
  assert.equal(await charge.locator('[data-testid=sim-mock-times]').nth(0).inputValue(), '2');
  // Busy three times instead of two: the file follows, and the run takes a fourth try.
  await charge.locator('[data-testid=sim-mock-times]').nth(0).fill('3');
  await charge.locator('[data-testid=sim-mock-times]').nth(0).press('Tab');
  await page.locator('[data-testid=sim-mocks-as-text]').click();
  assert.match(await page.locator('[data-testid=sim-mocks]').inputValue(), /"0-2": \{\s*"Throw"/);
  await simulate(app, {});
  await app.fitGraph();
  await app.select('ChargeCard');
  assert.match(await app.inspector.innerText(), /try 4 /);
  await page.locator('[data-testid=sim-mocks-as-table]').click();
  await app.shot('simulate-mock-table');
  assert.deepEqual(page.errors, []);
  await app.close();
});

test('a simulator whose worker file is gone (a deploy while the tab was open) says so, with no page error', async () => {
  const app = await App.open(ctx);
  const { page } = app;
  await page.route(/\/sim-worker-[0-9a-f]{16}\.js$/, (r) => r.fulfill({ status: 404, body: 'not found' }));
  await app.state('ChargeCard').waitFor();
  await page.locator('[data-testid=simulate]').click();
  await page.waitForFunction(() => !document.querySelector('[data-testid=sim-run]')?.disabled);
  await page.locator('[data-testid=sim-run]').click();
  // A module worker that does not load gets a plain Event, with no message to read.
  await page.locator('[data-testid=sim-diagnostics]', { hasText: 'could not load' }).waitFor();
  assert.match(await page.locator('[data-testid=sim-diagnostics]').innerText(), /the simulator could not load: its file did not load \(if Stepscope was just updated, reload the page\)/);
  assert.deepEqual(page.errors, []);
  await app.close();
});
