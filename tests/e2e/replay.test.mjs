// End-to-end tests of replay: the time cursor drives the status classes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, teardown, newPage, shot, openEvents } from './harness.mjs';

let ctx;
before(async () => { ctx = await setup(); });
after(async () => { await teardown(ctx); });

const cls = (page, name) => page.locator(`[data-testid=graph] svg [data-state="${name}"]`).getAttribute('class');
const seek = (page, ms) => page.locator('.scrubber').evaluate((el, v) => { el.value = String(v); el.dispatchEvent(new Event('input', { bubbles: true })); }, ms);

test('scrubbing the demo run shows each state as it was at that moment', async () => {
  const page = await newPage(ctx);
  await page.goto(ctx.base);
  await page.locator('[data-testid=play]').waitFor();
  // At the end: how the run finished.
  await page.waitForFunction(() => document.querySelector('[data-testid=graph] [data-state="SendConfirmation"]')?.classList.contains('status-caught'));
  // 5 s in: waiting for restock; nothing after it has run.
  await seek(page, 5000);
  await page.waitForFunction(() => document.querySelector('[data-testid=graph] [data-state="WaitForRestock"]')?.classList.contains('status-running'));
  assert.match(await cls(page, 'ValidateOrder'), /status-succeeded/);
  assert.match(await cls(page, 'ChargeCard'), /status-notrun/);
  assert.match(await page.locator('[data-testid=clock]').innerText(), /^\+5\.00 s · 2026-11-20T09:14:08\.218Z/);
  await shot(page, 'replay-5s');
  // 13 s in: ChargeCard failed once and waits to retry, inside a running Parallel.
  await seek(page, 13000);
  await page.waitForFunction(() => document.querySelector('[data-testid=graph] [data-state="ChargeCard"]')?.classList.contains('status-running'));
  await seek(page, 14700);
  await page.waitForFunction(() => document.querySelector('[data-testid=graph] [data-state="ChargeCard"]')?.classList.contains('status-retrying'));
  assert.match(await cls(page, 'ProcessPayment'), /status-running/);
  assert.match(await cls(page, 'RecordReservation'), /status-succeeded/);
  await shot(page, 'replay-retrying');
  // Play from the start at 100×: the classes move on.
  await page.locator('select.speed').selectOption('100');
  await seek(page, 0);
  await page.locator('[data-testid=play]').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=graph] [data-state="OrderComplete"]')?.classList.contains('status-succeeded'), null, { timeout: 10000 });
  // f jumps to the first failure or caught error and selects it.
  await page.locator('.graph-host').focus();
  await page.keyboard.press('f');
  await page.locator('[data-testid=inspector] h2', { hasText: 'SendConfirmation' }).waitFor();
  await page.context().close();
});

test('the timeline has a lane per visit; clicking a lane moves the cursor and selects the state', async () => {
  const page = await newPage(ctx);
  await page.goto(ctx.base);
  const timeline = page.locator('[data-testid=timeline]');
  await timeline.waitFor();
  assert.equal(await timeline.locator('[data-lane-state]').count(), 20);
  const charge = timeline.locator('[data-lane-state="ChargeCard"]');
  assert.equal(await charge.locator('.try.failed').count(), 1);
  assert.equal(await charge.locator('.backoff').count(), 1);
  await charge.locator('.lane-label').click();
  await page.locator('[data-testid=inspector] h2', { hasText: 'ChargeCard' }).waitFor();
  assert.match(await page.locator('[data-testid=clock]').innerText(), /^\+11\.03 s/);
  await page.waitForFunction(() => document.querySelector('[data-testid=graph] [data-state="ChargeCard"]')?.classList.contains('status-running'));
  await shot(page, 'timeline');
  await page.context().close();
});

test('a history without a definition still draws the states and transitions it ran', async () => {
  const page = await newPage(ctx);
  await page.goto(ctx.base);
  await page.locator('[data-testid=graph] svg [data-state="ValidateOrder"]').waitFor();
  await page.locator('[data-testid=definition-input]').fill('');
  await page.waitForFunction(() => /inferred from the history/.test(document.querySelector('[data-testid=definition-form]')?.textContent ?? ''));
  await page.locator('[data-testid=graph] svg [data-state="LogNotificationFailure"]').waitFor();
  // States the run never entered can't be known.
  assert.equal(await page.locator('[data-testid=graph] svg [data-state="OrderFailed"]').count(), 0);
  assert.match(await page.locator('[data-testid=run-status]').innerText(), /SUCCEEDED/);
  assert.equal(await page.locator('[data-testid=diagnostics] li').count(), 0, 'an empty definition is not an error');
  await shot(page, 'inferred-graph');
  await page.context().close();
});

test('the event list follows the cursor, filters, and moves the cursor when clicked', async () => {
  const page = await newPage(ctx);
  await page.goto(ctx.base);
  const list = page.locator('[data-testid=event-list]');
  await list.waitFor();
  await openEvents(page);
  await seek(page, 5000);
  await page.waitForFunction(() => document.querySelector('[data-testid=event-list] .event.current')?.dataset.event === '14');
  assert.match(await list.locator('.event.current').innerText(), /WaitStateEntered[\s\S]*WaitForRestock/);
  await list.locator('input[aria-label="Filter by event type"]').fill('TaskFailed');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=event-list] .event').length === 2);
  const failed = list.locator('.event[data-event="35"]');
  assert.match(await failed.innerText(), /ChargeCard/);
  await failed.click();
  assert.match(await page.locator('[data-testid=clock]').innerText(), /^\+14\.06 s/);
  await page.waitForFunction(() => document.querySelector('[data-testid=graph] [data-state="ChargeCard"]')?.classList.contains('status-retrying'));
  await shot(page, 'event-list');
  await page.context().close();
});
