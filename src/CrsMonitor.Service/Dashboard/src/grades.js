// Grade badges and the basis of a grade (rules, inputs with time and source, stale and missing inputs).

import { h, table, empty } from './dom.js';
import { timeEl, humanize } from './format.js';

const scaleNames = { crs: 'CRS', icans: 'ICANS' };

/** The data-grade value: the grade 0-5, or "not-gradable" (and "unknown" when there is nothing yet). */
export function gradeKey(result) {
  if (!result) return 'unknown';
  if (result.status === 'not-gradable') return 'not-gradable';
  return Number.isInteger(result.grade) ? String(result.grade) : 'unknown';
}

/**
 * A badge for a CRS or ICANS result ({status, grade, reason, flags}): coloured by grade 0-4 (5 = death), a hatched
 * grey for "not gradable" with the reason. `testid` defaults to "<scale>-badge".
 */
export function gradeBadge(scale, result, { testid = `${scale}-badge`, large = false } = {}) {
  const key = gradeKey(result);
  const name = scaleNames[scale] ?? humanize(scale);
  const text = key === 'not-gradable' ? `${name} not gradable`
    : key === 'unknown' ? `${name} —`
      : key === '0' ? `${name} 0 (none)` : `${name} grade ${key}`;
  const reason = result?.reason ? humanize(result.reason) : null;
  const flags = result?.flags?.length ? result.flags.join(', ') : null;
  const title = [text, reason && `reason: ${reason}`, flags && `flags: ${flags}`].filter(Boolean).join('; ');
  return h('span', {
    class: `badge grade-${key}${large ? ' large' : ''}`,
    'data-testid': testid,
    'data-grade': key,
    'data-status': result?.status ?? null,
    title,
  }, h('span', { class: 'badge-text', text }), key === 'not-gradable' && reason ? h('span', { class: 'badge-reason', text: reason }) : null,
  flags ? h('span', { class: 'badge-flag', 'aria-label': `review flags: ${flags}`, text: ' ⚑' }) : null);
}

/** A small "grade N" badge for an alert's grade, coloured like the scale's badges. */
export function alertGradeBadge(alert) {
  if (alert.grade == null) return null;
  const scale = alert.condition === 'crs' || alert.condition === 'icans' ? alert.condition : null;
  return gradeBadge(scale ?? 'grade', { status: 'graded', grade: alert.grade }, { testid: 'alert-grade' });
}

export function rulesList(rules) {
  if (!rules?.length) return empty('No rule fired.');
  return h('ul', { class: 'rules' }, rules.map((r) => h('li', {}, h('code', { text: r.id }), ' ', r.text)));
}

/** The inputs a current grade used: name, value, time, source, stale marked. */
export function basisTable(basis) {
  if (!basis?.length) return empty('No inputs recorded.');
  return table(['Input', 'Value', 'At', 'Source', ''], basis.map((b) => h('tr', { class: b.stale ? 'stale' : null },
    h('td', { text: humanize(b.name) }),
    h('td', { text: b.value }),
    h('td', {}, timeEl(b.at)),
    h('td', {}, h('code', { text: b.source })),
    h('td', {}, b.stale ? h('span', { class: 'pill warn', text: 'stale' }) : null))), { class: 'basis' });
}

/** Everything a clinician needs to check a grade: badge, reason, flags, rules, domains, inputs, stale or missing. */
export function gradeDetail(scale, result) {
  if (!result) return empty('Not available.');
  const domains = result.domains?.length
    ? h('p', { class: 'domains' }, 'Domain grades: ', result.domains.map((d, i) => [i ? ', ' : '',
      `${humanize(d.domain)} ${d.grade != null ? d.grade : humanize(d.status)}`]))
    : null;
  const staleOrMissing = result.staleOrMissing?.length
    ? h('p', { class: 'warn-text' }, 'Stale or missing: ', result.staleOrMissing.map(humanize).join(', '))
    : null;
  return h('div', { class: 'grade-detail' },
    h('p', {}, gradeBadge(scale, result, { testid: `${scale}-current`, large: true }),
      result.at ? [' as of ', timeEl(result.at)] : null,
      result.system ? h('span', { class: 'muted', text: ` · ${result.system}` }) : null),
    result.reason ? h('p', {}, 'Reason: ', humanize(result.reason)) : null,
    result.flags?.length ? h('p', {}, 'Review flags: ', result.flags.map((f) => h('span', { class: 'pill warn', text: f }))) : null,
    domains,
    h('h3', { text: 'Rules' }), rulesList(result.rules),
    h('h3', { text: 'Inputs' }), basisTable(result.basis),
    staleOrMissing);
}
