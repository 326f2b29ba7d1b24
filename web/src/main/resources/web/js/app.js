// Shell: hash routing (#/route?k=v), the header (search, health, token) and view lifecycle.

import { api, token } from './api.js';
import { link, errorBox, fill } from './ui.js';
import { current } from './nav.js';
import campaigns from './views/campaigns.js';
import workflows from './views/workflows.js';
import tasks from './views/tasks.js';
import lineage from './views/lineage.js';
import overview from './views/overview.js';
import query from './views/query.js';
import analysis from './views/analysis.js';
import report from './views/report.js';
import live from './views/live.js';
import observers from './views/observers.js';
import { initSearch } from './search.js';
import timeline from './views/timeline.js';

const routes = { campaigns, workflows, tasks, lineage, overview, query, analysis, report, live, observers, timeline };

let cleanup = null;
let generation = 0;

async function render() {
  const { name, params } = current();
  const gen = ++generation;
  if (cleanup) {
    try {
      cleanup();
    } catch (e) {
      console.warn('view cleanup failed', e);
    }
    cleanup = null;
  }
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.dataset.route === name);
  const main = document.getElementById('main');
  fill(main);
  main.dataset.view = name;
  const view = routes[name];
  if (!view) {
    main.append(errorBox({ title: 'Unknown page', detail: `There is no page '#/${name}'.` }));
    return;
  }
  const ctx = { stale: () => gen !== generation };
  try {
    const c = await view(main, params, ctx);
    if (typeof c === 'function') {
      if (gen === generation) cleanup = c;
      else c();
    }
  } catch (e) {
    if (gen !== generation) return;
    console.warn(e);
    main.append(errorBox(e));
  }
}

/** Resolves an id typed in the search box: one lineage probe tells whether it is a task, workflow or entity. */
async function go(id) {
  id = id.trim();
  if (!id) return;
  try {
    const ans = await api.lineage({ id, direction: 'both', depth: 1, limit: 1 });
    const kind = ans.root_kind || (ans.nodes || []).find((n) => n.id === id)?.kind;
    if (kind === 'task') location.hash = link('tasks', { id });
    else if (kind === 'workflow') location.hash = link('workflows', { id });
    else location.hash = link('lineage', { id, direction: 'both', depth: 2 });
  } catch (e) {
    const main = document.getElementById('main');
    main.querySelectorAll('.search-error').forEach((x) => x.remove());
    const box = errorBox(e.status === 404 ? { title: 'Not found', detail: `No task, workflow or entity has the id '${id}'.` } : e);
    box.classList.add('search-error');
    main.prepend(box);
  }
}

function header() {
  // search as you type (issue 13); the id probe stays the fallback when nothing matches
  initSearch(go);
  const panel = document.getElementById('token-panel');
  const btn = document.getElementById('token-btn');
  const input = document.getElementById('token-input');
  const show = () => btn.classList.toggle('on', !!token.get());
  btn.addEventListener('click', () => {
    panel.hidden = !panel.hidden;
    if (!panel.hidden) {
      input.value = token.get();
      input.focus();
    }
  });
  const save = () => {
    token.set(input.value.trim());
    panel.hidden = true;
    show();
  };
  panel.addEventListener('submit', (e) => {
    e.preventDefault();
    save();
  });
  document.getElementById('token-clear').addEventListener('click', () => {
    input.value = '';
    save();
  });
  show();
  pollHealth();
}

async function pollHealth() {
  const el = document.getElementById('health');
  try {
    const hh = await api.health();
    el.className = 'health ' + (hh.status === 'ok' ? 'ok' : 'warn');
    const silent = hh.observers?.silent || [];
    el.title = `server ${hh.status}: ${hh.tasks ?? '?'} tasks, ${hh.ingested ?? '?'} events ingested, ${
      hh.pending ?? '?'
    } pending, ${hh.dead_letters ?? '?'} dead letters${silent.length ? `; silent observers: ${silent.join(', ')}` : ''}`;
    // a silent observer does not make the server unhealthy: it is named on the Observers link
    document.querySelector('#nav a[data-route="observers"]')?.classList.toggle('alert', silent.length > 0);
  } catch (e) {
    el.className = 'health down';
    el.title = 'server unreachable';
  }
  setTimeout(pollHealth, 15000);
}

// '/' jumps to the id search, as in many tools
document.addEventListener('keydown', (e) => {
  if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey) return;
  const t = e.target;
  if (t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement) return;
  e.preventDefault();
  document.getElementById('search-input').focus();
});

window.addEventListener('hashchange', render);
header();
render();
