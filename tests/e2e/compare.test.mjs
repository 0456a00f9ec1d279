// End-to-end tests of runs side by side (issue 18): two runs compared on the graph, in lanes and
// in the inspector; many runs read in the worker with counts, per-state numbers, error groups,
// edge widths, heat and the slowest runs; a Distributed Map's ResultWriter output; a folder.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setup, teardown, repo, shot, cli } from './harness.mjs';
import { App } from './app.mjs';
import { orderHistories, orderRuns, mapRun, dropRuns, runsShown } from './runs-fixtures.mjs';

let ctx;
before(async () => { ctx = await setup(); });
after(async () => { await teardown(ctx); });

const corpus = join(repo, '..', 'shared', 'corpus', 'histories', 'localstack');
const order = readFileSync(join(repo, 'examples/simulate/order.asl.json'), 'utf8');
const payload = (name, text) => ({ name, mimeType: 'application/json', buffer: Buffer.from(text) });
const CMP = ['cmp-both', 'cmp-only-a', 'cmp-only-b', 'cmp-neither'];

/** Each state's comparison classes and badge, from the graph. */
const marks = (page) => page.evaluate(() => Object.fromEntries([...document.querySelectorAll('[data-testid=graph] svg .state[data-state]')]
  .filter((n) => !n.classList.contains('stub'))
  .map((n) => [n.dataset.state, { classes: [...n.classList].filter((c) => c.startsWith('cmp-') || c.startsWith('runs-')), badge: n.querySelector('.mark-badge')?.textContent ?? '' }])));

/** Mark badges that are not wholly inside the graph pane (cut off by the drawing's edge). */
const badgesOut = (page) => page.evaluate(() => {
  const pane = document.querySelector('[data-testid=graph]').closest('.graph-host').getBoundingClientRect();
  return [...document.querySelectorAll('[data-testid=graph] svg .mark-badge')].filter((b) => b.textContent).map((b) => [b.textContent, b.getBoundingClientRect()])
    .filter(([, r]) => r.left < pane.left || r.right > pane.right || r.top < pane.top || r.bottom > pane.bottom).map(([t]) => t);
});

/** The smallest on-screen height of the graph's state names and mark badges, in CSS px. */
const smallestText = (page) => page.evaluate(() => Math.min(...[...document.querySelectorAll('[data-testid=graph] svg .state .name, [data-testid=graph] svg .mark-badge')]
  .map((t) => t.getBoundingClientRect().height).filter((h) => h > 0)));

