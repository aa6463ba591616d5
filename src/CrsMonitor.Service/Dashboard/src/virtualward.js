// #/unit/{unit}/virtual-ward (issue 17): the remote nurse's view of the unit's patients at home, in an observation
// clinic or in proximity, or wearing an enrolled device: last data per signal (with "no data" never shown as normal),
// wear time, the pre-fever watch and open alerts, most urgent first. Refreshed by the hub like the census.

import { getVirtualWard } from './api.js';
import { h, table, empty, errorBox, debounce } from './dom.js';
import { gradeBadge } from './grades.js';
import { timeEl, countdown, humanize } from './format.js';
import { watchLine } from './outpatient.js';
import * as hub from './hub.js';

const patientHref = (id) => `#/patient/${encodeURIComponent(id)}`;

/** One signal: its last value and when, or the stream's gap in words (a gap is never blank, never "normal"). */
function signalCell(s) {
  const gap = s.stream === 'no-data';
  return h('td', { 'data-label': s.words, 'data-testid': 'ward-signal', 'data-signal': s.signal, 'data-stream': s.stream, class: gap ? 'no-data' : null },
    gap ? h('strong', { class: 'overdue', text: 'No data' }) : null,
    s.value != null ? h('div', { text: s.value }) : h('div', { class: 'muted', text: 'none yet' }),
    s.lastAt ? h('div', { class: 'muted small' }, timeEl(s.lastAt, { timeOnly: true })) : null,
    gap && s.silentSince ? h('div', { class: 'small' }, 'since ', timeEl(s.silentSince, { timeOnly: true })) : null,
    s.stream === 'not-enrolled' ? h('div', { class: 'muted small', text: 'no device' }) : null);
}

function wearCell(wear) {
  if (!wear.length) return h('span', { class: 'muted', text: '—' });
  return h('ul', { class: 'plain small' }, wear.map((w) => h('li', { 'data-testid': 'ward-wear', 'data-device': w.device },
    `${w.device}: ${w.percent}% (${w.wornMinutes} min)`)));
}

function alertCell(alerts) {
  if (!alerts.length) return h('span', { class: 'muted', text: 'None' });
  return h('ul', { class: 'chips' }, alerts.map((a) => h('li', {
    class: `chip state-${a.state}${a.grade != null ? ` grade-${a.grade}` : ''}`, 'data-testid': 'ward-alert', 'data-condition': a.condition, title: a.message,
  }, a.title, a.state === 'acknowledged' ? ' (ack.)' : '')));
}

function row(p) {
  return h('tr', { 'data-testid': 'ward-row', 'data-patient-id': p.patientId, class: p.noData ? 'has-overdue' : null },
    h('th', { scope: 'row' },
      h('a', { href: patientHref(p.patientId), text: p.displayName ?? p.patientId }),
      h('div', { class: 'muted small' }, p.patientId, p.setting ? ` · ${humanize(p.setting)}` : ''),
      p.window ? h('div', { class: 'small' }, `${p.window.protocolWindowId ?? ''} ends `, countdown(p.window.latestEnd)) : null),
    h('td', { 'data-label': 'Grades' }, h('div', { class: 'grade-stack' }, gradeBadge('crs', p.crs), gradeBadge('icans', p.icans))),
    ...p.signals.map(signalCell),
    h('td', { 'data-label': 'Wear' }, wearCell(p.wear)),
    h('td', { 'data-label': 'Pre-fever watch' }, watchLine(p.preFeverWatch) ?? h('span', { class: 'muted', text: '—' })),
    h('td', { 'data-label': 'Open alerts' }, alertCell(p.alerts)));
}

export function virtualWardPage(main, { unit }) {
  const asOf = h('p', { class: 'muted', 'aria-live': 'polite' });
  const body = h('div', {}, h('p', { class: 'muted', text: 'Loading…' }));
  const load = async () => {
    try {
      const ward = await getVirtualWard(unit);
      asOf.replaceChildren('As of ', timeEl(ward.asOf, { timeOnly: true }), ` · ${ward.patients.length} patient${ward.patients.length === 1 ? '' : 's'} monitored outside the hospital`);
      const signals = ward.patients[0]?.signals.map((s) => s.words) ?? [];
      body.replaceChildren(ward.patients.length
        ? h('div', { class: 'table-scroll' }, table(['Patient', 'Grades', ...signals.map((w) => w[0].toUpperCase() + w.slice(1)), 'Wear time', 'Pre-fever watch', 'Open alerts'],
          ward.patients.map(row), { class: 'census virtual-ward', 'data-testid': 'virtual-ward' }))
        : empty('No patient of this unit is monitored at home, in a clinic or by a device.'));
    } catch (e) {
      const last = body.querySelector('table');
      body.replaceChildren(errorBox(`The virtual ward could not be loaded: ${e.message}`), last ?? '');
    }
  };
  const reload = debounce(load, 200);
  const offs = [
    hub.on('status', (change) => { if (!change.unit || change.unit === unit) reload(); }),
    hub.on('alert', ({ alert }) => { if (alert.unit === unit) reload(); }),
    hub.on('connected', () => load()),
  ];
  // A gap is news when nothing arrives: refresh every 30 s whatever the hub says.
  const poll = setInterval(load, 30000);
  main.replaceChildren(h('div', { class: 'page' },
    h('div', { class: 'page-head' }, h('h1', {}, `Virtual ward · Unit ${unit}`), asOf),
    h('section', { class: 'panel', 'aria-label': 'Patients monitored outside the hospital' }, body)));
  load();
  return () => {
    offs.forEach((off) => off());
    reload.cancel();
    clearInterval(poll);
  };
}
