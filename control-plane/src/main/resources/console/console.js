// Codermon web console: a thin client of the control plane's JSON API. The credential lives in
// sessionStorage (this tab only) and travels as a Bearer header; the API never accepts cookies.
'use strict';

const $ = (sel) => document.querySelector(sel);
const state = { credential: sessionStorage.getItem('codermon.credential'), me: null, trafficCursor: 0 };

async function api(method, path, body) {
  const headers = { Authorization: `Bearer ${state.credential}`, Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 204) return null;
  const data = await res.json().catch(() => ({ error: 'bad_response', detail: `HTTP ${res.status}` }));
  if (!res.ok) {
    const err = new Error(data.detail || data.error || `HTTP ${res.status}`);
    err.status = res.status;
    throw err;
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
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  return `${Math.round(s / 3600)}h ago`;
}

function duration(seconds) {
  if (seconds === null || seconds === undefined) return '';
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  return `${Math.floor(seconds / 3600)}h ${Math.floor((seconds % 3600) / 60)}m`;
}

function cell(row, value, className) {
  const td = row.insertCell();
  td.textContent = text(value);
  if (className) td.className = className;
  return td;
}

function button(label, onClick, secondary) {
  const b = document.createElement('button');
  b.textContent = label;
  if (secondary) b.className = 'secondary';
  b.addEventListener('click', async () => {
    b.disabled = true;
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
    sessionStorage.removeItem('codermon.credential');
    $('#sign-in-error').textContent = e.status === 401 ? 'Not signed in: ' + e.message : e.message;
    return;
  }
  sessionStorage.setItem('codermon.credential', credential);
  document.body.classList.toggle('admin', state.me.admin);
  $('#who').textContent = state.me.admin ? 'signed in as admin' : `signed in as ${state.me.user}`;
  $('#sign-in').hidden = true;
  $('#sign-out').hidden = false;
  $('#workspaces').hidden = false;
  $('#connect').hidden = false;
  $('#traffic').hidden = !state.me.admin;
  $('#create-form').hidden = state.me.admin;
  if (state.me.proxy) $('#proxy-address').textContent = state.me.proxy.replace(/^https?:\/\//, '');
  refreshWorkspaces();
  if (state.me.admin) pollTraffic();
}

async function refreshWorkspaces() {
  if (!state.credential) return;
  let list;
  try {
    list = await api('GET', '/api/workspaces');
    $('#ws-error').textContent = '';
  } catch (e) {
    $('#ws-error').textContent = e.message;
    return;
  }
  const tbody = $('#ws-table tbody');
  tbody.replaceChildren();
  for (const ws of list) {
    const row = tbody.insertRow();
    row.dataset.id = ws.id;
    row.dataset.name = ws.name;
    cell(row, ws.name);
    cell(row, ws.user, 'admin-only');
    cell(row, ws.state, `state ${ws.state}`);
    cell(row, ws.hostname);
    const apps = cell(row, '', 'apps');
    if (!state.me.admin && ws.state === 'RUNNING') showApps(ws, apps);
    cell(row, duration(ws.uptimeSeconds));
    cell(row, ago(ws.lastActivityAt));
    const actions = cell(row, '', 'actions');
    if (!state.me.admin) {
      if (ws.state === 'RUNNING') {
        actions.append(button('Open', async () => {
          const link = await api('POST', `/api/workspaces/${ws.id}/open`);
          window.open(link.url, '_blank', 'noopener');
        }));
        actions.append(button('Stop', () => api('POST', `/api/workspaces/${ws.id}/stop`), true));
      } else if (ws.state === 'STOPPED' || ws.state === 'FAILED') {
        actions.append(button('Start', () => api('POST', `/api/workspaces/${ws.id}/start`)));
      }
      actions.append(button('Delete', async () => {
        if (confirm(`Delete workspace ${ws.name} and its files?`)) await api('DELETE', `/api/workspaces/${ws.id}`);
      }, true));
    }
  }
}

// Links to the apps listening inside a workspace (<port>.<workspace host>); a click opens a one-time
// sign-in link for that app host, so the browser needs no proxy prompt.
async function showApps(ws, container) {
  let apps;
  try {
    apps = await api('GET', `/api/workspaces/${ws.id}/apps`);
  } catch (e) {
    container.textContent = '';
    return;
  }
  container.replaceChildren();
  for (const app of apps) {
    const a = document.createElement('a');
    a.href = app.url;
    a.textContent = String(app.port);
    a.title = app.url;
    a.className = 'app-link';
    a.addEventListener('click', async (event) => {
      event.preventDefault();
      const link = await api('POST', `/api/workspaces/${ws.id}/open?port=${app.port}`);
      window.open(link.url, '_blank', 'noopener');
    });
    container.append(a, ' ');
  }
  if (apps.length === 0) container.textContent = '-';
}

async function pollTraffic() {
  while (state.me && state.me.admin && state.credential) {
    if (!$('#traffic-pause').checked) {
      try {
        const page = await api('GET', `/api/traffic?after=${state.trafficCursor}`);
        state.trafficCursor = page.next;
        addTraffic(page.entries);
      } catch (e) {
        if (e.status === 401) return;
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
    cell(row, new Date(e.ts).toLocaleTimeString());
    cell(row, e.user);
    cell(row, e.workspace);
    cell(row, e.method);
    cell(row, `${text(e.host)}${text(e.path)}`, 'path');
    cell(row, e.status, `status-${String(e.status)[0]}`);
    cell(row, (e.bytesIn || 0) + (e.bytesOut || 0));
    cell(row, e.durationMs);
    cell(row, e.refusal);
    row.hidden = !matchesFilter(e);
    tbody.prepend(row);
  }
  while (tbody.rows.length > 500) tbody.deleteRow(-1);
}

function applyFilter() {
  for (const row of $('#traffic-table tbody').rows) row.hidden = !matchesFilter(JSON.parse(row.dataset.entry));
}

$('#sign-in-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  $('#sign-in-error').textContent = '';
  signIn($('#credential').value.trim());
});
$('#sign-out').addEventListener('click', () => {
  sessionStorage.removeItem('codermon.credential');
  location.reload();
});
$('#create-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const name = $('#ws-name').value.trim() || 'main';
  $('#create').disabled = true;
  $('#create-status').textContent = `starting ${name}… (waits until the IDE answers)`;
  const pending = api('POST', '/api/workspaces', { name });
  setTimeout(refreshWorkspaces, 300);
  try {
    await pending;
    $('#create-status').textContent = `${name} is ready`;
  } catch (e) {
    $('#create-status').textContent = '';
    $('#ws-error').textContent = e.message;
  } finally {
    $('#create').disabled = false;
    refreshWorkspaces();
  }
});
$('#filter-user').addEventListener('input', applyFilter);
$('#filter-status').addEventListener('change', applyFilter);
setInterval(refreshWorkspaces, 2000);
if (state.credential) signIn(state.credential);