test('two histories dropped together are compared: graph classes, badges, divergence, lanes, diff', async () => {
  const app = await App.open(ctx);
  const { page } = app;
  const h = orderHistories();
  await app.openFiles([payload('order.asl.json', order), payload('ships.history.json', JSON.stringify(h.RetriesThenShips)), payload('refunds.history.json', JSON.stringify(h.OutOfStock))]);
  await page.locator('[data-testid=compare-panel]').waitFor();
  await app.drawn('Refund');
  const m = await marks(page);
  // The contract: in compare mode each state carries exactly one of the four classes.
  for (const [name, { classes }] of Object.entries(m)) {
    assert.equal(classes.filter((c) => CMP.includes(c)).length, 1, `${name}: ${classes}`);
  }
  assert.deepEqual(m.ChargeCard.classes, ['cmp-both']);
  assert.deepEqual(m['InStock?'].classes.sort(), ['cmp-both', 'cmp-diverge']);
  assert.deepEqual(m.Ship.classes, ['cmp-only-a']);
  assert.deepEqual(m.Refund.classes, ['cmp-only-b']);
  assert.deepEqual(m.NotifyDeclined.classes, ['cmp-neither']);
  // A retried the charge three times, B charged once: B was faster, with fewer tries.
  assert.match(m.ChargeCard.badge, /^−\d+(\.\d)? s · tries 3→1$/);
  assert.equal(await page.locator('[data-testid=compare-divergence]').innerText(), 'At InStock?, A went to Ship and B to Refund.');
  const edges = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll('[data-testid=graph] svg .edge[data-from]')]
    .map((e) => [`${e.dataset.from}→${e.dataset.to}`, [...e.classList].filter((c) => c.startsWith('cmp-edge') || c === 'mark-untaken').join(' ')])));
  assert.equal(edges['InStock?→Ship'], 'cmp-edge-a');
  assert.equal(edges['InStock?→Refund'], 'cmp-edge-b');
  assert.equal(edges['ChargeCard→InStock?'], 'cmp-edge-both');
  // Two lanes per state compared, A above B, on one axis.
  const lanes = page.locator('[data-testid=compare-panel] .cmp-pair');
  assert.equal(await lanes.count(), 4, 'ChargeCard, InStock?, Ship, Refund');
  assert.equal(await page.locator('[data-testid=compare-panel] .cmp-pair[data-lane-state="ChargeCard"] rect.bar.cmp-a').count(), 1);
  assert.equal(await page.locator('[data-testid=compare-panel] .cmp-pair[data-lane-state="ChargeCard"] rect.bar.cmp-b').count(), 1);
  // Lined up at the Choice: both runs' InStock? bars start at the same x.
  await page.locator('[data-testid=compare-align]').selectOption('InStock?');
  await page.locator('[data-testid=compare-panel] .align-line').waitFor({ state: 'attached' });
  const [xa, xb] = await page.evaluate(() => ['a', 'b'].map((s) => Number(document.querySelector(`[data-testid=compare-panel] .cmp-pair[data-lane-state="InStock?"] rect.bar.cmp-${s}`).getAttribute('x'))));
  assert.ok(Math.abs(xa - xb) < 0.5, `aligned bars start at ${xa} and ${xb}`);
  assert.ok(await smallestText(page) >= 10, 'names and badges readable');
  assert.deepEqual(await badgesOut(page), []);
  await shot(page, 'compare-two-runs');
  // The inspector: each side's input and output, and the differences.
  await app.state('ChargeCard').click();
  await page.locator('[data-testid=compare-inspect]').waitFor();
  await page.locator('[data-testid=compare-inspect]').scrollIntoViewIfNeeded();
  assert.match(await page.locator('[data-testid=compare-inspect]').innerText(), /Output: \d+ differences?|Output: the same in A and B/);
  await shot(page, 'compare-inspector');
  // Swap makes B the run in the editor; Stop goes back to one run.
  await page.locator('[data-testid=compare-swap]').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=compare-divergence]')?.textContent === 'At InStock?, A went to Refund and B to Ship.');
  await page.locator('[data-testid=compare-stop]').click();
  await page.locator('[data-testid=compare-panel]').waitFor({ state: 'detached' });
  await app.settle();
  assert.ok(Object.values(await marks(page)).every((x) => x.classes.length === 0), 'marks cleared');
});

test('Compare with… two corpus runs of one Choice: where they parted, and the outputs diffed', async () => {
  const app = await App.open(ctx);
  const { page } = app;
  const f = (n) => readFileSync(join(corpus, `test_output__test_output_in_choice__${n}`), 'utf8');
  await app.openFiles([payload('choice.asl.json', f('CONDITION_TRUE.asl.json')), payload('CONDITION_TRUE.history.json', f('CONDITION_TRUE.history.json'))]);
  await app.drawn('ConditionTrue');
  await page.locator('[data-testid=compare-with]').click();
  await page.locator('[data-testid=compare-input]').setInputFiles([payload('CONDITION_FALSE.history.json', f('CONDITION_FALSE.history.json'))]);
  await page.locator('[data-testid=compare-panel]').waitFor();
  await app.settle();
  assert.equal(await page.locator('[data-testid=compare-divergence]').innerText(), 'At ChoiceState, A went to ConditionTrue and B to DefaultState.');
  assert.match(await page.locator('[data-testid=compare-b]').innerText(), /CONDITION_FALSE\.history\.json · FAILED/);
  const m = await marks(page);
  assert.deepEqual(m.ConditionTrue.classes, ['cmp-only-a']);
  assert.deepEqual(m.DefaultState.classes, ['cmp-only-b']);
  await app.state('ChoiceState').click();
  const diff = page.locator('[data-testid=compare-diff]', { hasText: 'Output' });
  await diff.waitFor();
  // The Choice's Output differs by the branch taken.
  assert.match(await diff.innerText(), /"Condition Output block" → "Default Output block"/);
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.emulateMedia({ colorScheme: 'dark' });
  await app.settle();
  await shot(page, 'compare-corpus-dark-1440');
});

