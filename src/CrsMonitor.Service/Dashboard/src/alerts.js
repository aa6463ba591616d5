// Alerts: the in-memory store of each unit's open alerts (HTTP snapshot + hub events) and the alert cards.

import { acknowledgeAlert, getUnitAlerts, resolveAlert } from './api.js';
import { h, errorBox, empty, announce } from './dom.js';
import { alertGradeBadge, rulesList, basisTable, gradeWords } from './grades.js';
import { countdown, timeEl, humanize } from './format.js';
import * as hub from './hub.js';

/** unit -> Map(id -> alert). Resolved alerts stay (muted) until the next snapshot, so the nurse sees what happened. */
const byUnit = new Map();
const listeners = new Set();

const unitAlerts = (unit) => {
  if (!byUnit.has(unit)) byUnit.set(unit, new Map());
  return byUnit.get(unit);
};

/** Subscribes to changes: listener(unit, alert|null); returns the unsubscribe. */
export function onAlertsChanged(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function changed(unit, alert = null) {
  for (const listener of [...listeners]) listener(unit, alert);
}

/** Keeps the newer of two versions of one alert (by seq). */
function put(alert) {
  const alerts = unitAlerts(alert.unit);
  const mine = alerts.get(alert.id);
  if (mine && mine.seq >= alert.seq) return false;
  alerts.set(alert.id, alert);
  return true;
}

/**
 * GET /api/units/{unit}/alerts?state=open: replaces the unit's alerts with the snapshot, keeping any version the hub
 * delivered after the snapshot was taken (seq above its lastSeq).
 */
export async function loadUnitAlerts(unit) {
  const snapshot = await getUnitAlerts(unit);
  const lastSeq = Number.isInteger(snapshot?.lastSeq) ? snapshot.lastSeq : 0;
  const current = unitAlerts(unit);
  const next = new Map();
  for (const alert of snapshot?.alerts ?? []) {
    const mine = current.get(alert.id);
    next.set(alert.id, mine && mine.seq > alert.seq ? mine : alert);
  }
  for (const [id, alert] of current) {
    if (!next.has(id) && alert.seq > lastSeq && alert.state !== 'resolved') next.set(id, alert);
  }
  byUnit.set(unit, next);
  hub.advanceSeq(unit, lastSeq);
  changed(unit);
}

/**
 * alertMoved: the alert followed its patient to another unit. It leaves the feed of the unit it left (unless that unit
 * already holds a newer version, i.e. it came back) and joins the feed of the unit it moved to, with its basis.
 */
function moved(move) {
  if (move.unit === move.from) {
    const alerts = unitAlerts(move.from);
    const mine = alerts.get(move.id);
    if (mine && mine.seq < move.seq) {
      alerts.delete(move.id);
      changed(move.from);
    }
  }
  if (move.unit === move.to && move.alert?.unit === move.to && put(move.alert)) {
    const a = move.alert;
    if (a.state !== 'resolved') announce(`Alert from unit ${move.from}${a.grade != null ? `, grade ${a.grade}` : ''}: ${a.title}, ${a.patientName ?? a.patientId}`);
    changed(move.to, a);
  }
}

hub.on('alert', ({ event, alert }) => {
  if (event === 'alertMoved') {
    moved(alert);
    return;
  }
  if (!put(alert)) return;
  if (event === 'alertRaised') {
    announce(`New alert${alert.grade != null ? `, grade ${alert.grade}` : ''}: ${alert.title}, ${alert.patientName ?? alert.patientId}`);
  }
  changed(alert.unit, alert);
});

/** A unit's alerts: open ones newest first, then the resolved ones. */
export function alertsOf(unit) {
  const order = (a, b) => (a.state === 'resolved') - (b.state === 'resolved')
    || Date.parse(b.raisedAt) - Date.parse(a.raisedAt) || b.seq - a.seq;
  return [...unitAlerts(unit).values()].sort(order);
}

export const openAlertsOfPatient = (unit, patientId) =>
  alertsOf(unit).filter((a) => a.patientId === patientId && a.state !== 'resolved');

/** The management text of the protocol, shown as reference only. */
function management(m) {
  if (!m) return null;
  return h('aside', { class: 'reference', 'aria-label': 'Protocol reference' },
    h('p', { class: 'reference-label', text: 'Reference text from the protocol, not an order' }),
    h('p', { class: 'reference-text', text: m.text }),
    h('p', { class: 'reference-source' }, `Source: ${m.source} · protocol ${m.protocolId}, version ${m.protocolVersion}`),
    m.note ? h('p', { class: 'reference-note', text: m.note }) : null);
}

function basis(b) {
  if (!b) return null;
  return h('details', { class: 'basis' },
    h('summary', {}, `Basis (${b.system ?? 'ASTCT'}${b.gradeStatus ? `, ${b.gradeStatus}` : ''})`),
    gradeWords(b), // the reason and review flags in the nurse's words (words.js)
    rulesList(b.rules),
    basisTable(b.inputs),
    b.staleOrMissing?.length ? h('p', { class: 'warn-text' }, 'Stale or missing: ', b.staleOrMissing.map(humanize).join(', ')) : null);
}

function actions(alert, onDone) {
  if (alert.state === 'resolved') return null;
  const note = h('input', { type: 'text', class: 'note', placeholder: 'Note (optional)', 'aria-label': `Note for ${alert.title}`, maxlength: 500 });
  const status = h('div', { class: 'action-status', 'aria-live': 'polite' });
  const apply = (updated) => {
    if (updated?.id === alert.id && Number.isInteger(updated.seq) && put(updated)) changed(updated.unit, updated);
  };
  // Whatever the answer carries, read the alerts again: the hub may be down, and the card must not stay "raised".
  const refresh = () => (onDone ? onDone() : loadUnitAlerts(alert.unit).catch(() => {}));
  const run = (verb, call) => async (e) => {
    const buttons = e.currentTarget.parentElement.querySelectorAll('button');
    buttons.forEach((b) => { b.disabled = true; });
    status.replaceChildren();
    try {
      apply(await call(alert.id, note.value.trim() || undefined));
      await refresh();
    } catch (err) {
      if (err.status === 409) {
        // Someone else was first: show their action (the answer carries the alert as it is now).
        announce(err.body?.detail ?? `${verb}: the alert has already changed`);
        status.replaceChildren(errorBox(err.body?.detail ?? err.message));
        apply(err.body?.alert);
        await refresh();
      } else {
        status.replaceChildren(errorBox(`${verb} failed: ${err.message}`));
      }
      buttons.forEach((b) => { b.disabled = false; });
    }
  };
  return h('div', { class: 'actions' },
    note,
    alert.state === 'raised'
      ? h('button', { type: 'button', class: 'primary', 'data-testid': 'ack', onclick: run('Acknowledge', acknowledgeAlert) }, 'Acknowledge')
      : null,
    h('button', { type: 'button', 'data-testid': 'resolve', onclick: run('Resolve', resolveAlert) }, 'Resolve'),
    status);
}

/** The audit of an alert (GET /api/patients/{id}/alerts): who acknowledged, escalated, resolved, when, with notes. */
function auditTrail(entries) {
  if (!entries) return null;
  if (!entries.length) return h('p', { class: 'muted', text: 'No actions recorded.' });
  return h('ol', { class: 'audit', 'aria-label': 'Actions on this alert' }, entries.map((a) => h('li', {},
    timeEl(a.at), ' ', h('strong', { text: humanize(a.action) }),
    a.by ? ` by ${a.by}` : '', a.role ? ` (${a.role})` : '', a.note ? h('q', { text: a.note }) : null)));
}

/** A tier name as configured: a slug such as "unit-nurses" is shown as words, a written name as it is. */
const tierLabel = (name) => (/\s/.test(name) ? name : humanize(name));

/** An alert card with the stable attributes the browser tests use. */
export function alertCard(alert, { compact = false, showPatient = true, onDone } = {}) {
  const esc = alert.escalation ?? {};
  return h('article', {
    class: `alert state-${alert.state} tier-${esc.tier ?? 0}${compact ? ' compact' : ''}${alert.grade != null ? ` grade-${alert.grade}` : ''}`,
    'data-testid': 'alert',
    'data-alert-id': alert.id,
    'data-condition': alert.condition,
    'data-state': alert.state,
    'data-grade': alert.grade ?? '',
    'data-tier': esc.tier ?? 0,
    'data-seq': alert.seq,
    'aria-label': `${alert.title}, ${alert.state}`,
  },
  h('header', {},
    h('h3', { text: alert.title }),
    alertGradeBadge(alert),
    h('span', { class: `pill state-${alert.state}`, text: humanize(alert.state) }),
    alert.reportedBy ? h('span', { class: 'pill reported', 'data-testid': 'reported-by', text: alert.reportedBy === 'caregiver' ? 'Caregiver-reported' : 'Patient-reported' }) : null,
    esc.tierName ? h('span', { class: `pill tier tier-${esc.tier ?? 0}`, title: `escalation tier ${esc.tier}`, text: tierLabel(esc.tierName) }) : null),
  showPatient
    ? h('p', { class: 'alert-patient' }, h('a', { href: `#/patient/${encodeURIComponent(alert.patientId)}`, text: alert.patientName ?? alert.patientId }),
      alert.patientName ? h('span', { class: 'muted', text: ` · ${alert.patientId}` }) : null)
    : null,
  h('p', { class: 'alert-message', text: alert.message }),
  h('p', { class: 'alert-times muted' },
    'Raised ', timeEl(alert.raisedAt),
    alert.acknowledgedAt ? [' · acknowledged ', timeEl(alert.acknowledgedAt), alert.acknowledgedBy ? ` by ${alert.acknowledgedBy}` : ''] : null,
    alert.resolvedAt ? [' · resolved ', timeEl(alert.resolvedAt), alert.resolvedBy ? ` by ${alert.resolvedBy}` : ''] : null,
    esc.nextAt && alert.state === 'raised' ? [' · escalates ', countdown(esc.nextAt)] : null),
  compact ? null : management(alert.management),
  compact ? null : basis(alert.basis),
  alert.actions ? h('details', { class: 'audit-details', open: true }, h('summary', {}, 'Actions'), auditTrail(alert.actions)) : null,
  actions(alert, onDone));
}

/**
 * Renders alerts into `container` keyed by id: a card whose alert has not changed (same seq) is kept as it is, so a
 * note being typed or the focus is not lost when another alert arrives.
 */
export function renderAlertList(container, alerts, options = {}, emptyText = 'No open alerts.') {
  if (!alerts.length) {
    container.replaceChildren(empty(emptyText));
    return;
  }
  const existing = new Map([...container.querySelectorAll(':scope > [data-alert-id]')].map((el) => [el.dataset.alertId, el]));
  const wanted = alerts.map((alert) => {
    const old = existing.get(alert.id);
    if (old && old.dataset.seq === String(alert.seq)) return old;
    const card = alertCard(alert, options);
    const oldNote = old?.querySelector('input.note');
    const newNote = card.querySelector('input.note');
    if (oldNote && newNote) newNote.value = oldNote.value;
    return card;
  });
  for (const el of [...container.children]) if (!wanted.includes(el)) el.remove();
  wanted.forEach((el, i) => {
    if (container.children[i] !== el) container.insertBefore(el, container.children[i] ?? null);
  });
}

/** The unit's live alert feed (side panel of the census). */
export function alertFeed(unit) {
  const list = h('div', { class: 'alert-list', 'data-testid': 'alert-feed', 'aria-label': `Open alerts of unit ${unit}` });
  const error = h('div');
  const render = () => renderAlertList(list, alertsOf(unit));
  const unsubscribe = onAlertsChanged((u) => { if (u === unit) render(); });
  const load = async () => {
    try {
      await loadUnitAlerts(unit);
      error.replaceChildren();
    } catch (e) {
      error.replaceChildren(errorBox(`Alerts could not be loaded: ${e.message}`));
    }
    render();
  };
  render();
  return { element: h('div', { class: 'feed' }, error, list), load, dispose: unsubscribe };
}
