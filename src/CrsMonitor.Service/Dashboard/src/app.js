// The dashboard's entry point: sign-in, the navigation, and the hash router.
//
//   #/unit/{unit}            unit census and live alert feed (default: the token's first unit)
//   #/escalations            alerts escalated to physicians
//   #/patient/{id}           a patient's grades, timeline, alerts, windows, checks
//   #/patient/{id}/neuro     bedside neuro check
//   #/unit/{unit}/protocol-changes  which patients' windows a pending label version would change (issue 17)
//   #/site                   site view: cumulative incidence after each step-up dose (physicians; a researcher sees only this)

import { auth, getMe, unauthorized } from './api.js';
import { h, errorBox } from './dom.js';
import { startTicker } from './format.js';
import { startHub, stopHub } from './hub.js';
import { censusPage } from './census.js';
import { escalationsPage } from './escalations.js';
import { patientPage } from './patient.js';
import { neuroPage } from './neuro.js';
import { siteViewPage } from './siteview.js';
import { protocolChangesPage } from './outpatient.js';
import { beginSignIn, completeSignIn, isCallback, signInMethod } from './oidc.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const userBox = document.getElementById('user');

let me = null;
let cleanup = null;
/** GET /api/sign-in: {mode: 'development'} or {mode: 'openid-connect', authority, clientId, scope}. */
let method = { mode: 'development' };

const clinicalRoles = ['nurse', 'physician'];

/** A researcher's token reaches no patient and no unit (whatever else it carries): the site view and nothing else. */
const isResearcher = () => me?.roles.includes('researcher');

function route() {
  const hash = location.hash.replace(/^#\/?/, '');
  const parts = hash.split('/').map((p) => { try { return decodeURIComponent(p); } catch { return p; } });
  if (parts[0] === 'unit' && parts[1] && parts[2] === 'protocol-changes') return { page: 'protocol-changes', unit: parts[1] };
  if (parts[0] === 'unit' && parts[1]) return { page: 'unit', unit: parts[1] };
  if (parts[0] === 'escalations') return { page: 'escalations' };
  if (parts[0] === 'patient' && parts[1] && parts[2] === 'neuro') return { page: 'neuro', id: parts[1] };
  if (parts[0] === 'patient' && parts[1]) return { page: 'patient', id: parts[1] };
  if (parts[0] === 'site') return { page: 'site' };
  return { page: 'home' };
}

function render() {
  cleanup?.();
  cleanup = null;
  if (!me) return;
  const r = route();
  if (isResearcher() && r.page !== 'site') {
    location.replace('#/site');
    return;
  }
  if (r.page === 'home') {
    location.replace(me.roles.includes('physician') && !me.roles.includes('nurse') && me.units.length ? '#/escalations'
      : me.units.length ? `#/unit/${encodeURIComponent(me.units[0])}` : '#/escalations');
    return;
  }
  updateNav(r);
  const pages = {
    unit: censusPage, escalations: escalationsPage, patient: patientPage, neuro: neuroPage, site: siteViewPage, 'protocol-changes': protocolChangesPage,
  };
  cleanup = pages[r.page](main, { ...r, me });
  main.focus({ preventScroll: true });
  window.scrollTo(0, 0);
}

function updateNav(r) {
  const link = (href, text, active, testid) => h('a', { href, 'aria-current': active ? 'page' : null, class: active ? 'active' : null, 'data-testid': testid, text });
  const site = link('#/site', 'Site view', r.page === 'site', 'site-view-link');
  if (isResearcher()) {
    nav.replaceChildren(site);
    return;
  }
  nav.replaceChildren(
    ...me.units.map((u) => link(`#/unit/${encodeURIComponent(u)}`, `Unit ${u}`, r.page === 'unit' && r.unit === u)),
    link('#/escalations', 'Escalations', r.page === 'escalations'),
    ...(me.roles.includes('physician') ? [site] : []));
}

function showUser() {
  userBox.replaceChildren(
    h('span', { class: 'who', text: `${me.subject ?? 'signed in'} · ${me.roles.join(', ')}` }),
    h('button', { type: 'button', class: 'secondary', 'data-testid': 'sign-out', onclick: signOut }, 'Sign out'));
}

async function signOut() {
  auth.clear();
  me = null;
  cleanup?.();
  cleanup = null;
  await stopHub();
  nav.replaceChildren();
  userBox.replaceChildren();
  signInPage();
}

function signInPage(message) {
  if (method.mode === 'openid-connect') {
    hospitalSignInPage(message);
    return;
  }
  const input = h('textarea', {
    id: 'token', name: 'token', rows: 5, required: true, autocomplete: 'off', spellcheck: 'false', 'data-testid': 'token-input',
    'aria-describedby': 'token-help',
  });
  const error = h('div', { 'aria-live': 'assertive' }, message ? errorBox(message, { 'data-testid': 'sign-in-error' }) : null);
  const form = h('form', { class: 'panel sign-in', 'aria-labelledby': 'sign-in-title' },
    h('h1', { id: 'sign-in-title', text: 'Sign in to CrsMonitor' }),
    h('label', { for: 'token', text: 'Development token' }),
    input,
    h('p', { id: 'token-help', class: 'muted small' }, 'Paste a token printed by ',
      h('code', { text: 'dotnet run --project src/CrsMonitor.Service -- token --role nurse --unit 7W' }),
      '. It is kept for this browser tab only (session storage) and removed on sign-out.'),
    error,
    h('button', { type: 'submit', class: 'primary large', 'data-testid': 'sign-in' }, 'Sign in'),
    h('p', { class: 'note' }, h('strong', { text: 'Hospital sign-in: ' }),
      'this service runs with development tokens. In production IT sets Identity:Authority, Identity:Audience and Identity:ClientId, and this page signs you in with the hospital’s identity provider (OpenID Connect) instead.'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const token = input.value.trim().replace(/^Bearer\s+/i, '');
    if (!token) return;
    auth.set(token);
    await signIn();
  });
  main.replaceChildren(h('div', { class: 'page sign-in-page' }, form));
  input.focus();
}

/** OpenID Connect mode: one button to the hospital's sign-in page; development tokens are refused by the service. */
function hospitalSignInPage(message) {
  const error = h('div', { 'aria-live': 'assertive' }, message ? errorBox(message, { 'data-testid': 'sign-in-error' }) : null);
  const button = h('button', { type: 'button', class: 'primary large', 'data-testid': 'hospital-sign-in' }, 'Sign in with your hospital account');
  const panel = h('div', { class: 'panel sign-in', 'aria-labelledby': 'sign-in-title' },
    h('h1', { id: 'sign-in-title', text: 'Sign in to CrsMonitor' }),
    h('p', { class: 'muted' }, 'You sign in with the hospital’s identity provider (', h('code', { text: method.authority }), ').'),
    error,
    button);
  if (!method.clientId) {
    button.disabled = true;
    error.replaceChildren(errorBox('Hospital sign-in is not configured: IT must set Identity:ClientId to the dashboard’s client at the identity provider.', { 'data-testid': 'sign-in-error' }));
  }
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await beginSignIn(method, location.hash);
    } catch (e) {
      button.disabled = false;
      error.replaceChildren(errorBox(e.message, { 'data-testid': 'sign-in-error' }));
    }
  });
  main.replaceChildren(h('div', { class: 'page sign-in-page' }, panel));
  button.focus();
}

