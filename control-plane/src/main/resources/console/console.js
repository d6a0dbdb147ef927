// Codermon web console: a thin client of the control plane's JSON API. A pasted credential lives in
// sessionStorage (this tab only) and travels as a Bearer header. A person signed in through OpenID
// Connect holds an HttpOnly session cookie instead, which the API accepts only with the session's CSRF
// value in X-Codermon-CSRF (read from /api/session, which only this origin can read).
// The page's CSP allows no inline script or style: everything here is DOM properties and classes.
'use strict';

const $ = (sel) => document.querySelector(sel);
const MAX_TRAFFIC_ROWS = 500;
const state = {
  credential: sessionStorage.getItem('codermon.credential'),
  csrf: null, // set when signed in through OpenID Connect (cookie session)
  me: null,
  trafficCursor: 0,
  apps: new Map(),
  trafficUsers: new Set(),
  workspaceNames: new Map(), // id -> "name" (admin: "user/name"), for the traffic table
  // null: not checked yet; true/false: whether https://<workspace host>/ works from this browser.
  https: null,
  httpsChecking: false,
};

class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

async function api(method, path, body) {
  const headers = state.csrf ? { 'X-Codermon-CSRF': state.csrf, Accept: 'application/json' }
    : { Authorization: `Bearer ${state.credential}`, Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 204) return null;
  const data = await res.json().catch(() => ({ error: 'bad_response', detail: `HTTP ${res.status}` }));
  if (!res.ok) {
    if (res.status === 401 && state.me) signedOut('Your credential is no longer accepted (expired or revoked); sign in again.');
    throw new ApiError(data.detail || data.error || `HTTP ${res.status}`, res.status);
  }
  return data;
}

function text(value) {
  return value === null || value === undefined ? '' : String(value);
}

