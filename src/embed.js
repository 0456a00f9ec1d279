// Stepscope's embed script for docs pages, like Mermaid's: it turns every
//   <pre class="stepscope">…ASL as JSON or YAML…</pre>
// into a live, read-only Stepscope view in an <iframe>. No build step on the host page:
//   <script src="https://your-host/stepscope/embed.js" defer></script>
// Options on the <pre>: data-history="URL" (same origin as the page) loads a run,
// data-height (pixels, default 480), data-view (graph, timeline or split), data-theme (light or dark).
// Or, with no recorded run at all, the run is simulated in the frame: data-input (the execution
// input, JSON), data-mock (a MockConfigFile: JSON, or the URL of one on this page's origin),
// data-test-case and data-seed.
// The frame is driven through Stepscope's postMessage API: it says "ready", this script answers
// with "load". The text is only ever handed over as data, never as markup.
(function () {
  'use strict';
  var script = document.currentScript;
  var app = new URL('./', script ? script.src : location.href);

  function pairs(pre) {
    var out = ['embed=1', 'origin=' + encodeURIComponent(location.origin)];
    if (/^(graph|timeline|split)$/.test(pre.dataset.view || '')) out.push('view=' + pre.dataset.view);
    if (/^(light|dark)$/.test(pre.dataset.theme || '')) out.push('theme=' + pre.dataset.theme);
    return out.join('&');
  }

  // A same-origin file's text, or undefined.
  function sameOrigin(href, what) {
    var url = new URL(href, location.href);
    if (url.origin !== location.origin) {
      console.warn('stepscope embed: ' + what + ' must be on this page\'s origin; ignored ' + url.href);
      return Promise.resolve(undefined);
    }
    return fetch(url.href).then(function (r) { return r.ok ? r.text() : undefined; }, function () { return undefined; });
  }

  function history(pre) {
    return pre.dataset.history ? sameOrigin(pre.dataset.history, 'data-history') : Promise.resolve(undefined);
  }

  // The simulation the <pre> asks for (data-input / data-mock), or undefined.
  function simulation(pre) {
    var d = pre.dataset;
    if (d.input === undefined && d.mock === undefined) return Promise.resolve(undefined);
    var mock = d.mock === undefined ? Promise.resolve('')
      : /^\s*\{/.test(d.mock) ? Promise.resolve(d.mock) : sameOrigin(d.mock, 'data-mock');
    return mock.then(function (m) {
      var seed = parseInt(d.seed || '1', 10);
      return { input: d.input || '{}', mocks: m || '', testCase: d.testCase || undefined, seed: seed >= 0 ? seed : 1 };
    });
  }

  function mount(pre) {
    var definition = pre.textContent;
    var run = history(pre);
    var sim = simulation(pre);
    var frame = document.createElement('iframe');
    frame.src = new URL('#' + pairs(pre), app).href;
    frame.title = pre.dataset.title || 'Workflow diagram (Stepscope)';
    frame.className = 'stepscope-frame';
    var height = parseInt(pre.dataset.height || '480', 10);
    frame.style.cssText = 'display:block;width:100%;height:' + (height > 0 ? height : 480) + 'px;border:1px solid #dfe3e8;border-radius:8px';
    window.addEventListener('message', function (ev) {
      if (ev.source !== frame.contentWindow || ev.origin !== app.origin) return;
      var data = ev.data;
      if (typeof data === 'string') { try { data = JSON.parse(data); } catch (e) { return; } }
      if (!data || data.event !== 'ready') return;
      Promise.all([run, sim]).then(function (got) {
        var message = { action: 'load', definition: definition, history: got[0] };
        if (got[1] && got[0] === undefined) message.simulation = got[1];
        frame.contentWindow.postMessage(message, app.origin);
      });
    });
    pre.replaceWith(frame);
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll('pre.stepscope'), mount);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
