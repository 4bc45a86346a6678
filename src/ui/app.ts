/**
 * @module ui/app
 * The dashboard's entry point: hash routing (`#/`, `#/incidents/<id>`, `#/entities/<id>`,
 * `#/models`, `#/models/<name>`, `#/models/<name>/card`, `#/runbooks`), a header with the engine
 * clock, counts and guardrail switches, and a refresh every 2 s that redraws the page only when
 * its data changed.
 */
import { getJson } from './api.js';
import { badge, formatTime, h } from './dom.js';
import type { EngineStatus } from './types.js';
import { loadModel, loadModelCard, loadModels } from './models-view.js';
import { loadRunbooks } from './runbooks-view.js';
import { loadEntity, loadHome, loadIncident, type Page } from './views.js';

const POLL_MS = 2_000;

const header = document.getElementById('status') as HTMLElement;
const main = document.getElementById('main') as HTMLElement;

let lastRoute = '';
let lastData = '';
let generation = 0;
let timer: ReturnType<typeof setTimeout> | undefined;

function route(): string {
  const hash = location.hash.replace(/^#/, '');
  return hash === '' ? '/' : hash;
}

function load(path: string, status: EngineStatus): Promise<Page> {
  const incident = /^\/incidents\/(.+)$/.exec(path);
  if (incident) return loadIncident(decodeURIComponent(incident[1] as string), status);
  const entity = /^\/entities\/(.+)$/.exec(path);
  if (entity) return loadEntity(decodeURIComponent(entity[1] as string));
  const card = /^\/models\/([^/]+)\/card$/.exec(path);
  if (card) return loadModelCard(decodeURIComponent(card[1] as string));
  const model = /^\/models\/([^/]+)$/.exec(path);
  if (model) return loadModel(decodeURIComponent(model[1] as string));
  if (path === '/models') return loadModels();
  if (path === '/runbooks') return loadRunbooks();
  return loadHome();
}

/** Marks the navigation link of the current section (`aria-current`). */
function markNav(path: string): void {
  for (const a of document.querySelectorAll<HTMLAnchorElement>('nav.views a')) {
    const target = (a.getAttribute('href') ?? '').replace(/^#/, '');
    const current = target === '/' ? !/^\/(models|runbooks)(\/|$)/.test(path) : path === target || path.startsWith(`${target}/`);
    if (current) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

function renderStatus(status: EngineStatus): void {
  header.replaceChildren(
    h(
      'span',
      { class: 'clock', 'data-testid': 'engine-clock', title: status.simulated ? `simulated time, ×${status.speed}` : 'engine time' },
      formatTime(status.now),
      status.simulated ? ` (sim ×${status.speed})` : '',
    ),
    h(
      'span',
      { class: 'counts' },
      ...(
        [
          ['entities', status.entities],
          ['series', status.series],
          ['anomalies', status.anomalies],
          ['open incidents', status.openIncidents],
          ['decisions', status.decisions],
          ['actions', status.actions],
        ] as const
      ).map(([label, n]) => h('span', { class: 'count' }, h('strong', {}, n.toLocaleString('en')), ` ${label}`)),
    ),
    h(
      'span',
      { class: 'switches' },
      h(
        'span',
        { 'data-testid': 'kill-switch-state' },
        badge(status.killSwitch ? 'on' : 'off', `kill switch ${status.killSwitch ? 'ON' : 'off'}`),
      ),
      ' ',
      h('span', { 'data-testid': 'dry-run-state' }, badge(status.dryRun ? 'on' : 'off', `dry run ${status.dryRun ? 'ON' : 'off'}`)),
    ),
  );
}

function renderError(message: string): void {
  header.replaceChildren(h('span', { class: 'error', role: 'alert' }, `Cannot reach the Homeostat API: ${message}`));
}

async function refresh(): Promise<void> {
  const mine = ++generation;
  const path = route();
  markNav(path);
  try {
    const status = await getJson<EngineStatus>('/status');
    if (mine !== generation) return;
    renderStatus(status);
    const page = await load(path, status);
    if (mine !== generation) return;
    const data = JSON.stringify(page.data);
    const routeChanged = path !== lastRoute;
    if (routeChanged || data !== lastData) {
      main.replaceChildren(page.render());
      lastData = data;
      lastRoute = path;
      if (routeChanged) {
        const heading = main.querySelector('h2');
        if (heading instanceof HTMLElement && path !== '/') heading.focus({ preventScroll: true });
        window.scrollTo(0, 0);
      }
    }
  } catch (err) {
    if (mine !== generation) return;
    if (path !== lastRoute || lastData === '') {
      main.replaceChildren(
        h('p', { class: 'error', role: 'alert', 'data-testid': 'page-error' }, err instanceof Error ? err.message : String(err)),
      );
      lastRoute = path;
      lastData = '';
    }
    if (err instanceof TypeError) renderError(err.message);
  } finally {
    if (mine === generation) {
      clearTimeout(timer);
      timer = setTimeout(() => void refresh(), POLL_MS);
    }
  }
}

window.addEventListener('hashchange', () => void refresh());
void refresh();
