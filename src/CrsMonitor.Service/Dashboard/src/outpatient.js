// Issue 17 (outpatient settings, the caregiver attestation, moving a patient, the pre-fever watch, the preview of a
// pending label version). The pre-fever watch is a state shown here and on the census: never a grade, never an alert.

import { attestWindow, movePatient, getProtocolChanges } from './api.js';
import { h, section, table, empty, errorBox } from './dom.js';
import { timeEl, humanize } from './format.js';

const OUTPATIENT = ['home', 'observation-clinic', 'proximity'];
const settingPill = (setting) => h('span', {
  class: `pill setting setting-${setting}${OUTPATIENT.includes(setting) ? ' outpatient' : ''}`, 'data-testid': 'setting', text: humanize(setting),
});

const WATCH_WORDS = {
  'no-baseline': 'Pre-fever watch: too few temperatures for a baseline yet',
  watching: 'Pre-fever watch: watching',
  raised: 'Pre-fever watch raised: temperature above the patient\'s own baseline',
  subsided: 'Pre-fever watch: raised earlier, now back under the threshold',
  fever: 'Fever charted (the ASTCT grade applies)',
};

/** The watch in words, with the baseline and the first breach; a state, not an alert. */
export function watchLine(watch) {
  if (!watch) return null;
  return h('div', { class: `prefever prefever-${watch.state}`, 'data-testid': 'pre-fever-watch', 'data-state': watch.state },
    h('strong', { text: WATCH_WORDS[watch.state] ?? humanize(watch.state) }),
    watch.threshold != null ? h('span', { class: 'muted small', text: ` · baseline ${watch.baselineMean} °C (SD ${watch.baselineSd}, ${watch.baselineCount} readings), threshold above ${watch.threshold} °C` }) : null,
    watch.firstBreachAt ? h('span', { class: 'small' }, ' · first breach ', timeEl(watch.firstBreachAt)) : null,
    watch.feverAt ? h('span', { class: 'small' }, ' · fever ', timeEl(watch.feverAt)) : null,
    watch.leadMinutes != null ? h('span', { class: 'small', text: ` · lead ${Math.round(watch.leadMinutes)} min` }) : null);
}

/** The patient page's head line: where the patient is monitored and the watch. */
export function outpatientSummary(status) {
  return h('div', { class: 'outpatient-summary' },
    status.setting ? h('p', {}, 'Monitored: ', settingPill(status.setting), status.outpatient ? h('span', { class: 'muted small', text: ' (outpatient)' }) : null) : null,
    watchLine(status.preFeverWatch));
}

/** The census row's additions: the setting when outpatient, a missing attestation, the watch when it says something. */
export function censusOutpatient(p) {
  const parts = [];
  if (p.setting && p.outpatient) parts.push(settingPill(p.setting));
  if (p.attestationsMissing > 0) parts.push(h('span', { class: 'pill attestation-missing', 'data-testid': 'attestation-missing', text: 'Attestation missing' }));
  if (p.preFeverWatch && ['raised', 'subsided', 'fever'].includes(p.preFeverWatch.state)) parts.push(watchLine(p.preFeverWatch));
  return parts.length ? h('div', { class: 'census-outpatient' }, parts) : null;
}

/** The caregiver cell of a window: not required, the attestation, or "missing" with the form to record it. */
export function attestationCell(w, onChange) {
  const a = w.attestation;
  if (!a || !a.required && a.state !== 'recorded') return h('span', { class: 'muted small', text: '—' });
  if (a.state === 'recorded') {
    return h('div', { class: 'small', 'data-testid': 'attestation', 'data-state': 'recorded' },
      `${a.caregiverName} (${a.caregiverRelationship})${a.caregiverPhone ? `, ${a.caregiverPhone}` : ''} · ${a.travelMinutes} min away`,
      h('div', { class: 'muted' }, `by ${a.attestedBy} (${a.role}), `, timeEl(a.attestedAt)));
  }

  const error = h('div');
  const field = (name, label, attrs = {}) => h('label', {}, label, h('input', { name, ...attrs }));
  const form = h('form', { class: 'attest-form', 'data-testid': 'attest-form' },
    field('caregiverName', 'Caregiver', { required: true, maxlength: 200 }),
    field('caregiverRelationship', 'Relationship', { required: true, maxlength: 100 }),
    field('caregiverPhone', 'Phone', { maxlength: 40 }),
    field('travelMinutes', `Minutes away${a.maxTravelMinutes != null ? ` (at most ${a.maxTravelMinutes})` : ''}`, { type: 'number', min: 0, max: a.maxTravelMinutes ?? 1440, required: true }),
    h('button', { type: 'submit' }, 'Record attestation'), error);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const body = { caregiverName: data.get('caregiverName'), caregiverRelationship: data.get('caregiverRelationship'), travelMinutes: Number(data.get('travelMinutes')) };
    if (data.get('caregiverPhone')) body.caregiverPhone = data.get('caregiverPhone');
    try {
      await attestWindow(w.id, body);
      onChange?.();
    } catch (err) {
      error.replaceChildren(errorBox(err.message));
    }
  });
  return h('div', { 'data-testid': 'attestation', 'data-state': 'missing' },
    h('span', { class: 'pill attestation-missing', text: 'Attestation missing' }), form);
}

