// A page object for Stepscope: one playwright Page, with the things the tests do again and again,
// each of which waits on what the app shows rather than for a while.
import { newPage, shot } from './harness.mjs';

/** The localStorage key of the saved work (a definition and its run, as one record). */
export const WORK_KEY = 'stepscope.work.v2';

/**
 * Resolves once `target` (a Page or a Frame) has finished what it was doing: no job in progress,
 * then three animation frames in a row with no change to the document (the app sets the view and
 * paints the overlay in frames, and a ResizeObserver may set the view again), then an idle moment
 * (tasks such as the save, and PerformanceObserver callbacks, have run). Throws if the page keeps
 * changing, as it does while a run plays. Brings the page to the front.
 */
export async function settle(target, timeout = 15_000) {
  // A tab behind another gets about one animation frame a second: the one being checked is the
  // one the user looks at.
  await (target.page?.() ?? target).bringToFront();
  await target.locator('[data-testid=progress]').waitFor({ state: 'detached', timeout });
  const quiet = await target.evaluate((limit) => new Promise((ok) => {
    const until = performance.now() + limit;
    let calm = 0;
    const seen = new MutationObserver(() => { calm = 0; });
    seen.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
    const frame = () => {
      calm += 1;
      if (calm > 2 || performance.now() > until) {
        seen.disconnect();
        // The idle callback's timeout only bounds a page that is never idle.
        requestIdleCallback(() => ok(calm > 2), { timeout: 1000 });
        return;
      }
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  }), timeout);
  if (!quiet) throw new Error(`the page kept changing for ${timeout} ms`);
}

/** The big-definition fixture of the end-to-end test and `make bench`: a chain of `n` Task
 * states with Retry, Catch and long comments, then a Fail; 1,200 make about 1.1 MB of ASL. */
export function bigChain(n = 1200) {
  const states = {};
  for (let i = 0; i < n; i++) {
    states[`Step${i}`] = { Type: 'Task', Comment: 'x'.repeat(500), Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: `fn-${i}`, 'Payload.$': '$' },
      Retry: [{ ErrorEquals: ['Lambda.ServiceException'], MaxAttempts: 2 }], Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Failed' }],
      ...(i + 1 < n ? { Next: `Step${i + 1}` } : { End: true }) };
  }
  states.Failed = { Type: 'Fail', Error: 'Broken' };
  return JSON.stringify({ StartAt: 'Step0', States: states }, null, 1);
}

export class App {
  /** Wraps a page already made (and watched by the harness), for `base`. */
  constructor(page, base) {
    this.page = page;
    this.base = base;
  }

  /** A fresh page, not yet loaded (for init scripts that must come first). */
  static async create(ctx, options = {}) {
    return new App(await newPage(ctx, options), ctx.base);
  }

  /** A fresh page with the app loaded at `url` (the app's own address by default), ready. */
  static async open(ctx, url = ctx.base, options = {}) {
    const app = await App.create(ctx, options);
    await app.goto(url);
    return app;
  }

  // What the tests look at.
  get editor() { return this.page.locator('[data-testid=definition-input]'); }
  get historyEditor() { return this.page.locator('[data-testid=history-input]'); }
  get inspector() { return this.page.locator('[data-testid=inspector]'); }
  get timeline() { return this.page.locator('[data-testid=timeline]'); }
  get eventList() { return this.page.locator('[data-testid=event-list]'); }
  get runStatus() { return this.page.locator('[data-testid=run-status]'); }
  get playButton() { return this.page.locator('[data-testid=play]'); }
  get fileInput() { return this.page.locator('[data-testid=open-files-input]'); }
  /** A state's node in the graph. */
  state(name) { return this.page.locator(`[data-testid=graph] svg [data-state="${name}"]`); }
  /** The inspector's heading once it shows `name`. */
  inspectorFor(name) { return this.page.locator('[data-testid=inspector] h2', { hasText: name }); }
  /** A notice (a link that could not be opened, and the like) with `text` in it. */
  notice(text) { return this.page.locator('.notice', { hasText: text }); }

  /** Loads `url` (a full address, or a fragment such as '#embed=1') and waits until it is ready. */
  async goto(url = this.base, { ready = true } = {}) {
    await this.page.goto(url.startsWith('#') ? this.base + url : url);
    if (ready) await this.ready();
  }

  /** A full load of `url`: after a page of the app, a new fragment alone would not reload it. */
  async open(url) {
    await this.page.goto('about:blank');
    await this.goto(url);
  }

  async reload() {
    await this.page.reload();
    await this.ready();
  }

  /** Ready: a whole drawing is in the page (a big one arrives over several frames), the run that
   * loads a task after it is there, and the view is set. */
  async ready() {
    await this.page.locator('[data-testid=graph] svg[data-complete]').waitFor();
    await settle(this.page);
  }

  /** See `settle` above. */
  async settle() {
    await settle(this.page);
  }

  /** Waits until the drawing is complete and holds `name`, and the view on it is set. */
  async drawn(name) {
    await this.page.locator(`[data-testid=graph] svg[data-complete] [data-state="${name}"]`).first().waitFor();
    await settle(this.page);
  }

  /** Types `text` into the definition editor; with `name`, waits until the graph draws that state. */
  async setDefinition(text, name) {
    await this.editor.fill(text);
    if (name) await this.drawn(name);
  }

  async setHistory(text) {
    await this.historyEditor.fill(text);
  }

  /** What a user's Ctrl+V does in an editor (`which`: 'definition' or 'history'): a paste event
   * carrying the text. Sending megabytes through the DevTools protocol is itself a long task, so
   * `toClipboard` puts the text in the page first, before a test starts measuring. */
  async toClipboard(text) {
    await this.page.evaluate((t) => { window.__clipboard = t; }, text);
  }