test('many runs: counts, per-state numbers, error groups, edge widths, heat, slowest runs', async () => {
  const app = await App.open(ctx);
  const { page } = app;
  const runs = orderRuns(200);
  await dropRuns(page, [{ name: 'order.asl.json', text: order }, ...runs]);
  const ms = await runsShown(page);
  await app.settle();
  const expected = { SUCCEEDED: runs.filter((r) => r.kind !== 'CardDeclined').length, FAILED: runs.filter((r) => r.kind === 'CardDeclined').length };
  const chips = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll('[data-testid=runs-status] [data-status]')].map((c) => [c.dataset.status, Number(c.textContent.split(' ')[0])])));
  assert.deepEqual(chips, expected);
  assert.ok(await page.evaluate(() => window.__sawProgress), 'a progress bar while reading');
  const longest = await page.evaluate(() => window.__longest);
  assert.ok(longest < 100, `a main-thread task took ${longest} ms (${await page.evaluate(() => window.__longTasks)})`);
  // Per state: ChargeCard ran in every run; its caught declines group by error and cause.
  const row = page.locator('[data-testid=runs-states] tr[data-state="ChargeCard"]');
  assert.match(await row.innerText(), /ChargeCard\s+200\s+200\s/);
  assert.match(await row.innerText(), new RegExp(`CardDeclined: insufficient funds ×${expected.FAILED}`));
  assert.match(await page.locator('[data-testid=runs-errors]').innerText(), new RegExp(`OrderDeclined: insufficient funds ×${expected.FAILED}`));
  // Edges as wide as the runs that took them; the hottest state fills darkest.
  const widths = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll('[data-testid=graph] svg .edge.runs-edge')]
    .map((e) => [`${e.dataset.from}→${e.dataset.to}`, Number(getComputedStyle(e.querySelector('path')).strokeWidth.replace('px', ''))])));
  assert.ok(widths['ChargeCard→InStock?'] > widths['InStock?→Refund'], JSON.stringify(widths));
  assert.ok(widths['InStock?→Ship'] > widths['InStock?→Refund'], JSON.stringify(widths));
  const m = await marks(page);
  assert.deepEqual(m.ChargeCard.classes, ['runs-heat-4']);
  assert.match(m.ChargeCard.badge, /^p50 \d/);
  // The slowest run first.
  const slowest = runs.reduce((a, b) => (b.ms > a.ms ? b : a));
  assert.equal((await page.locator('[data-testid=runs-row]').first().locator('.run-name').getAttribute('title')).split(' · ')[0], slowest.name.replace('.history.json', ''));
  assert.ok(await smallestText(page) >= 10);
  assert.deepEqual(await badgesOut(page), []);
  const clipped = await page.locator('[data-testid=runs-row] .run-name').evaluateAll((tds) => tds.filter((td) => td.scrollWidth > td.clientWidth + 1).map((td) => td.title));
  assert.deepEqual(clipped, []);
  await shot(page, 'runs-many');
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.emulateMedia({ colorScheme: 'dark' });
  await app.settle();
  await shot(page, 'runs-many-dark-1440');
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.emulateMedia({ colorScheme: 'light' });
  // Compare the slowest with the median run: A the median, B the slowest.
  await page.locator('[data-testid=runs-row]').first().locator('[data-testid=runs-compare]').click();
  await page.locator('[data-testid=compare-panel]').waitFor();
  await app.settle();
  assert.match(await page.locator('[data-testid=compare-b]').innerText(), new RegExp(slowest.name.replace(/\./g, '\\.')));
  // Back to the runs, then open one run.
  await page.locator('[data-testid=runs-back]').click();
  await page.locator('[data-testid=runs-view]').waitFor();
  await page.locator('[data-testid=runs-row]').nth(1).locator('[data-testid=runs-open]').click();
  await page.locator('[data-testid=runs-view]').waitFor({ state: 'detached' });
  await app.settle();
  assert.match(await app.runStatus.innerText(), /SUCCEEDED|FAILED/);
  assert.equal(await page.locator('[data-testid=runs-back]').innerText(), '← 200 runs');
  console.log(`many runs: 200 histories read in ${ms.toFixed(0)} ms, longest main-thread task ${longest.toFixed(0)} ms`);
});

