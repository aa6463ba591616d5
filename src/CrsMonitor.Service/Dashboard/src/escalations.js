// #/escalations: the physician's view. Alerts escalated to a physician tier (tier >= 1) of all the token's units
// first, highest tier first; below them, less prominent, the other open alerts.

import { h, errorBox } from './dom.js';
import { alertsOf, loadUnitAlerts, onAlertsChanged, renderAlertList } from './alerts.js';
import * as hub from './hub.js';

export function escalationsPage(main, { me }) {
  const escalated = h('div', { class: 'alert-list', 'data-testid': 'escalated' });
  const others = h('div', { class: 'alert-list', 'data-testid': 'not-escalated' });
  const errors = h('div');

  const render = () => {
    const open = me.units.flatMap((unit) => alertsOf(unit)).filter((a) => a.state !== 'resolved');
    const tier = (a) => a.escalation?.tier ?? 0;
    const byTierThenAge = (a, b) => tier(b) - tier(a) || Date.parse(a.raisedAt) - Date.parse(b.raisedAt);
    renderAlertList(escalated, open.filter((a) => tier(a) >= 1).sort(byTierThenAge), {}, 'No escalated alerts.');
    renderAlertList(others, open.filter((a) => tier(a) < 1).sort(byTierThenAge), { compact: true }, 'No other open alerts.');
  };

  const load = async () => {
    const results = await Promise.allSettled(me.units.map((unit) => loadUnitAlerts(unit)));
    errors.replaceChildren(...results.flatMap((r, i) => (r.status === 'rejected'
      ? [errorBox(`Alerts of unit ${me.units[i]} could not be loaded: ${r.reason.message}`)] : [])));
    render();
  };

  const offs = [
    onAlertsChanged(render),
    hub.on('connected', load),
  ];
  const poll = setInterval(() => { if (!hub.isConnected()) load(); }, 30000);

  main.replaceChildren(h('div', { class: 'page escalations-page' },
    h('div', { class: 'page-head' }, h('h1', { text: 'Escalations' }),
      h('p', { class: 'muted', text: `Units ${me.units.join(', ') || '(none in your token)'}` })),
    errors,
    h('section', { class: 'panel escalated', 'aria-labelledby': 'escalated-title' },
      h('h2', { id: 'escalated-title', text: 'Escalated to physicians' }), escalated),
    h('section', { class: 'panel others', 'aria-labelledby': 'others-title' },
      h('h2', { id: 'others-title', text: 'Other open alerts' }), others)));
  render();
  load();

  return () => {
    offs.forEach((off) => off());
    clearInterval(poll);
  };
}
