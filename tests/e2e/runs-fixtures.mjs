// Fixtures for the many-runs view: runs of examples/simulate/order (made by the CLI's
// simulator, so every history is one the engine wrote), stretched in time by a seeded factor,
// and a Distributed Map's ResultWriter output (manifest, result files) beside child histories.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, repo } from './harness.mjs';

const ex = (f) => join(repo, 'examples/simulate', f);
const cases = ['RetriesThenShips', 'OutOfStock', 'CardDeclined'];
let base;
/** The three test cases' histories, simulated once. */
export function orderHistories() {
  base ??= Object.fromEntries(cases.map((c) => [c, JSON.parse(cli(['simulate', ex('order.asl.json'), '--mock-config', ex('order.mocks.json'), '--test-case', c]))]));
  return base;
}

/** A small seeded generator (mulberry32). */
function rng(seed) {
  return () => {
    seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A history with every event's time since the start multiplied by `f`. */
function stretch(h, f, startMs) {
  const t0 = Date.parse(h.events[0].timestamp);
  return { events: h.events.map((e) => ({ ...e, timestamp: new Date(startMs + (Date.parse(e.timestamp) - t0) * f).toISOString() })) };
}

/** `n` runs: mostly RetriesThenShips, some OutOfStock, a few CardDeclined; returned as
 * { name, text, kind, ms } with the expected counts. */
export function orderRuns(n, seed = 7) {
  const h = orderHistories();
  const r = rng(seed);
  const out = [];
  for (let i = 0; i < n; i++) {
    const x = r();
    const kind = x < 0.7 ? 'RetriesThenShips' : x < 0.9 ? 'OutOfStock' : 'CardDeclined';
    const f = 0.5 + r() * 1.5;
    const run = stretch(h[kind], f, Date.UTC(2026, 0, 1) + i * 60_000);
    const ms = Date.parse(run.events.at(-1).timestamp) - Date.parse(run.events[0].timestamp);
    out.push({ name: `run-${String(i + 1).padStart(4, '0')}.history.json`, text: JSON.stringify(run), kind, ms });
  }
  return out;
}

/** A map run of `n` items written by a ResultWriter: manifest.json, SUCCEEDED_0.json,
 * FAILED_0.json; and child histories for the first `histories` items. */
export function mapRun(n, histories = 3, seed = 11) {
  const r = rng(seed);
  const arn = 'arn:aws:states:us-east-1:111111111111:mapRun:Orders/ProcessItems:5a1b2c3d-0000-4000-8000-000000000001';
  const items = [];
  for (let i = 0; i < n; i++) {
    const name = `5a1b2c3d-${String(i).padStart(4, '0')}-4000-8000-00000000${String(i).padStart(4, '0')}`;
    const start = Date.UTC(2026, 0, 1) + i * 100;
    const x = r();
    const status = x < 0.85 ? 'SUCCEEDED' : 'FAILED';
    const ms = Math.round(200 + r() * 3000);
    const item = {
      ExecutionArn: `arn:aws:states:us-east-1:111111111111:execution:Orders/ProcessItems:${name}`,
      Input: JSON.stringify({ orderId: `o-${i}` }), InputDetails: { Included: true },
      Name: name, Output: status === 'SUCCEEDED' ? JSON.stringify({ shipped: true }) : undefined,
      OutputDetails: { Included: true }, RedriveCount: 0, RedriveStatus: 'NOT_REDRIVABLE',
      StartDate: new Date(start).toISOString(), StateMachineArn: 'arn:aws:states:us-east-1:111111111111:stateMachine:Orders/ProcessItems',
      Status: status, StopDate: new Date(start + ms).toISOString(),
    };
    if (status === 'FAILED') {
      const truck = r() < 0.7;
      item.Error = truck ? 'ShipError' : 'States.Timeout';
      item.Cause = truck ? 'no truck' : 'Task timed out';
    }
    items.push(item);
  }
  const files = [
    { name: 'manifest.json', text: JSON.stringify({ DestinationBucket: 'results', MapRunArn: arn, ResultFiles: {
      FAILED: [{ Key: 'out/5a1b2c3d/FAILED_0.json', Size: 1 }], PENDING: [], SUCCEEDED: [{ Key: 'out/5a1b2c3d/SUCCEEDED_0.json', Size: 1 }] } }) },
    { name: 'SUCCEEDED_0.json', text: JSON.stringify(items.filter((i) => i.Status === 'SUCCEEDED')) },
    { name: 'FAILED_0.json', text: JSON.stringify(items.filter((i) => i.Status === 'FAILED')) },
  ];
  const h = orderHistories().RetriesThenShips;
  for (const it of items.slice(0, histories)) files.push({ name: `${it.Name}.history.json`, text: JSON.stringify(h) });
  return { items, files };
}

/** Drops `files` ({ name, text }) on the page as a user's drop of many files would: the page
 * fetches them (served by a route, so nothing crosses the test's wire as one huge message),
 * makes File objects, and gets one `drop` event. Watches the main thread's long tasks from then
 * on: `window.__longest` is the longest, in ms. */
export async function dropRuns(page, files) {
  const byName = new Map(files.map((f) => [f.name, f.text]));
  await page.route('**/__runs/**', (route) => {
    const name = decodeURIComponent(new URL(route.request().url()).pathname.slice('/__runs/'.length));
    route.fulfill({ status: 200, contentType: 'application/json', body: byName.get(name) ?? '' });
  });
  await page.evaluate(async (names) => {
    const files = await Promise.all(names.map(async (n) => new File([await (await fetch(`/__runs/${encodeURIComponent(n)}`)).blob()], n, { type: 'application/json' })));
    window.__longest = 0;
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        window.__longest = Math.max(window.__longest, e.duration);
        window.__longTasks.push(Math.round(e.duration));
      }
    }).observe({ type: 'longtask' });
    window.__sawProgress = false;
    new MutationObserver((_, obs) => {
      if (document.querySelector('[data-testid=runs-progress]')) { window.__sawProgress = true; obs.disconnect(); }
    }).observe(document, { childList: true, subtree: true });
    const dt = new DataTransfer();
    for (const f of files) dt.items.add(f);
    window.__dropAt = performance.now();
    document.querySelector('.app').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, [...byName.keys()]);
}

/** Waits for the many-runs view to show its counts; gives the ms since the drop. */
export async function runsShown(page, timeout = 120_000) {
  await page.waitForFunction(() => document.querySelector('[data-testid=runs-status]') && !document.querySelector('[data-testid=runs-progress]'), null, { timeout });
  return page.evaluate(() => performance.now() - window.__dropAt);
}