test('a Distributed Map run from its ResultWriter manifest, result files and child histories', async () => {
  const app = await App.open(ctx);
  const { page } = app;
  const { items, files } = mapRun(300, 3);
  await dropRuns(page, files);
  await runsShown(page);
  await app.settle();
  const failed = items.filter((i) => i.Status === 'FAILED');
  const chips = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll('[data-testid=runs-status] [data-status]')].map((c) => [c.dataset.status, Number(c.textContent.split(' ')[0])])));
  assert.deepEqual(chips, { FAILED: failed.length, SUCCEEDED: items.length - failed.length });
  assert.match(await page.locator('[data-testid=runs-map-run]').innerText(), /Map run · 2 result files/);
  const truck = failed.filter((i) => i.Error === 'ShipError').length;
  assert.match(await page.locator('[data-testid=runs-errors]').innerText(), new RegExp(`ShipError: no truck ×${truck}\\s+States\\.Timeout: Task timed out ×${failed.length - truck}`));
  // The slowest item first, with its details on a click.
  const ms = (i) => Date.parse(i.StopDate) - Date.parse(i.StartDate);
  const slowest = items.reduce((a, b) => (ms(b) > ms(a) ? b : a));
  const first = page.locator('[data-testid=runs-row]').first();
  assert.equal((await first.locator('.run-name').getAttribute('title')).split(' · ')[0], slowest.Name);
  await first.locator('.run-name button').click();
  const detail = page.locator('[data-testid=runs-detail]');
  await detail.waitFor();
  assert.match(await detail.innerText(), new RegExp(`Status\\s+${slowest.Status}`));
  assert.match(await detail.innerText(), /"orderId"/);
  // Every failed item, listed on a pick; and a failure group's items on a click.
  await page.locator('[data-testid=runs-filter]').selectOption('status:FAILED');
  const statuses = await page.locator('[data-testid=runs-row]').evaluateAll((rows) => rows.map((r) => r.dataset.status));
  assert.equal(statuses.length, Math.min(25, failed.length));
  assert.ok(statuses.every((s) => s === 'FAILED'), statuses.join());
  if (failed.length > 25) {
    await page.locator('[data-testid=runs-more]').click();
    assert.equal(await page.locator('[data-testid=runs-row]').count(), Math.min(50, failed.length));
  }
  await page.locator('[data-testid=runs-errors] button', { hasText: 'States.Timeout' }).click();
  const timeouts = await page.locator('[data-testid=runs-row] .run-name').evaluateAll((cells) => cells.map((c) => c.title.split(' · ')[0]));
  assert.deepEqual(timeouts.sort(), failed.filter((i) => i.Error === 'States.Timeout').map((i) => i.Name).sort().slice(0, 25));
  await page.locator('[data-testid=runs-row]').first().locator('.run-name button').click();
  assert.match(await detail.innerText(), /Error\s+States\.Timeout\s+Cause\s+Task timed out/);
  // The child histories joined their items: those open.
  assert.equal(await page.locator('[data-testid=runs-states] h3').innerText(), 'STATES, OVER 3 HISTORIES');
  await page.locator('[data-testid=runs-filter]').selectOption('openable');
  assert.equal(await page.locator('[data-testid=runs-row]').count(), 3);
  assert.equal(await page.locator('[data-testid=runs-row] [data-testid=runs-open]:enabled').count(), 3);
  // Every name in the list shows whole (cut in its middle when long), none clipped by its cell.
  const clipped = await page.locator('[data-testid=runs-row] .run-name').evaluateAll((tds) => tds.filter((td) => td.scrollWidth > td.clientWidth + 1).map((td) => td.title));
  assert.deepEqual(clipped, []);
  // The children run the Map's item processor, not the definition shown: the user may draw the
  // graph from the runs instead (the definition editor empties; nothing else changes).
  assert.match(await page.locator('[data-testid=runs-foreign]').innerText(), /^2 of the runs' states are not in the definition shown/);
  await page.locator('[data-testid=runs-draw-from-runs]').click();
  await page.locator('[data-testid=runs-foreign]').waitFor({ state: 'detached' });
  await app.drawn('ChargeCard');
  assert.deepEqual((await marks(page)).ChargeCard.classes, ['runs-heat-4']);
  await shot(page, 'runs-map-run');
  await page.locator('[data-testid=runs-row]').first().locator('[data-testid=runs-open]').click();
  await page.locator('[data-testid=runs-view]').waitFor({ state: 'detached' });
  await app.settle();
  assert.match(await app.runStatus.innerText(), /SUCCEEDED/);
});