/** A physician's move between inpatient and home monitoring, with a reason (recorded as a decision on each window). */
export function moveForm(id, status, onChange) {
  if (!status.windows?.some((w) => !['closed', 'completed', 'superseded'].includes(w.state))) return '';
  const target = status.setting === 'home' ? 'inpatient' : 'home';
  const error = h('div');
  const reason = h('input', { name: 'reason', required: true, maxlength: 1000, placeholder: 'Reason' });
  const form = h('form', { class: 'move-form', 'data-testid': 'move-form' },
    reason, h('button', { type: 'submit', 'data-testid': 'move-button' }, target === 'home' ? 'Move to home monitoring' : 'Admit (inpatient monitoring)'), error);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await movePatient(id, { setting: target, reason: reason.value });
      onChange?.();
    } catch (err) {
      error.replaceChildren(errorBox(err.message));
    }
  });
  return form;
}

const windowsText = (windows) => (windows.length
  ? h('ul', { class: 'plain small' }, windows.map((w) => h('li', {}, `${w.id}: `, settingPill(w.setting), ` ${w.minHours}–${w.maxHours} h from the ${w.anchor}${w.caregiverRequired ? ', caregiver' : ''}`)))
  : h('span', { class: 'muted', text: 'No window' }));

/** #/unit/{unit}/protocol-changes: before a new label version takes effect, whose next dose it would monitor differently. */
export function protocolChangesPage(main, { unit }) {
  const body = h('div', {}, h('p', { class: 'muted', text: 'Loading…' }));
  main.replaceChildren(h('div', { class: 'page' },
    h('div', { class: 'page-head' }, h('h1', {}, `Protocol changes · Unit ${unit}`),
      h('p', { class: 'muted', text: 'A dose follows the protocol version in force on its date: a pending version changes the windows of the doses given on or after its date.' })),
    section('Pending versions and the patients they change', body)));
  getProtocolChanges(unit).then((data) => {
    const versions = data.pendingVersions.length
      ? h('ul', { 'data-testid': 'pending-versions' }, data.pendingVersions.map((v) => h('li', { text: `${v.protocolId} (version ${v.version}) from ${v.effectiveFrom}, replacing ${v.replaces ?? 'none'}` })))
      : empty('No protocol version is pending.');
    const rows = data.patients.map((p) => h('tr', { 'data-testid': 'protocol-change', 'data-patient-id': p.patientId, class: p.changed ? 'changed' : null },
      h('th', { scope: 'row' }, h('a', { href: `#/patient/${encodeURIComponent(p.patientId)}`, text: p.displayName ?? p.patientId })),
      h('td', {}, `${p.nextDose.place} expected ${p.nextDose.expectedOn ?? '(date unknown)'}`, h('div', { class: 'muted small', text: `after ${p.latestDose.place}` })),
      h('td', {}, h('div', { class: 'small', text: p.inForce.protocolId }), windowsText(p.inForce.windows)),
      h('td', {}, h('div', { class: 'small', text: p.pending.protocolId }), windowsText(p.pending.windows)),
      h('td', {}, p.changed ? h('ul', { class: 'plain small' }, p.changes.map((c) => h('li', { text: c }))) : h('span', { class: 'muted', text: 'Unchanged' }))));
    body.replaceChildren(versions, rows.length
      ? h('div', { class: 'table-scroll' }, table(['Patient', 'Next dose', 'Windows now', 'Windows under the pending version', 'Changes'], rows, { 'data-testid': 'protocol-changes' }))
      : empty('No patient of this unit has a next dose on or after a pending version\'s date.'));
  }).catch((e) => body.replaceChildren(errorBox(`The protocol changes could not be loaded: ${e.message}`)));
  return () => {};
}
