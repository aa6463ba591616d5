// #/unit/{unit}: the unit census (grades, window countdowns, checks, overdue, open alerts) beside the live alert feed.

import { getCensus } from './api.js';
import { h, table, empty, errorBox, debounce } from './dom.js';
import { gradeBadge, flagPill, gapList } from './grades.js';
import { countdown, timeEl, ageYears, humanize } from './format.js';
import { censusOutpatient } from './outpatient.js';
import { alertFeed, onAlertsChanged, openAlertsOfPatient } from './alerts.js';
import * as hub from './hub.js';

const patientHref = (id) => `#/patient/${encodeURIComponent(id)}`;

function windowCell(w) {
  if (!w) return h('span', { class: 'muted', text: 'No open window' });
  return h('div', { class: 'window' },
    h('div', {}, h('strong', { text: w.dose ?? humanize(w.setting) })),
    h('div', { class: 'muted small', text: `${w.protocolWindowId ?? ''}${w.setting ? ` · ${w.setting}` : ''}` }),
    h('span', { class: `pill window-state state-${w.state}`, text: humanize(w.state) }),
    h('dl', { class: 'countdowns' },
      h('dt', { text: 'Earliest end' }), h('dd', {}, countdown(w.earliestEnd, { 'data-testid': 'earliest-end' }), ' ', timeEl(w.earliestEnd, { timeOnly: true })),
      h('dt', { text: 'Latest end' }), h('dd', {}, countdown(w.latestEnd, { 'data-testid': 'latest-end' }), ' ', timeEl(w.latestEnd, { timeOnly: true }))));
}

function alertChips(unit, patientId) {
  const open = openAlertsOfPatient(unit, patientId);
  if (!open.length) return h('span', { class: 'muted', text: 'None' });
  return h('ul', { class: 'chips' }, open.map((a) => h('li', {
    class: `chip state-${a.state}${a.grade != null ? ` grade-${a.grade}` : ''}`,
    'data-testid': 'patient-alert',
    'data-alert-id': a.id,
    title: a.message,
  }, a.title, a.state === 'acknowledged' ? ' (ack.)' : '')));
}

/**
 * The review flags of both grades in words, and the missing or stale inputs ("No temperature for 5 h", "No neuro check
 * yet"): shown in the row, never raised as alerts (grading-rules.md section 7).
 */
function gradeNotes(p, asOf) {
  const flags = [...new Set([...(p.crs?.flags ?? []), ...(p.icans?.flags ?? [])])]
    .filter((f) => f !== p.crs?.reason && f !== p.icans?.reason);
  const gaps = gapList({ gaps: [...(p.crs?.gaps ?? []), ...(p.icans?.gaps ?? [])] }, asOf, { compact: true });
  return [flags.length ? h('div', { class: 'flag-pills' }, flags.map(flagPill)) : null, gaps];
}

function row(unit, p, asOf) {
  const age = ageYears(p.birthDate);
  return h('tr', { 'data-testid': 'census-row', 'data-patient-id': p.patientId, class: p.overdueChecks > 0 ? 'has-overdue' : null },
    h('th', { scope: 'row' },
      h('a', { href: patientHref(p.patientId), text: p.displayName ?? p.patientId }),
      h('div', { class: 'muted small' }, p.patientId, age != null ? ` · ${age} y` : ''),
      h('a', { class: 'button small-button', href: `${patientHref(p.patientId)}/neuro`, 'data-testid': 'neuro-link' }, 'Neuro check')),
    h('td', { 'data-label': 'Grades' }, h('div', { class: 'grade-stack' }, gradeBadge('crs', p.crs), gradeBadge('icans', p.icans)), gradeNotes(p, asOf)),
    h('td', { 'data-label': 'Window' }, windowCell(p.window), censusOutpatient(p)),
    h('td', { 'data-label': 'Checks' },
      p.noData ? h('div', {}, h('span', {
        class: 'overdue', 'data-testid': 'no-data',
        text: `No data: ${p.noData.words.join(', ')}`, title: `No data (not normal) since ${new Date(p.noData.since).toLocaleTimeString()}`,
      })) : null,
      p.overdueChecks > 0 ? h('div', {}, h('span', { class: 'overdue', 'data-testid': 'overdue', text: `${p.overdueChecks} overdue` })) : null,
      p.nextCheckDue
        ? h('div', { 'data-testid': 'next-check' }, 'Next ', timeEl(p.nextCheckDue, { timeOnly: true }), h('br'), countdown(p.nextCheckDue))
        : h('span', { class: 'muted', text: 'No check due' })),
    h('td', { 'data-label': 'Open alerts' }, alertChips(unit, p.patientId)));
}