test('a folder of corpus runs of one definition, picked whole: the page and the CLI agree', async () => {
  const app = await App.open(ctx);
  const { page } = app;
  // Every corpus run whose definition is the same as this one's (LocalStack ran it with many inputs).
  const def = readFileSync(join(corpus, 'test_wait__test_base_wait_seconds_path__1.5.asl.json'), 'utf8');
  const histories = readdirSync(corpus).filter((f) => f.endsWith('.asl.json') && readFileSync(join(corpus, f), 'utf8') === def)
    .map((f) => join(corpus, f.replace('.asl.json', '.history.json')));
  assert.ok(histories.length >= 8, `${histories.length} runs`);
  const dir = mkdtempSync(join(tmpdir(), 'stepscope-runs-'));
  const folder = join(dir, 'waits');
  mkdirSync(folder);
  writeFileSync(join(folder, 'wait.asl.json'), def);
  for (const h of histories) writeFileSync(join(folder, h.split('/').pop()), readFileSync(h));
  await page.locator('[data-testid=open-runs-input]').setInputFiles(folder);
  await page.locator('[data-testid=runs-status]').waitFor();
  await app.settle();
  const stats = JSON.parse(cli(['stats', ...histories, '--format', 'json']));
  const chips = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll('[data-testid=runs-status] [data-status]')].map((c) => [c.dataset.status, Number(c.textContent.split(' ')[0])])));
  assert.deepEqual(chips, stats.status);
  for (const s of stats.states) {
    const cells = (await page.locator(`[data-testid=runs-states] tr[data-state="${s.state}"] td`).allInnerTexts()).slice(1, 3).map(Number);
    assert.deepEqual(cells, [s.runs, s.visits], s.state);
  }
  // These histories have no timestamps: the first that opens stands in for the median run, so
  // the graph shows one of them, not the demo's run under their definition.
  await page.locator('[data-testid=graph] svg[data-complete]').waitFor();
  await app.settle();
  assert.equal(await page.locator('[data-testid=run-mismatch]').count(), 0);
  // The runs the service failed while the Wait was open count as the Wait's failures.
  const failed = stats.status.FAILED ?? 0;
  const wait = stats.states.find((s) => s.state === 'WaitState');
  assert.equal(wait.errors.reduce((n, e) => n + e.count, 0), failed);
  assert.match(await page.locator('[data-testid=runs-states] tr[data-state="WaitState"] td.errs').innerText(), /States\.Runtime/);
  await shot(page, 'runs-corpus-folder');
});

test('ListExecutions pages of a map run: one row per execution, lengths where they ended', async () => {
  const app = await App.open(ctx);
  const { page } = app;
  const arn = (n) => `arn:aws:states:us-east-1:111111111111:execution:Orders/ProcessItems:item-${n}`;
  const run = (n, status, ms) => ({ executionArn: arn(n), stateMachineArn: 'arn:aws:states:us-east-1:111111111111:stateMachine:Orders/ProcessItems',
    name: `item-${n}`, status, startDate: '2026-01-01T00:00:00.000000+00:00', ...(ms === undefined ? {} : { stopDate: new Date(Date.UTC(2026, 0, 1) + ms).toISOString() }),
    mapRunArn: 'arn:aws:states:us-east-1:111111111111:mapRun:Orders/ProcessItems:1' });
  // Two pages that overlap on item-3 (a page fetched again), as `aws stepfunctions list-executions` writes them.
  const page1 = { executions: [run(1, 'SUCCEEDED', 1200), run(2, 'FAILED', 4500), run(3, 'SUCCEEDED', 800)], nextToken: 'x' };
  const page2 = { executions: [run(3, 'SUCCEEDED', 800), run(4, 'RUNNING'), run(5, 'TIMED_OUT', 9000)] };
  await app.openFiles([payload('page-1.json', JSON.stringify(page1)), payload('page-2.json', JSON.stringify(page2))]);
  await page.locator('[data-testid=runs-status]').waitFor();
  await app.settle();
  const chips = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll('[data-testid=runs-status] [data-status]')].map((c) => [c.dataset.status, Number(c.textContent.split(' ')[0])])));
  assert.deepEqual(chips, { FAILED: 1, RUNNING: 1, SUCCEEDED: 2, TIMED_OUT: 1 });
  const rows = await page.locator('[data-testid=runs-row]').evaluateAll((rs) => rs.map((r) => [r.querySelector('.run-name').title.split(' · ')[0], r.querySelector('.num').textContent]));
  // Slowest first; the run still going has no length and comes last.
  assert.deepEqual(rows, [['item-5', '9.0 s'], ['item-2', '4.5 s'], ['item-1', '1.2 s'], ['item-3', '800 ms'], ['item-4', '–']]);
});
