// The simulator's Web Worker: its own wasm (stepscope-sim), fetched the first time the page runs
// a simulation, so the first view never downloads the engine. The page sends { id, request }
// (a simulation request as JSON text); the worker answers { id, result } or { id, error }.
let engine;
const ready = (async () => {
  const m = await import('./stepscope-sim.js');
  await m.default({ module_or_path: new URL('./stepscope-sim_bg.wasm', import.meta.url) });
  engine = m;
})();

self.onmessage = async ({ data }) => {
  try {
    await ready;
    self.postMessage({ id: data.id, result: engine.stepscope_simulate(data.request) });
  } catch (e) {
    // A trap leaves the instance unusable: report it and let the page start a new worker.
    self.postMessage({ id: data.id, error: String(e) });
    self.close();
  }
};
