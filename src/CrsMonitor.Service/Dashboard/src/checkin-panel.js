// The patient page's "Home check-in" panel (issue 17): a nurse or physician of the unit creates the patient's check-in
// code (shown once: the service keeps only its hash), sees whether one is active, until when and when it was last
// used, and revokes it. The code opens /checkin/ for this patient only and expires with the monitoring.

import { createCheckInCode, getCheckInCode, revokeCheckInCode } from './api.js';
import { h, fill, errorBox } from './dom.js';
import { timeEl } from './format.js';

export function checkInPanel(patientId) {
  const box = h('div', { class: 'checkin-panel', 'data-testid': 'checkin-panel' });
  const shown = h('div');

  const render = (state, error) => {
    const active = state?.active;
    fill(box,
      error ? errorBox(error) : null,
      shown,
      active
        ? h('p', { 'data-testid': 'checkin-active' }, 'A check-in code is active: created ', timeEl(active.createdAt), ` by ${active.createdBy}, expires `,
          timeEl(active.expiresAt), active.lastUsedAt ? [', last used ', timeEl(active.lastUsedAt)] : ', not used yet', '.')
        : h('p', { class: 'muted', 'data-testid': 'checkin-none', text: 'No check-in code is active. A code lets the patient or a caregiver send temperature, symptoms and medicines from home.' }),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'button', 'data-testid': 'create-checkin-code', onclick: create }, active ? 'Replace the code' : 'Create a check-in code'),
        active ? h('button', { type: 'button', class: 'button', 'data-testid': 'revoke-checkin-code', onclick: revoke }, 'Revoke the code') : null));
  };

  const load = async (error) => {
    try {
      render(await getCheckInCode(patientId), error);
    } catch (e) {
      render(null, error ?? `The check-in code could not be loaded: ${e.message}`);
    }
  };

  async function create() {
    try {
      const created = await createCheckInCode(patientId);
      const link = new URL(created.link, window.location.origin).toString();
      fill(shown, h('div', { class: 'checkin-new', role: 'status' },
        h('p', { text: 'Give this code to the patient or caregiver now. It is shown only once.' }),
        h('p', { class: 'checkin-code', 'data-testid': 'checkin-code', text: created.code }),
        h('p', { class: 'muted' }, 'Page: ', h('span', { 'data-testid': 'checkin-link', text: link })),
        h('p', { class: 'muted' }, 'Expires ', timeEl(created.expiresAt), '.')));
      await load();
    } catch (e) {
      await load(`No code was created: ${e.message}`);
    }
  }

  async function revoke() {
    try {
      await revokeCheckInCode(patientId);
      fill(shown);
      await load();
    } catch (e) {
      await load(`The code was not revoked: ${e.message}`);
    }
  }

  load();
  return box;
}
