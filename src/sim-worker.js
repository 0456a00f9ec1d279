// The second module's Web Worker: its own wasm (stepscope-sim: the simulator, and the reader of
// many runs), fetched the first time the page simulates or reads many runs, so the first view
// never downloads either. Two kinds of job:
// - { id, request }: a simulation request as JSON text; the worker answers { id, result }.
// - { id, runs: [File], paths: [String] }: many runs. Each file is read here (the page's thread never holds
//   them), added to the worker's set, and { id, progress: [done, total] } reported as it goes;
//   the answer { id, result } is the view of them all as JSON text.
// A failure answers { id, error }.
let engine;
const ready = (async () => {
  const m = await import('./stepscope-sim.js');
  await m.default({ module_or_path: new URL('./stepscope-sim_bg.wasm', import.meta.url) });
  engine = m;
})();

async function readRuns(id, files, paths) {
  const set = new engine.RunsReader();
  let last = 0;
  for (let i = 0; i < files.length; i++) {
    const f = files[i];
    const text = await f.text();
    set.add((paths && paths[i]) || f.webkitRelativePath || f.name, text);
    const now = performance.now();
    if (now - last > 50 || i + 1 === files.length) {
      last = now;
      self.postMessage({ id, progress: [i + 1, files.length] });
    }
  }
  const view = set.finish();
  set.free();
  return view;
}

self.onmessage = async ({ data }) => {
  try {
    await ready;
    const result = data.runs ? await readRuns(data.id, data.runs, data.paths) : engine.stepscope_simulate(data.request);
    self.postMessage({ id: data.id, result });
  } catch (e) {
    // A trap leaves the instance unusable: report it and let the page start a new worker.
    self.postMessage({ id: data.id, error: String(e) });
    self.close();
  }
};