/** Renders the census page into `main`; returns the cleanup for the router. */
export function censusPage(main, { unit, me }) {
  let census = null;
  const heading = h('h1', {}, `Unit ${unit}`,
    h('a', { class: 'button small-button', href: `#/unit/${encodeURIComponent(unit)}/protocol-changes`, 'data-testid': 'protocol-changes-link' }, 'Protocol changes'));
  const asOf = h('p', { class: 'muted', 'aria-live': 'polite' });
  const body = h('div', { class: 'census-body' }, h('p', { class: 'muted', text: 'Loading…' }));
  const feed = alertFeed(unit);
  const unitPicker = me.units.length > 1
    ? h('nav', { class: 'unit-picker', 'aria-label': 'Units' }, me.units.map((u) =>
      h('a', { href: `#/unit/${encodeURIComponent(u)}`, class: u === unit ? 'active' : null, 'aria-current': u === unit ? 'page' : null, text: u })))
    : null;

  const render = () => {
    if (!census) return;
    asOf.replaceChildren('As of ', timeEl(census.asOf, { timeOnly: true }), ` · ${census.patients.length} patient${census.patients.length === 1 ? '' : 's'}`);
    body.replaceChildren(census.patients.length
      ? h('div', { class: 'table-scroll' }, table(['Patient', 'Grades', 'Monitoring window', 'Checks', 'Open alerts'],
        census.patients.map((p) => row(unit, p, census.asOf)), { class: 'census', 'data-testid': 'census' }))
      : empty('No patients on this unit.'));
  };

  const load = async () => {
    try {
      census = await getCensus(unit);
      render();
    } catch (e) {
      // Keep the last census on screen below the error: stale data with a warning beats an empty page.
      const lastTable = body.querySelector('table');
      body.replaceChildren(errorBox(`The census could not be loaded: ${e.message}`), lastTable ?? '');
    }
  };
  const reload = debounce(load, 200);

  const offs = [
    hub.on('status', (change) => { if (!change.unit || change.unit === unit) reload(); }),
    hub.on('alert', ({ alert }) => { if (alert.unit === unit) reload(); }),
    hub.on('connected', () => { load(); feed.load(); }),
    onAlertsChanged((u) => { if (u === unit) render(); }),
  ];
  // While the hub is down nothing pushes changes: poll every 30 s until it is back (the banner stays up).
  const poll = setInterval(() => { if (!hub.isConnected()) { load(); feed.load(); } }, 30000);

  main.replaceChildren(h('div', { class: 'page census-page' },
    h('div', { class: 'page-head' }, heading, unitPicker, asOf),
    h('div', { class: 'with-aside' },
      h('section', { class: 'panel', 'aria-labelledby': 'census-title' }, h('h2', { id: 'census-title', class: 'visually-hidden', text: 'Patients' }), body),
      h('aside', { class: 'panel feed-panel', 'aria-labelledby': 'feed-title' }, h('h2', { id: 'feed-title', text: 'Live alerts' }), feed.element))));
  load();
  feed.load();

  return () => {
    offs.forEach((off) => off());
    feed.dispose();
    reload.cancel();
    clearInterval(poll);
  };
}