  async paste(which) {
    await this.page.locator(`[data-testid=${which}-input]`).evaluate((el) => {
      const data = new DataTransfer();
      data.setData('text/plain', window.__clipboard);
      el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    });
  }

  /** Opens files as the Open button does: paths, or { name, mimeType, buffer } objects. */
  async openFiles(files) {
    await this.fileInput.setInputFiles(files);
  }

  /** Drops a file with `text` on the page. */
  async drop(name, text, type) {
    await this.page.evaluate(([n, t, k]) => {
      const dt = new DataTransfer();
      dt.items.add(new File([t], n, { type: k }));
      document.querySelector('.app').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, [name, text, type]);
  }

  /** Loads example `i` from the menu and waits until it is drawn, its run read and the view set. */
  async selectExample(i) {
    await this.page.locator('select.examples').selectOption(String(i));
    await this.ready();
  }

  /** The editors unfolded (they fold away on narrow screens). */
  async openEditors() {
    if (!(await this.editor.isVisible())) await this.page.locator('[data-testid=editors-toggle]').click();
  }

  /** The event list unfolded (it starts folded on screens under 1,600 px wide). */
  async openEvents() {
    const toggle = this.page.locator('[data-testid=events-toggle]');
    if ((await toggle.getAttribute('aria-expanded')) === 'false') await toggle.click();
  }

  /** The whole graph in its pane (the Fit button): every state can then be clicked. */
  async fitGraph() {
    await this.page.locator('.zoom-controls button', { hasText: 'Fit' }).click();
  }

  /** Clicks a state in the graph and waits for the inspector to show it. */
  async select(name) {
    await this.state(name).click();
    await this.inspectorFor(name).waitFor();
  }

  /** The class attribute of a state's node. */
  classOf(name) { return this.state(name).getAttribute('class'); }

  /** Waits until a state's node has class `cls` (a status-, heat- or critical class). */
  async hasClass(name, cls, options) {
    await this.page.waitForFunction(([n, k]) => document.querySelector(`[data-testid=graph] [data-state="${n}"]`)?.classList.contains(k), [name, cls], options);
  }

  /** The clock's text, and its time in seconds. */
  clockText() { return this.page.locator('[data-testid=clock]').innerText(); }
  async clock() { return parseFloat((await this.clockText()).replace(/^\+/, '')); }

  /** Moves the time cursor to `ms`, as dragging the scrubber does, and waits for the overlay of
   * that moment to be painted (the painter measures each paint as 'stepscope-paint'). */
  async seek(ms) {
    const moved = await this.page.locator('.scrubber').evaluate((el, v) => {
      if (Number(el.value) === v) return false;
      performance.clearMeasures('stepscope-paint');
      el.value = String(v);
      el.dispatchEvent(new Event('input', { bubbles: true }));
      return true;
    }, ms);
    if (moved) await this.page.waitForFunction(() => performance.getEntriesByName('stepscope-paint').length > 0);
  }

  /** Presses a key that moves the time cursor, and waits until the clock shows the move. When it
   * does not move, the wait gives up after `timeout` ms and the caller's assertion says so. */
  async step(key, timeout = 5000) {
    const before = await this.clockText();
    await this.page.keyboard.press(key);
    await this.page.waitForFunction((b) => document.querySelector('[data-testid=clock]')?.textContent !== b, before, { timeout }).catch(() => {});
  }

  /** Presses Play and waits until the cursor moves on (from the start again when it was at the
   * end), or a short run has already played to its end. */
  async play() {
    const [t0, end] = await this.page.locator('.scrubber').evaluate((el) => [Number(el.value), Number(el.max)]);
    await this.playButton.click();
    await this.page.waitForFunction(([from, max]) => {
      const v = Number(document.querySelector('.scrubber')?.value);
      const paused = document.querySelector('[data-testid=play]')?.getAttribute('aria-label') === 'Play';
      return v > from || (paused && v >= max);
    }, [t0 >= end ? 0 : t0, end]);
  }

  /** Waits until a run that plays has stopped (at its end, or paused). */
  async stopped(options) {
    await this.page.waitForFunction(() => document.querySelector('[data-testid=play]')?.getAttribute('aria-label') === 'Play', null, options);
  }

  /** Opens the Share dialog: the link and what it says of its length. */
  async shareLink() {
    await this.page.locator('[data-testid=share]').click();
    const dialog = this.page.locator('[data-testid=share-dialog]');
    await dialog.waitFor();
    return {
      dialog,
      link: await dialog.locator('[data-testid=share-link]').inputValue(),
      length: await dialog.locator('[data-testid=share-length]').innerText(),
    };
  }

  /** Opens the Embed dialog: the <iframe> snippet. */
  async embedSnippet() {
    await this.page.locator('[data-testid=embed]').click();
    return this.page.locator('[data-testid=embed-snippet]').inputValue();
  }

  /** The saved work, parsed (null when there is none). */
  saved() {
    return this.page.evaluate((k) => JSON.parse(localStorage.getItem(k) ?? 'null'), WORK_KEY);
  }

  /** Waits until the saved work holds `text` (work is saved a task after the editor's pause). */
  async savedHas(text) {
    await this.page.waitForFunction(([k, n]) => (localStorage.getItem(k) ?? '').includes(n), [WORK_KEY, text]);
  }

  /** A screenshot in target/e2e/NAME.png. */
  shot(name) { return shot(this.page, name); }

  async close() {
    await this.page.context().close();
  }
}
