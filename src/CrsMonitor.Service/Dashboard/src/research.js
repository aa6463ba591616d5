// The researcher's downloads (issue 16): the de-identified episode CSV and its data dictionary, and a FHIR Bulk Data
// export (kick-off, status polling, NDJSON files). Every download goes through fetch with the bearer token and is
// handed to the browser as a file; nothing identified is ever on this page.

import { auth, ApiError } from './api.js';
import { h, fill, errorBox } from './dom.js';

/** Fetches `path` with the token and saves the answer as `fileName`. */
async function download(path, fileName, accept) {
  const response = await fetch(path, { headers: { Accept: accept, Authorization: `Bearer ${auth.token}` }, cache: 'no-store' });
  if (!response.ok) throw new ApiError(response.status, null, `The service answered ${response.status}.`);
  const url = URL.createObjectURL(await response.blob());
  const a = h('a', { href: url, download: fileName, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

const wait = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

/** Kicks off a Bulk Data export and polls its status (Retry-After, at most 10 s apart) until the manifest comes. */
async function bulkExport(status, signal) {
  const headers = { Accept: 'application/fhir+json', Prefer: 'respond-async', Authorization: `Bearer ${auth.token}` };
  const kickOff = await fetch('/fhir/$export', { headers, cache: 'no-store', signal });
  if (kickOff.status !== 202) throw new ApiError(kickOff.status, null, `The export was not started (${kickOff.status}).`);
  const statusUrl = kickOff.headers.get('Content-Location');
  for (;;) {
    const answer = await fetch(statusUrl, { headers, cache: 'no-store', signal });
    if (answer.status === 200) return answer.json();
    if (answer.status !== 202) throw new ApiError(answer.status, null, `The export failed (${answer.status}).`);
    status.textContent = `Export in progress${answer.headers.get('X-Progress') ? `: ${answer.headers.get('X-Progress')}` : ''}…`;
    await wait(Math.min(10, Number(answer.headers.get('Retry-After')) || 1) * 1000);
  }
}

function fileButton(text, testid, path, fileName, accept, problem) {
  return h('button', {
    type: 'button', 'data-testid': testid, text,
    onclick: () => download(path, fileName, accept).catch((e) => fill(problem, errorBox(e.message))),
  });
}

/** The downloads panel of the site view, for a researcher's token. */
export function researchDownloads() {
  const problem = h('div', { 'aria-live': 'polite' });
  const status = h('p', { class: 'muted small', 'data-testid': 'bulk-status', 'aria-live': 'polite' });
  const files = h('ul', { class: 'bulk-files', 'data-testid': 'bulk-files' });
  let controller = null;
  const start = h('button', {
    type: 'button', 'data-testid': 'bulk-start', text: 'Start FHIR Bulk export',
    onclick: async () => {
      controller?.abort();
      controller = new AbortController();
      start.disabled = true;
      files.replaceChildren();
      status.textContent = 'Export requested…';
      try {
        const manifest = await bulkExport(status, controller.signal);
        status.textContent = `Export ready (as of ${manifest.transactionTime}): ${manifest.output.length} files.`;
        files.replaceChildren(...manifest.output.map((o) => h('li', {},
          fileButton(`${o.type} (${o.count} resources)`, `bulk-file-${o.type}`, o.url, `${o.type}.ndjson`, 'application/fhir+ndjson', problem))));
      } catch (e) {
        if (e.name !== 'AbortError') fill(problem, errorBox(e.message, { 'data-testid': 'bulk-error' }));
        status.textContent = '';
      } finally {
        start.disabled = false;
      }
    },
  });
  return h('section', { class: 'panel research-downloads', 'data-testid': 'research-downloads' },
    h('h2', { text: 'Research data' }),
    h('p', { class: 'muted small', text: 'De-identified: keyed pseudonyms, dates shifted per patient, ages from 90 as 90+. Every download is audited. Not for treatment decisions.' }),
    h('p', {},
      fileButton('Download episodes (CSV)', 'download-episodes', '/api/research/episodes.csv', 'crsmonitor-episodes.csv', 'text/csv', problem), ' ',
      fileButton('Data dictionary (CSV)', 'download-dictionary', '/api/research/episodes-dictionary.csv', 'crsmonitor-episodes-dictionary.csv', 'text/csv', problem)),
    h('p', {}, start), status, files, problem);
}
