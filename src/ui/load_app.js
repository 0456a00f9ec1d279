// The first view (src/ui/first_view.rs) calls this once its graph is painted: it imports the
// app's module (stepscope-web, built by Trunk as a module the page does not load by itself) and
// starts it; the app's `main` mounts the app, which then takes the page over.
export function load_app() {
  const at = (name) => new URL(name, document.baseURI).href;
  import(at('stepscope-web.js'))
    .then((app) => app.default({ module_or_path: at('stepscope-web_bg.wasm') }))
    .catch((e) => {
      const status = document.querySelector('[data-testid=first-view-status]');
      if (status) status.textContent = `Stepscope could not load: ${e}`;
      console.error('Stepscope could not load', e);
    });
}
