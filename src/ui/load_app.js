// The first view (src/ui/first_view.rs) calls this once its graph is painted: it imports the
// app's module (stepscope-web, built by Trunk as a module the page does not load by itself) and
// starts it; the app's `main` mounts the app, which then takes the page over. A release build
// names the app's files by their content and lists them in <meta name="stepscope-files">
// (.ci/post-build.mjs), so a cached app never meets a newer page.
export function load_app() {
  const list = document.querySelector('meta[name=stepscope-files]')?.content ?? '';
  const names = Object.fromEntries(list.split(/\s+/).filter(Boolean).map((p) => p.split('=')));
  const at = (name) => new URL(names[name] ?? name, document.baseURI).href;
  import(at('stepscope-web.js'))
    .then((app) => app.default({ module_or_path: at('stepscope-web_bg.wasm') }))
    .catch((e) => {
      const status = document.querySelector('[data-testid=first-view-status]');
      if (status) status.textContent = `Stepscope could not load: ${e}`;
      console.error('Stepscope could not load', e);
    });
}