function ago(iso) {
  if (!iso) return '';
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

function duration(seconds) {
  if (seconds === null || seconds === undefined) return '';
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${seconds % 60}s`;
  return `${Math.floor(seconds / 3600)}h ${Math.floor((seconds % 3600) / 60)}m`;
}

function bytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function cell(row, value, className) {
  const td = row.insertCell();
  td.textContent = text(value);
  if (className) td.className = className;
  return td;
}

function button(label, onClick, secondary) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.dataset.action = label.toLowerCase();
  if (secondary) b.className = 'secondary';
  b.addEventListener('click', async () => {
    b.disabled = true;
    $('#ws-error').textContent = '';
    $('#create-status').textContent = '';
    try { await onClick(); } catch (e) { $('#ws-error').textContent = e.message; } finally { b.disabled = false; }
    refreshWorkspaces();
  });
  return b;
}

async function signIn(credential) {
  state.credential = credential;
  try {
    state.me = await api('GET', '/api/me');
  } catch (e) {
    state.credential = null;
    state.csrf = null;
    sessionStorage.removeItem('codermon.credential');
    $('#sign-in-error').textContent = e.status === 401 ? `Not signed in: ${e.message}` : e.message;
    return;
  }
  if (!state.csrf) sessionStorage.setItem('codermon.credential', credential);
  $('#credential').value = '';
  document.body.classList.toggle('admin', state.me.admin);
  $('#who').textContent = state.me.admin ? 'signed in as admin' : `signed in as ${state.me.user} (${state.me.role})`;
  $('#tokens').hidden = !state.csrf;
  $('#token-user').textContent = state.me.user || '';
  if (state.csrf) refreshTokens();
  $('#traffic-title').textContent = seesAllTraffic() ? 'Live proxy traffic' : 'Your live traffic';
  $('#workspaces-title').textContent = state.me.admin ? 'All workspaces' : 'Your workspaces';
  $('#sign-in').hidden = true;
  $('#sign-out').hidden = false;
  $('#workspaces').hidden = false;
  $('#connect').hidden = false;
  $('#traffic').hidden = false;
  $('#create-form').hidden = state.me.admin;
  // Only users open workspaces, so only their browser needs the https check.
  $('#https-status').hidden = state.me.admin;
  if (state.me.proxy) $('#proxy-address').textContent = state.me.proxy.replace(/^https?:\/\//, '').replace(/\/$/, '');
  if (state.me.domain) $('#domain').textContent = `*.${state.me.domain}`;
  $('#chromium-example').textContent = `chromium --proxy-pac-url=${location.origin}/proxy.pac`;
  refreshWorkspaces();
  pollTraffic();
  $('#ssh').hidden = state.me.admin;
  if (!state.me.admin) refreshSsh();
}

function seesAllTraffic() {
  return state.me && (state.me.admin || state.me.role === 'admin');
}

// Signs in with the OpenID Connect session cookie, if this browser has one.
async function resumeSession() {
  const options = await fetch('/login/options').then((r) => r.json()).catch(() => ({ oidc: false }));
  $('#oidc-sign-in').hidden = !options.oidc;
  if (!options.oidc || state.credential) return false;
  const res = await fetch('/api/session', { headers: { Accept: 'application/json' } });
  if (!res.ok) return false;
  state.csrf = (await res.json()).csrf;
  await signIn(null);
  return true;
}

async function refreshTokens() {
  let list;
  try {
    list = await api('GET', '/api/me/tokens');
  } catch (e) {
    $('#token-error').textContent = e.message;
    return;
  }
  const tbody = $('#token-table tbody');
  tbody.replaceChildren();
  for (const t of list) {
    const row = tbody.insertRow();
    row.dataset.id = t.tokenId;
    cell(row, t.name);
    cell(row, ago(t.createdAt));
    cell(row, new Date(t.expiresAt).toLocaleString());
    cell(row, t.state, `token-${t.state}`);
    const actions = cell(row, '', 'actions');
    if (t.state === 'active') {
      actions.append(button('Revoke', async () => {
        await api('DELETE', `/api/me/tokens/${t.tokenId}`);
        refreshTokens();
      }, true));
    }
  }
}

// Asks why a running workspace is still alive and shows it in its row: the time left until the idle stop
// and what the proxies hold open for it (the full reason in the tooltip).
async function showActivity(ws, container) {
  try {
    const a = await api('GET', `/api/workspaces/${ws.id}/activity`);
    const count = (n, what) => `${n} ${what}${n === 1 ? '' : 's'}`;
    container.textContent = a.secondsUntilIdleStop === null ? a.reason
      : `idle stop in ${duration(a.secondsUntilIdleStop)}; open: ${count(a.openConnections, 'connection')},`
        + ` ${count(a.openWebSockets, 'WebSocket')}, ${count(a.openTunnels, 'tunnel')}`;
    container.title = a.reason;
  } catch (e) {
    container.textContent = '-';
    container.title = e.message;
  }
}

function signedOut(message) {
  state.me = null;
  state.credential = null;
  state.csrf = null;
  sessionStorage.removeItem('codermon.credential');
  document.body.classList.remove('admin');
  for (const id of ['#workspaces', '#connect', '#traffic', '#tokens', '#ssh', '#sign-out']) $(id).hidden = true;
  $('#sign-in').hidden = false;
  $('#who').textContent = '';
  $('#sign-in-error').textContent = message || '';
}

async function refreshWorkspaces() {
  if ((!state.credential && !state.csrf) || !state.me) return;
  let list;
  try {
    list = await api('GET', '/api/workspaces');
  } catch (e) {
    $('#ws-error').textContent = e.message;
    return;
  }
  const tbody = $('#ws-table tbody');
  $('#ws-empty').hidden = list.length > 0;
  const shown = new Map([...tbody.rows].map((r) => [r.dataset.id, r]));
  const fresh = [];
  for (const ws of list) {
    state.workspaceNames.set(ws.id, state.me.admin ? `${ws.user}/${ws.name}` : ws.name);
    const row = document.createElement('tr');
    fresh.push(row);
    row.dataset.id = ws.id;
    row.dataset.name = ws.name;
    row.dataset.user = ws.user;
    row.dataset.state = ws.state;
    cell(row, ws.name);
    cell(row, ws.user, 'admin-only');
    const stateCell = cell(row, ws.state, `state ${ws.state}`);
    // On a cluster: where it runs and where its files live; why it is LOST.
    if (ws.node) stateCell.title = `on node ${ws.node}; files: ${ws.files}`;
    if (ws.reason) {
      const why = document.createElement('div');
      why.className = 'reason';
      why.textContent = ws.reason;
      stateCell.append(why);
    }
    cell(row, ws.hostname, 'host');
    const apps = cell(row, '', 'apps');
    if (!state.me.admin && ws.state === 'RUNNING') showApps(ws, apps);
    else apps.textContent = '-';
    cell(row, duration(ws.uptimeSeconds));
    const last = cell(row, ago(ws.lastActivityAt));
    if (ws.lastActivityAt) last.title = ws.lastActivityAt;
    const alive = cell(row, '-', 'alive');
    if (ws.state === 'RUNNING') showActivity(ws, alive);
    const actions = cell(row, '', 'actions');
    if (ws.state === 'RUNNING') {
      // A sign-in link opens a session as the owner: the admin key may stop, start and delete any
      // workspace, but opens none.
      if (!state.me.admin) actions.append(button('Open', () => openWorkspace(ws)));
      actions.append(button('Stop', () => api('POST', `/api/workspaces/${ws.id}/stop`), true));
    } else if (ws.state === 'STOPPED' || ws.state === 'FAILED' || ws.state === 'LOST') {
      actions.append(button('Start', () => api('POST', `/api/workspaces/${ws.id}/start`)));
    }
    if (ws.state !== 'STARTING' && ws.state !== 'STOPPING') {
      actions.append(button('Delete', async () => {
        if (window.confirm(`Delete workspace ${state.workspaceNames.get(ws.id)} and all its files?`)) {
          await api('DELETE', `/api/workspaces/${ws.id}`);
        }
      }, true));
    }
  }
  placeRows(tbody, shown, fresh);
  // Traffic rows that arrived before the list did show a workspace id: name them now.
  for (const workspace of $('#traffic-table tbody').querySelectorAll('td.workspace')) {
    const name = state.workspaceNames.get(workspace.title);
    if (name) workspace.textContent = name;
  }
  const running = list.find((ws) => ws.state === 'RUNNING');
  if (running && !state.me.admin && state.https === null && !state.httpsChecking) checkHttps(running.hostname);
}

// Puts the freshly built rows in the table without replacing what a click may be landing on: a row
// already shown keeps its element and, while its state is the same, its buttons (a press whose
// button is swapped between mouse down and mouse up is no click at all); only its other cells are
// replaced. Rows of workspaces that are gone are removed; rows are moved only when out of order.
function placeRows(tbody, shown, fresh) {
  const keep = new Set();
  fresh.forEach((row, index) => {
    const old = shown.get(row.dataset.id);
    let target = row;
    if (old) {
      const sameState = old.dataset.state === row.dataset.state;
      Object.assign(old.dataset, row.dataset);
      const cells = [...row.cells];
      cells.forEach((td, i) => {
        if (sameState && td.classList.contains('actions')) return;
        if (old.cells[i]) old.replaceChild(td, old.cells[i]);
        else old.append(td);
      });
      while (old.cells.length > cells.length) old.deleteCell(-1);
      target = old;
    }
    keep.add(target);
    if (tbody.rows[index] !== target) tbody.insertBefore(target, tbody.rows[index] || null);
  });
  for (const row of [...tbody.rows]) if (!keep.has(row)) row.remove();
}

// Opens the workspace, or with a port its app host, in a new tab through a one-time sign-in link.
// Opens the tab first, while the click still counts as a user gesture (a window.open after an
// await may be blocked as a pop-up), then sends it to the link once the API returns it.
async function openWorkspace(ws, port) {
  const host = port === undefined ? ws.hostname : `${port}.${ws.hostname}`;
  const query = port === undefined ? '' : `?port=${port}`;
  const tab = window.open('about:blank', '_blank');
  if (tab) {
    tab.opener = null;
    tab.document.title = `Opening ${host}…`;
    tab.document.body.textContent = `Opening ${host}…`;
  }
  try {
    if (state.https === null) await checkHttps(ws.hostname);
    const link = await api('POST', `/api/workspaces/${ws.id}/open${query}`);
    const url = state.https ? link.httpsUrl : link.url;
    if (tab) tab.location.replace(url);
    else window.open(url, '_blank', 'noopener');
  } catch (e) {
    if (tab) tab.close();
    throw e;
  }
}

// Returns whether https://<hostname>/ answers at all from this browser (any status: TLS was accepted).
async function probeHttps(hostname) {
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), 8000);
  try {
    await fetch(`https://${hostname}/__codermon/auth`, {
      mode: 'no-cors', credentials: 'omit', cache: 'no-store', signal: timeout.signal,
    });
    return true;
  } catch (e) {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

// A sign-in link works without a proxy password over http and https alike; over https the IDE runs in
// a secure context, which needs the browser to use the proxy and trust the local CA. Probe that: any
// answer (even the proxy's 403 to a request without a session) means TLS was accepted; a network
// error means no proxy, or an untrusted certificate.
async function checkHttps(hostname) {
  state.httpsChecking = true;
  $('#https-recheck').hidden = true;
  $('#https-status').className = 'note';
  $('#https-status').textContent = `Checking https://${hostname}/ from this browser…`;
  // Twice at most: Chromium aborts requests in flight when a network interface comes or goes on the
  // host (Docker adds one for the container it just started), which says nothing about https.
  state.https = await probeHttps(hostname) || await new Promise((r) => setTimeout(r, 1500))
    .then(() => probeHttps(hostname));
  state.httpsChecking = false;
  const status = $('#https-status');
  if (state.https) {
    status.className = 'note ok';
    status.textContent = 'This browser uses the proxy and trusts the local CA: Open uses https:// links, '
      + 'so the IDE runs in a secure context and needs no proxy password.';
  } else {
    status.className = 'note warn';
    status.textContent = `This browser cannot reach https://${hostname}/: either it does not use the proxy `
      + 'for workspace hosts (step 1) or it does not trust the local CA (step 2). Open falls back to an '
      + 'http:// link: the IDE works, but code-server runs in an insecure context (no webviews, a limited '
      + 'clipboard). Fix steps 1 and 2, then check again.';
  }
  $('#https-recheck').hidden = false;
}

// Links to the apps listening inside a workspace (<port>.<workspace host>); a click opens a one-time
// sign-in link for that app host, so the browser needs no proxy prompt. Detecting apps asks the
// runtime (a docker exec for containers), so the list is cached and fetched at most every 10 s; the
// table is redrawn from the cache, so its layout does not jump under the user's pointer.
const APPS_TTL_MS = 10000;

function showApps(ws, container) {
  const cached = state.apps.get(ws.id);
  renderApps(ws, container, cached ? cached.apps : null, cached ? cached.error : null);
  if (cached && (cached.pending || Date.now() - cached.at < APPS_TTL_MS)) return;
  state.apps.set(ws.id, { apps: cached ? cached.apps : null, error: cached ? cached.error : null, at: Date.now(), pending: true });
  const redraw = (apps, error) => {
    state.apps.set(ws.id, { apps, error, at: Date.now(), pending: false });
    const live = document.querySelector(`#ws-table tbody tr[data-id="${ws.id}"] td.apps`);
    if (live) renderApps(ws, live, apps, error);
  };
  // A list that cannot be had now (say, the workspace's node is not reporting) says why on hover.
  api('GET', `/api/workspaces/${ws.id}/apps`)
    .then((apps) => redraw(apps, null))
    .catch((e) => redraw(null, e.message));
}

function renderApps(ws, container, apps, error) {
  container.replaceChildren();
  if (apps === null && error) {
    container.textContent = '?';
    container.title = `apps cannot be listed now: ${error}`;
    return;
  }
  container.removeAttribute('title');
  if (apps === null) {
    container.textContent = '…';
    return;
  }
  if (apps.length === 0) {
    container.textContent = '-';
    return;
  }
  for (const app of apps) {
    const a = document.createElement('a');
    a.href = app.url;
    a.textContent = String(app.port);
    a.title = app.url;
    a.className = 'app-link';
    a.addEventListener('click', (event) => {
      event.preventDefault();
      openWorkspace(ws, app.port).catch((e) => { $('#ws-error').textContent = e.message; });
    });
    container.append(a, ' ');
  }
}

async function pollTraffic() {
  while (state.me) {
    if (!$('#traffic-pause').checked) {
      try {
        const page = await api('GET', `/api/traffic?after=${state.trafficCursor}`);
        state.trafficCursor = page.next;
        addTraffic(page.entries);
        $('#traffic-error').textContent = '';
        if (page.entries.length > 0) continue; // a backlog comes in slices: fetch the next one at once
      } catch (e) {
        if (e.status === 401) return;
        $('#traffic-error').textContent = `traffic: ${e.message}`;
      }
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function matchesFilter(entry) {
  const user = $('#filter-user').value.trim();
  const status = $('#filter-status').value;
  if (user && entry.user !== user) return false;
  if (status === 'refused') return Boolean(entry.refusal);
  if (status && String(entry.status)[0] !== status) return false;
  return true;
}

function addTraffic(entries) {
  const tbody = $('#traffic-table tbody');
  for (const e of entries) {
    const row = document.createElement('tr');
    row.dataset.entry = JSON.stringify(e);
    row.dataset.user = text(e.user);
    row.dataset.status = text(e.status);
    if (e.refusal) row.className = 'refused';
    const time = cell(row, e.ts ? new Date(e.ts).toLocaleTimeString([], { hour12: false }) : '', 'time');
    time.title = text(e.ts);
    cell(row, e.user);
    const workspace = cell(row, e.workspace ? state.workspaceNames.get(e.workspace) || e.workspace : '', 'workspace');
    workspace.title = text(e.workspace);
    cell(row, e.method);
    const target = cell(row, `${text(e.host)}${text(e.path)}`, 'path');
    target.title = target.textContent;
    cell(row, e.status, typeof e.status === 'number' ? `status-${String(e.status)[0]}` : '');
    cell(row, bytes((e.bytesIn || 0) + (e.bytesOut || 0)), 'num');
    cell(row, e.durationMs, 'num');
    cell(row, e.refusal, 'refusal');
    row.hidden = !matchesFilter(e);
    tbody.prepend(row);
    if (e.user && !state.trafficUsers.has(e.user)) {
      state.trafficUsers.add(e.user);
      const option = document.createElement('option');
      option.value = e.user;
      $('#traffic-users').append(option);
    }
  }
  while (tbody.rows.length > MAX_TRAFFIC_ROWS) tbody.deleteRow(-1);
  updateTrafficCount();
}

function applyFilter() {
  for (const row of $('#traffic-table tbody').rows) row.hidden = !matchesFilter(JSON.parse(row.dataset.entry));
  updateTrafficCount();
}

function updateTrafficCount() {
  const rows = $('#traffic-table tbody').rows;
  let shown = 0;
  for (const row of rows) if (!row.hidden) shown++;
  $('#traffic-count').textContent = shown === rows.length ? `(${rows.length} latest)` : `(${shown} of ${rows.length} latest)`;
}

$('#sign-in-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  $('#sign-in-error').textContent = '';
  signIn($('#credential').value.trim());
});
$('#sign-out').addEventListener('click', async () => {
  sessionStorage.removeItem('codermon.credential');
  // Signing out of a session revokes every token and session of the person: open IDE tabs stop working.
  if (state.csrf) await api('POST', '/api/session/logout').catch(() => null);
  location.reload();
});
$('#token-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  $('#token-error').textContent = '';
  try {
    const ttl = $('#token-ttl').value.trim();
    const t = await api('POST', '/api/me/tokens', { name: $('#token-name').value.trim(), ttl: ttl || undefined });
    $('#token-value').textContent = t.token;
    $('#token-new').hidden = false;
    $('#token-name').value = '';
    refreshTokens();
  } catch (e) {
    $('#token-error').textContent = e.message;
  }
});
$('#create-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const name = $('#ws-name').value.trim() || 'main';
  $('#create').disabled = true;
  $('#ws-error').textContent = '';
  $('#create-status').textContent = `starting ${name}… (ready once the IDE answers)`;
  const pending = api('POST', '/api/workspaces', { name });
  setTimeout(refreshWorkspaces, 300);
  try {
    await pending;
    $('#create-status').textContent = `${name} is ready: Open it below`;
    $('#ws-name').value = '';
  } catch (e) {
    $('#create-status').textContent = '';
    $('#ws-error').textContent = e.message;
  } finally {
    $('#create').disabled = false;
    refreshWorkspaces();
  }
});
$('#https-recheck').addEventListener('click', () => {
  const running = [...$('#ws-table tbody').rows].find((r) => r.dataset.state === 'RUNNING');
  if (running) checkHttps(running.querySelector('td.host').textContent);
});
$('#filter-user').addEventListener('input', applyFilter);
$('#filter-status').addEventListener('change', applyFilter);
$('#ssh-key-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  $('#ssh-error').textContent = '';
  try {
    await api('POST', '/api/ssh-keys', { publicKey: $('#ssh-key').value.trim(), name: $('#ssh-key-name').value.trim() || null });
    $('#ssh-key').value = '';
    $('#ssh-key-name').value = '';
  } catch (e) {
    $('#ssh-error').textContent = e.message;
  }
  refreshSsh();
});
setInterval(refreshWorkspaces, 2000);
if (state.credential) signIn(state.credential);
else resumeSession();

// SSH card (docs/ssh.md): the user's keys, the ssh_config block and the known_hosts lines.
async function apiText(path) {
  const res = await fetch(path, { headers: { Authorization: `Bearer ${state.credential}` } });
  if (!res.ok) throw new ApiError(`HTTP ${res.status}`, res.status);
  return res.text();
}

async function refreshSsh() {
  try {
    const keys = await api('GET', '/api/ssh-keys');
    const body = $('#ssh-keys tbody');
    body.replaceChildren();
    for (const key of keys) {
      const row = body.insertRow();
      cell(row, key.name);
      cell(row, key.type);
      cell(row, key.fingerprint, 'mono');
      cell(row, ago(key.createdAt));
      const actions = row.insertCell();
      actions.append(button('Delete', async () => {
        await api('DELETE', `/api/ssh-keys/${key.id}`);
        refreshSsh();
      }, true));
    }
    $('#ssh-config').textContent = await apiText('/api/ssh-config');
    $('#ssh-known-hosts').textContent = await apiText('/api/ssh-known-hosts');
  } catch (e) {
    $('#ssh-error').textContent = e.message;
  }
}
