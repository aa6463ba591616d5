// Sign-in with the hospital's OpenID Connect provider: the authorization code flow with PKCE (RFC 7636) for a public
// client, as the service describes it at GET /api/sign-in. The access token is kept in session storage (this tab only)
// like a development token; nothing is kept after sign-out. The provider must allow the dashboard's address as a
// redirect URI and answer its token endpoint to this origin (CORS), as providers do for single-page clients.

const flowKey = 'crsmonitor.oidc.flow';

/** How this service signs people in: {mode: 'development'} or {mode: 'openid-connect', authority, clientId, scope}. */
export async function signInMethod() {
  const response = await fetch('/api/sign-in', { headers: { Accept: 'application/json' }, cache: 'no-store' });
  if (!response.ok) throw new Error(`GET /api/sign-in answered ${response.status}`);
  return response.json();
}

/** The page's address without query and fragment: the redirect URI registered at the provider. */
export function redirectUri() {
  return `${location.origin}${location.pathname}`;
}

/** Whether this page load is the provider's answer (code or error, with state). */
export function isCallback() {
  const query = new URLSearchParams(location.search);
  return query.has('state') && (query.has('code') || query.has('error'));
}

/** Sends the browser to the provider's sign-in page; `returnTo` is the dashboard route to come back to. */
export async function beginSignIn(method, returnTo) {
  const discovery = await discover(method.authority);
  const verifier = randomText(48);
  const state = randomText(24);
  const nonce = randomText(24);
  sessionStorage.setItem(flowKey, JSON.stringify({ state, verifier, nonce, returnTo, tokenEndpoint: discovery.token_endpoint }));
  const url = new URL(discovery.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: method.clientId,
    redirect_uri: redirectUri(),
    scope: method.scope,
    state,
    nonce,
    code_challenge: await challenge(verifier),
    code_challenge_method: 'S256',
  }).toString();
  location.assign(url.toString());
}

/**
 * Completes the flow on the provider's answer: checks the state, exchanges the code for tokens, removes code and state
 * from the address bar. Resolves to {accessToken, returnTo}; rejects with a message a nurse can act on.
 */
export async function completeSignIn(method) {
  const query = new URLSearchParams(location.search);
  const saved = JSON.parse(sessionStorage.getItem(flowKey) ?? 'null');
  sessionStorage.removeItem(flowKey);
  history.replaceState(null, '', `${location.pathname}${saved?.returnTo ?? ''}`);
  if (query.has('error')) {
    const description = query.get('error_description');
    throw new Error(`The hospital sign-in answered "${query.get('error')}"${description ? `: ${description}` : ''}.`);
  }
  if (!saved || saved.state !== query.get('state')) {
    throw new Error('This sign-in answer does not belong to a sign-in started in this tab (state mismatch); sign in again.');
  }
  let response;
  try {
    response = await fetch(saved.tokenEndpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: query.get('code'),
        redirect_uri: redirectUri(),
        client_id: method.clientId,
        code_verifier: saved.verifier,
      }),
    });
  } catch {
    throw new Error('The hospital sign-in service cannot be reached (network, or it does not allow this address: CORS).');
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok || typeof body.access_token !== 'string') {
    throw new Error(`The hospital sign-in refused the code (${response.status}${body.error ? `: ${body.error}` : ''}${body.error_description ? `, ${body.error_description}` : ''}).`);
  }
  return { accessToken: body.access_token, returnTo: saved.returnTo ?? '' };
}

async function discover(authority) {
  let response;
  try {
    response = await fetch(`${authority}/.well-known/openid-configuration`, { headers: { Accept: 'application/json' } });
  } catch {
    throw new Error(`The hospital sign-in service (${authority}) cannot be reached.`);
  }
  if (!response.ok) throw new Error(`The hospital sign-in service (${authority}) answered ${response.status} for its configuration.`);
  const discovery = await response.json();
  if (!discovery.authorization_endpoint || !discovery.token_endpoint) {
    throw new Error(`The hospital sign-in service (${authority}) does not publish an authorization and a token endpoint.`);
  }
  return discovery;
}

function randomText(bytes) {
  return base64Url(crypto.getRandomValues(new Uint8Array(bytes)));
}

async function challenge(verifier) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64Url(new Uint8Array(digest));
}

function base64Url(data) {
  return btoa(String.fromCharCode(...data)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
