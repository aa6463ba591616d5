// The service's HTTP API: bearer token from sessionStorage, JSON in and out, errors as ApiError with readable text.

const tokenKey = 'crsmonitor.token';

export const auth = {
  get token() { return sessionStorage.getItem(tokenKey); },
  set(token) { sessionStorage.setItem(tokenKey, token); },
  clear() { sessionStorage.removeItem(tokenKey); },
};

/** When data last came from the service (HTTP answer or hub event): the connection banner shows it. */
export const freshness = {
  lastDataAt: null,
  listeners: new Set(),
  mark() {
    this.lastDataAt = new Date();
    for (const listener of this.listeners) listener(this.lastDataAt);
  },
};

export class ApiError extends Error {
  constructor(status, body, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.body = body;
  }

  /** OperationOutcome issues [{severity, code, diagnostics, expression}] (FHIR errors), else []. */
  get issues() {
    return this.body?.resourceType === 'OperationOutcome' ? this.body.issue ?? [] : [];
  }

  /** ValidationProblem errors {path: [messages]} (the calculator's 400), else {}. */
  get fieldErrors() {
    return this.body?.errors && typeof this.body.errors === 'object' ? this.body.errors : {};
  }
}

/** A 401 anywhere means the token is missing, expired or refused: app.js listens and shows the sign-in page. */
export const unauthorized = new EventTarget();

/**
 * Calls the API. `body` (an object) is sent as JSON with `contentType`; `prefer` is sent as the Prefer header. Resolves
 * to the parsed answer (null for an empty one), or with `withHeaders` to { data, headers }; rejects with ApiError
 * (status 0 when the service cannot be reached).
 */
export async function api(path, { method = 'GET', body, contentType = 'application/json', signal, prefer, withHeaders = false } = {}) {
  const headers = { Accept: 'application/json, application/fhir+json;q=0.9, application/problem+json;q=0.8' };
  if (prefer) headers.Prefer = prefer;
  const token = auth.token;
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = contentType;
  let response;
  try {
    response = await fetch(path, {
      method, headers, signal, cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, null, 'The service cannot be reached. Check the network connection.');
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = text; }
  }
  if (!response.ok) {
    if (response.status === 401) unauthorized.dispatchEvent(new Event('unauthorized'));
    throw new ApiError(response.status, data, describe(response.status, data));
  }
  freshness.mark();
  return withHeaders ? { data, headers: response.headers } : data;
}

/** Readable text for an error answer: an OperationOutcome's diagnostics, a problem's detail, or the status. */
function describe(status, body) {
  if (body?.resourceType === 'OperationOutcome') {
    const texts = (body.issue ?? []).map((i) => i.diagnostics ?? i.details?.text ?? i.code).filter(Boolean);
    if (texts.length) return texts.join('; ');
  }
  if (body?.errors && typeof body.errors === 'object') {
    return Object.entries(body.errors).map(([path, messages]) => `${path}: ${[].concat(messages).join(', ')}`).join('; ');
  }
  if (body?.detail) return body.detail;
  if (body?.title) return body.title;
  return {
    401: 'Not signed in, or the sign-in has expired.',
    403: 'You are not allowed to see or do this (role or unit).',
    404: 'Not found (this function may not be available on this server yet).',
    503: 'The service is temporarily unavailable; try again in a moment.',
  }[status] ?? `The service answered ${status}.`;
}

export const enc = encodeURIComponent;

export const getMe = () => api('/api/me');
export const getCensus = (unit) => api(`/api/units/${enc(unit)}/patients`);
export const getUnitAlerts = (unit) => api(`/api/units/${enc(unit)}/alerts?state=open`);
export const getPatientStatus = (id) => api(`/api/patients/${enc(id)}/status`);
// Issue 17: the caregiver attestation of a window, a physician's move between inpatient and home, the preview of a pending label version.
export const attestWindow = (id, body) => api(`/api/windows/${enc(id)}/attest`, { method: 'POST', body });
export const movePatient = (id, body) => api(`/api/patients/${enc(id)}/setting`, { method: 'POST', body });
export const getProtocolChanges = (unit) => api(`/api/units/${enc(unit)}/protocol-changes`);
export const getVirtualWard = (unit) => api(`/api/units/${enc(unit)}/virtual-ward`);
export const getPatientChart = (id) => api(`/api/patients/${enc(id)}/chart`);
export const getPatientAlerts = (id) => api(`/api/patients/${enc(id)}/alerts`);
export const getPatientResource = (id) => api(`/fhir/Patient/${enc(id)}`);
export const acknowledgeAlert = (id, note) => api(`/api/alerts/${enc(id)}/acknowledge`, { method: 'POST', body: note ? { note } : {} });
export const resolveAlert = (id, note) => api(`/api/alerts/${enc(id)}/resolve`, { method: 'POST', body: note ? { note } : {} });
export const evaluateGrade = (body, signal) => api('/api/grading/evaluate', { method: 'POST', body, signal });
/** Posts a neuro check; the answer is the OperationOutcome (what was stored, and every warning) and the Location header. */
export const getCheckInCode = (id) => api(`/api/patients/${enc(id)}/checkin-code`);
export const createCheckInCode = (id) => api(`/api/patients/${enc(id)}/checkin-code`, { method: 'POST' });
export const revokeCheckInCode = (id) => api(`/api/patients/${enc(id)}/checkin-code`, { method: 'DELETE' });
export const postQuestionnaireResponse = (resource) => api('/fhir/QuestionnaireResponse',
  { method: 'POST', body: resource, contentType: 'application/fhir+json', prefer: 'return=OperationOutcome', withHeaders: true });