async function signIn() {
  try {
    const who = await getMe();
    me = { subject: who.subject ?? null, roles: who.roles ?? [], units: who.units ?? [] };
  } catch (e) {
    auth.clear();
    signInPage(e.status === 401
      ? (method.mode === 'openid-connect' ? 'The service refused the hospital sign-in’s token (expired, or not issued for CrsMonitor).' : 'The token was refused (expired, or not signed by this service).')
      : `Sign-in failed: ${e.message}`);
    return;
  }
  if (!me.roles.some((r) => clinicalRoles.includes(r)) && !isResearcher()) {
    const roles = me.roles.join(', ') || 'none';
    await signOut();
    main.prepend(errorBox(`This dashboard is for nurses, physicians and researchers; the token's roles are: ${roles}.`, { 'data-testid': 'sign-in-error' }));
    return;
  }
  showUser();
  // The alert hub carries patients: a researcher never connects to it.
  if (!isResearcher()) startHub(me.units);
  render();
}

unauthorized.addEventListener('unauthorized', () => {
  if (!me) return;
  signOut().then(() => main.prepend(errorBox('Your sign-in has expired or was refused; sign in again.', { 'data-testid': 'sign-in-error' })));
});

window.addEventListener('hashchange', render);
startTicker();

async function start() {
  try {
    method = await signInMethod();
  } catch {
    method = { mode: 'development' }; // the service is unreachable: the sign-in attempt will say so
  }
  if (method.mode === 'openid-connect' && isCallback()) {
    try {
      const { accessToken } = await completeSignIn(method);
      auth.set(accessToken);
    } catch (e) {
      auth.clear();
      signInPage(e.message);
      return;
    }
  }
  if (auth.token) await signIn();
  else signInPage();
}

start();
