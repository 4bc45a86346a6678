/**
 * @module ui/runbooks-view
 * The runbooks page (`#/runbooks`): every runbook drafted from clusters of similar resolved
 * incidents, drafts first, with its status, fault and entity kind, source incidents, Markdown and
 * policy rule. The dashboard holds no token, so approving is shown as the `curl` command to run
 * with a token of scope `operate` (`POST /api/v1/runbooks/:id/approve`).
 */
import { getJson } from './api.js';
import { badge, formatTime, h, routeLink } from './dom.js';
import type { Runbook } from './types.js';
import type { Page } from './views.js';

const STATUS_ORDER: readonly Runbook['status'][] = ['draft', 'approved', 'retired'];
/** Source incidents linked on a runbook's card; the Markdown lists them all. */
const INCIDENT_LINKS = 10;

/** Every runbook, drafts first, then approved, then retired; newest update first within each. */
export async function loadRunbooks(): Promise<Page> {
  const { runbooks } = await getJson<{ runbooks: Runbook[] }>('/runbooks');
  const sorted = [...runbooks].sort(
    (a, b) => STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status) || b.updatedAt - a.updatedAt || (a.id < b.id ? -1 : 1),
  );
  return { data: sorted, render: () => runbooksPage(sorted) };
}

/** The shell command that approves a draft (needs a token of scope `operate` in `$HOMEOSTAT_TOKEN`). */
export function approveCommand(origin: string, id: string): string {
  const url = `${origin}/api/v1/runbooks/${encodeURIComponent(id).replace(/'/g, '%27')}/approve`;
  return `curl -X POST -H "Authorization: Bearer $HOMEOSTAT_TOKEN" '${url}'`;
}

function runbooksPage(runbooks: readonly Runbook[]): HTMLElement {
  const counts = STATUS_ORDER.map((s) => `${runbooks.filter((r) => r.status === s).length} ${s}`).join(' · ');
  return h(
    'section',
    { class: 'runbooks', 'aria-labelledby': 'runbooks-h', 'data-testid': 'runbooks-view' },
    h('h2', { id: 'runbooks-h', tabindex: -1 }, 'Runbooks'),
    h(
      'p',
      { class: 'muted' },
      'Drafted from clusters of similar resolved incidents: when it applies, diagnosis, the actions that worked with their success rate, ',
      'verification and rollback. A draft is not used until a person approves it.',
    ),
    runbooks.length === 0
      ? h(
          'p',
          { class: 'muted', 'data-testid': 'no-runbooks' },
          'No runbooks yet. One is drafted when enough similar incidents have been resolved.',
        )
      : h('p', { 'data-testid': 'runbook-counts' }, counts),
    ...runbooks.map(runbookCard),
  );
}

function runbookCard(r: Runbook): HTMLElement {
  const headingId = `rb-h-${r.id}`;
  return h(
    'article',
    { class: 'panel runbook', 'data-testid': 'runbook', 'data-runbook': r.id, 'aria-labelledby': headingId },
    h('h3', { id: headingId }, r.title, ' ', badge(r.status)),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'fault'),
      h('dd', {}, r.faultKind.replace(/_/g, ' ')),
      h('dt', {}, 'entity kind'),
      h('dd', {}, r.entityKind),
      h('dt', {}, 'source incidents'),
      h(
        'dd',
        { 'data-testid': 'runbook-incidents' },
        `${r.incidentIds.length}: `,
        ...r.incidentIds
          .slice(0, INCIDENT_LINKS)
          .flatMap((id, i) => [i > 0 ? ', ' : '', routeLink(`/incidents/${encodeURIComponent(id)}`, id)]),
        r.incidentIds.length > INCIDENT_LINKS ? ` and ${r.incidentIds.length - INCIDENT_LINKS} more (listed in the runbook)` : '',
      ),
      h('dt', {}, 'generated'),
      h('dd', {}, `${formatTime(r.generatedAt)} (${r.generator}), updated ${formatTime(r.updatedAt)}`),
      ...(r.approvedAt !== undefined
        ? [h('dt', {}, 'approved'), h('dd', {}, `${formatTime(r.approvedAt)} by ${r.approvedBy ?? 'unknown'}`)]
        : []),
    ),
    r.status === 'draft'
      ? h(
          'div',
          { class: 'approve' },
          h(
            'p',
            {},
            'To approve this draft, run with a token of scope ',
            h('code', {}, 'operate'),
            ' (e.g. the admin token ',
            h('code', {}, 'homeostat up'),
            ' prints):',
          ),
          h('pre', { class: 'command', 'data-testid': 'approve-command' }, approveCommand(location.origin, r.id)),
        )
      : null,
    h('h4', {}, 'Runbook'),
    h('pre', { class: 'markdown', 'data-testid': 'runbook-markdown' }, r.markdown),
    h('h4', {}, 'Policy rule (YAML, for the policy table)'),
    h('pre', { class: 'markdown' }, r.policyYaml),
  );
}
