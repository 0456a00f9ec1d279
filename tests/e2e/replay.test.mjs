// End-to-end tests of replay: the time cursor drives the status classes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, teardown } from './harness.mjs';
import { App } from './app.mjs';

let ctx;
before(async () => { ctx = await setup(); });
after(async () => { await teardown(ctx); });

test('scrubbing the demo run shows each state as it was at that moment', async () => {
  const app = await App.open(ctx);
  const { page } = app;
  await app.playButton.waitFor();
  // At the end: how the run finished.
  await app.hasClass('SendConfirmation', 'status-caught');
  // 5 s in: waiting for restock; nothing after it has run.
  await app.seek(5000);
  await app.hasClass('WaitForRestock', 'status-running');
  assert.match(await app.classOf('ValidateOrder'), /status-succeeded/);
  assert.match(await app.classOf('ChargeCard'), /status-notrun/);
  assert.match(await app.clockText(), /^\+5\.00 s · 2026-11-20T09:14:08\.218Z/);
  await app.shot('replay-5s');
  // 13 s in: ChargeCard failed once and waits to retry, inside a running Parallel.
  await app.seek(13000);
  await app.hasClass('ChargeCard', 'status-running');
  await app.seek(14700);
  await app.hasClass('ChargeCard', 'status-retrying');
  assert.match(await app.classOf('ProcessPayment'), /status-running/);
  assert.match(await app.classOf('RecordReservation'), /status-succeeded/);
  await app.shot('replay-retrying');
  // Play from the start at 100×: the classes move on.
  await page.locator('select.speed').selectOption('100');
  await app.seek(0);
  await app.play();
  await app.hasClass('OrderComplete', 'status-succeeded', { timeout: 10000 });
  // f jumps to the first failure or caught error and selects it.
  await page.locator('.graph-host').focus();
  await page.keyboard.press('f');
  await app.inspectorFor('SendConfirmation').waitFor();
  await app.close();
});

test('the timeline has a lane per visit; clicking a lane moves the cursor and selects the state', async () => {
  const app = await App.open(ctx);
  const { timeline } = app;
  await timeline.waitFor();
  assert.equal(await timeline.locator('[data-lane-state]').count(), 20);
  const charge = timeline.locator('[data-lane-state="ChargeCard"]');
  assert.equal(await charge.locator('.try.failed').count(), 1);
  assert.equal(await charge.locator('.backoff').count(), 1);
  await charge.locator('.lane-label').click();
  await app.inspectorFor('ChargeCard').waitFor();
  assert.match(await app.clockText(), /^\+11\.03 s/);
  await app.hasClass('ChargeCard', 'status-running');
  await app.shot('timeline');
  await app.close();
});

test('a history without a definition still draws the states and transitions it ran', async () => {
  const app = await App.open(ctx);
  const { page } = app;
  await app.state('ValidateOrder').waitFor();
  await app.setDefinition('');
  await page.waitForFunction(() => /inferred from the history/.test(document.querySelector('[data-testid=definition-form]')?.textContent ?? ''));
  await app.state('LogNotificationFailure').waitFor();
  // States the run never entered can't be known.
  assert.equal(await app.state('OrderFailed').count(), 0);
  assert.match(await app.runStatus.innerText(), /SUCCEEDED/);
  assert.equal(await page.locator('[data-testid=diagnostics] li').count(), 0, 'an empty definition is not an error');
  await app.shot('inferred-graph');
  await app.close();
});

test('the event list follows the cursor, filters, and moves the cursor when clicked', async () => {
  const app = await App.open(ctx);
  const { page, eventList: list } = app;
  await list.waitFor();
  await app.openEvents();
  await app.seek(5000);
  await page.waitForFunction(() => document.querySelector('[data-testid=event-list] .event.current')?.dataset.event === '14');
  assert.match(await list.locator('.event.current').innerText(), /WaitStateEntered[\s\S]*WaitForRestock/);
  await list.locator('input[aria-label="Filter by event type"]').fill('TaskFailed');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=event-list] .event').length === 2);
  const failed = list.locator('.event[data-event="35"]');
  assert.match(await failed.innerText(), /ChargeCard/);
  await failed.click();
  assert.match(await app.clockText(), /^\+14\.06 s/);
  await app.hasClass('ChargeCard', 'status-retrying');
  await app.shot('event-list');
  await app.close();
});
