// Stepscope's Web Worker: the app's own wasm (already in the HTTP cache), started without the
// UI, parses and lays out big inputs so the page never freezes. The page sends
// { boot: { glue, wasm } } once, then jobs { id, kind, ... }; the worker answers
// { id, stage } as it goes and { id, result } or { id, error } at the end.
let boot;
const ready = new Promise((resolve) => { boot = resolve; });
let core;

self.onmessage = async ({ data }) => {
  if (data && data.boot) {
    const m = await import(data.boot.glue);
    await m.default({ module_or_path: data.boot.wasm });
    core = m;
    boot();
    return;
  }
  await ready;
  try {
    const result = core.stepscope_worker_job(data);
    // Binary parts (a rebuilt run, an analysis) are moved, not copied.
    const moved = [result, result?.analysis].filter((r) => r instanceof Uint8Array).map((r) => r.buffer);
    self.postMessage({ id: data.id, result }, moved);
  } catch (e) {
    // A trap leaves the instance unusable: report it and let the page start a new worker.
    self.postMessage({ id: data.id, error: String(e) });
    self.close();
  }
};
