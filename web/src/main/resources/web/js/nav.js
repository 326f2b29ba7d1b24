// The URL describes what is shown: #/route?k=v (values encoded, ids are URIs full of / # ? %).

import { link } from './ui.js';

/** The current route and its parameters, from location.hash. */
export function current() {
  const raw = location.hash.replace(/^#\/?/, '');
  const q = raw.indexOf('?');
  const name = (q < 0 ? raw : raw.slice(0, q)) || 'campaigns';
  return { name, params: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)) };
}

/** Rewrites the URL to describe what is shown, without re-rendering (e.g. after a lineage expand). */
export function replaceHash(route, params) {
  history.replaceState(null, '', link(route, params));
}

/** Navigates (renders the route). */
export function navigate(route, params) {
  location.hash = link(route, params);
}
