// The header search box: GET /api/search as you type (partial and fuzzy), results grouped by kind;
// ↑/↓ choose, Enter opens the chosen (else the best) hit, Escape closes; the box clears after navigation.

import { api } from './api.js';
import { h, link, fill } from './ui.js';
import { groupHits, bestHit, hitTarget } from './lib/searchlist.js';

/** Wires the search form. fallback(text): what Enter does when the search finds nothing (the id probe). */
export function initSearch(fallback) {
  const form = document.getElementById('search');
  const input = document.getElementById('search-input');
  input.placeholder = 'Search tasks, runs, workflows, data…   ( / )';
  const list = h('div', { class: 'search-results', id: 'search-results', role: 'listbox', hidden: true });
  form.append(list);
  let answer = null;
  let sel = -1;
  let timer = null;
  let seq = 0;

  const close = () => {
    list.hidden = true;
    sel = -1;
  };
  const open = (hit) => {
    const [route, params] = hitTarget(hit);
    input.value = '';
    answer = null;
    close();
    input.blur();
    location.hash = link(route, params);
  };
  const render = () => {
    const groups = groupHits(answer);
    if (!groups.length) {
      fill(list, h('div', { class: 'sr-empty' }, `Nothing matches '${answer?.q ?? input.value}'.`));
    } else {
      fill(
        list,
        groups.map((g) => [
          h('div', { class: 'sr-group' }, g.label),
          g.hits.map((hit) =>
            h(
              'a',
              {
                href: link(...hitTarget(hit)),
                class: hit.index === sel ? 'sel' : null,
                role: 'option',
                dataset: { kind: hit.kind, id: hit.id },
                onmousedown: (e) => e.preventDefault(), // keep focus: the click navigates
                onclick: (e) => {
                  e.preventDefault();
                  open(hit);
                },
              },
              hit.id,
              subtitle(hit) ? h('span', { class: 'sr-sub' }, subtitle(hit)) : null
            )
          ),
        ])
      );
    }
    list.hidden = false;
  };
  const run = async (q) => {
    const mine = ++seq;
    try {
      const ans = await api.search(q, 8);
      if (mine !== seq || input.value.trim() !== q) return null;
      answer = ans;
      sel = -1;
      render();
      return ans;
    } catch (e) {
      if (mine === seq) {
        answer = null;
        fill(list, h('div', { class: 'sr-empty' }, e.detail || e.message));
        list.hidden = false;
      }
      return null;
    }
  };

  input.addEventListener('input', () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (!q) {
      seq++;
      answer = null;
      close();
      return;
    }
    timer = setTimeout(() => run(q), 150);
  });
  input.addEventListener('keydown', (e) => {
    const flat = groupHits(answer).flatMap((g) => g.hits);
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      if (!flat.length) return;
      e.preventDefault();
      sel = e.key === 'ArrowDown' ? (sel + 1) % flat.length : (sel - 1 + flat.length) % flat.length;
      render();
    } else if (e.key === 'Escape') {
      close();
    }
  });
  input.addEventListener('blur', () => setTimeout(close, 150));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearTimeout(timer);
    const q = input.value.trim();
    if (!q) return;
    const flat = groupHits(answer).flatMap((g) => g.hits);
    if (answer && answer.q === q && sel >= 0 && flat[sel]) return open(flat[sel]);
    const ans = answer && answer.q === q ? answer : await run(q);
    const best = bestHit(ans);
    if (best) return open(best);
    close();
    await fallback(q);
    input.value = '';
  });
}

function subtitle(hit) {
  const parts = [];
  if (hit.label && hit.label !== hit.id) parts.push(hit.label);
  if (hit.kind === 'activity' && hit.count != null) parts.push(`${hit.count} task${hit.count === 1 ? '' : 's'}`);
  if (hit.campaign_id && hit.kind !== 'campaign') parts.push(hit.campaign_id);
  if (hit.status) parts.push(hit.status.toLowerCase());
  if (hit.type) parts.push(hit.type);
  return parts.join(' · ');
}
