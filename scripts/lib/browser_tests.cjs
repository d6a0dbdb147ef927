// Real-browser acceptance tests: Debian's Chromium, driven by playwright-core, against a running
// Codermon (control plane + edge proxy). scripts/browser-test starts Codermon and runs this.
//
// usage: node browser_tests.cjs <config.json> [test-name...]
// config: { cpUrl, proxyUrl, adminKey, caCert, accessLog, domain, artifacts, chromium }
// env:    PLAYWRIGHT_DIR (where node_modules/playwright-core is)
//
// Prints "PASS name" or "FAIL name: reason" per test and "N passed, N failed" last; exits 1 on a
// failure. Each test saves <artifacts>/<name>.png; a failed one also <name>.console.log.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const http = require('http');
const crypto = require('crypto');
const { execFileSync } = require('child_process');
const { chromium } = require(path.join(process.env.PLAYWRIGHT_DIR || '.', 'node_modules', 'playwright-core'));

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const only = process.argv.slice(3);
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const WELCOME = 'Welcome to your Codermon workspace';
const ORIGIN_REFUSAL = 'WebSocket Origin does not match the workspace';

// ---------------------------------------------------------------- control plane API

async function api(method, urlPath, credential, body) {
  const res = await fetch(config.cpUrl + urlPath, {
    method,
    headers: { Authorization: `Bearer ${credential}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const textBody = await res.text();
  if (!res.ok) throw new Error(`${method} ${urlPath}: HTTP ${res.status} ${textBody}`);
  return textBody ? JSON.parse(textBody) : null;
}

const tokens = new Map();
async function tokenFor(user) {
  if (!tokens.has(user)) tokens.set(user, (await api('POST', '/api/tokens', config.adminKey, { user, ttl: '1h' })).token);
  return tokens.get(user);
}

const workspaces = [];
async function workspaceFor(user, name) {
  const ws = await api('POST', '/api/workspaces', await tokenFor(user), { name });
  if (!workspaces.some((w) => w.id === ws.id)) workspaces.push(ws);
  return ws;
}

async function signInLink(user, ws) {
  return api('POST', `/api/workspaces/${ws.id}/open`, await tokenFor(user));
}

// ---------------------------------------------------------------- browsers

// One Chromium per call, with its own fresh --user-data-dir and HOME. trustCa imports the local CA
// into that HOME's NSS database (what Chromium on Linux trusts). proxy: 'credentials' (Playwright
// answers the proxy's 407 with user:token), 'none' (the proxy, but no credentials), 'pac' (the
// control plane's PAC file, no credentials) or 'direct'.
async function launch(t, { proxy, user, trustCa, height = 820 }) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'codermon-browser-home-'));
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'codermon-chromium-'));
  t.cleanups.push(() => {
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(userDataDir, { recursive: true, force: true });
  });
  if (trustCa) {
    const db = `sql:${path.join(home, '.pki', 'nssdb')}`;
    fs.mkdirSync(path.join(home, '.pki', 'nssdb'), { recursive: true });
    execFileSync('certutil', ['-d', db, '-N', '--empty-password']);
    execFileSync('certutil', ['-d', db, '-A', '-t', 'C,,', '-n', 'codermon', '-i', config.caCert]);
  }
  const args = [...CHROMIUM_ARGS];
  const options = {
    executablePath: config.chromium,
    headless: true,
    args,
    env: { ...process.env, HOME: home },
    viewport: { width: 1360, height },
  };
  // Loopback bypasses the proxy, as in a browser a person configures (Playwright would proxy it).
  if (proxy === 'credentials') {
    options.proxy = { server: config.proxyUrl, bypass: '<loopback>', username: user, password: await tokenFor(user) };
  } else if (proxy === 'none') {
    options.proxy = { server: config.proxyUrl, bypass: '<loopback>' };
  } else if (proxy === 'pac') {
    args.push(`--proxy-pac-url=${config.cpUrl}/proxy.pac`);
  }
  const context = await chromium.launchPersistentContext(userDataDir, options);
  t.cleanups.push(() => context.close());
  context.on('page', (p) => t.watch(p));
  for (const p of context.pages()) t.watch(p);
  return context;
}

async function newPage(context) {
  return context.pages().find((p) => p.url() === 'about:blank') || context.newPage();
}

// Waits for code-server's workbench to be fully there: rendered, its explorer listing the project,
// the status bar, and its remote WebSocket open with frames flowing both ways.
async function expectWorkbench(page, t, label = '', reloaded = false) {
  // A change seen before this wait began (a tab of openFromConsole records them from its start) would
  // not reach the listener below: the load it broke is reloaded once, as below.
  if (!reloaded && page.networkChangedBefore) {
    t.note(`${label}reloaded once: Chromium reported net::ERR_NETWORK_CHANGED for ${new URL(page.networkChangedBefore.url()).pathname} before the wait`);
    page.networkChangedBefore = null;
    await page.reload();
    return expectWorkbench(page, t, label, true);
  }
  const socket = page.waitForEvent('websocket', {
    predicate: (ws) => ws.url().includes('reconnectionToken'), timeout: 60000,
  }).catch(() => null);
  // Chromium aborts its requests with net::ERR_NETWORK_CHANGED when a network interface comes or goes
  // on the host (Docker adds one per container it starts), and the workbench then never renders. Not
  // the proxy's doing: such a load is reloaded once, and the note says so.
  let networkChanged;
  const changed = new Promise((resolve) => {
    networkChanged = (r) => { if (r.failure() && r.failure().errorText === 'net::ERR_NETWORK_CHANGED') resolve(r); };
    page.on('requestfailed', networkChanged);
  });
  const rendered = page.waitForSelector('.monaco-workbench', { timeout: 60000 })
    .then(() => page.waitForSelector('.part.statusbar', { timeout: 30000 }));
  const first = await Promise.race([rendered.then(() => null), changed.then((r) => (reloaded ? null : r))]);
  page.off('requestfailed', networkChanged);
  if (first) {
    rendered.catch(() => {});
    t.note(`${label}reloaded once: Chromium reported net::ERR_NETWORK_CHANGED for ${new URL(first.url()).pathname}`);
    await page.reload();
    return expectWorkbench(page, t, label, true);
  }
  await rendered;
  const ws = await socket;
  if (!ws) throw new Error(`${label}code-server's WebSocket never opened`);
  if (ws.isClosed()) throw new Error(`${label}code-server's WebSocket closed at once (${ws.url()})`);
  await ws.waitForEvent('framereceived', { timeout: 30000 }).catch(() => {
    throw new Error(`${label}no frame arrived on code-server's WebSocket`);
  });
  await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'README.md' })
    .waitFor({ timeout: 60000 }).catch(() => { throw new Error(`${label}the explorer does not list README.md`); });
  const dialog = await page.$('text=/Attempting to reconnect|Cannot reconnect|Connection lost/i');
  if (dialog) throw new Error(`${label}code-server shows a reconnect dialog`);
  if (ws.isClosed()) throw new Error(`${label}code-server's WebSocket closed`);
  t.note(`${label}workbench + WebSocket ${new URL(ws.url()).protocol}`);
  return ws;
}

// Opens README.md from the explorer and waits for its text in the editor.
async function openReadme(page) {
  await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'README.md' }).click();
  await page.locator('.tabs-container .tab', { hasText: 'README.md' }).waitFor({ timeout: 30000 });
  await page.locator('.editor-instance .monaco-editor .view-lines', { hasText: WELCOME })
    .waitFor({ timeout: 30000 }).catch(() => { throw new Error('README.md did not open in the editor'); });
}

function accessLogSize() {
  try { return fs.statSync(config.accessLog).size; } catch { return 0; }
}

function accessLogSince(offset) {
  try { return fs.readFileSync(config.accessLog).subarray(offset).toString('utf8').split('\n').filter(Boolean); } catch { return []; }
}

async function until(what, fn, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

// ---------------------------------------------------------------- tests

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

// Clicks the console's Open for the row and returns the new tab once it reached the workspace's origin
// with the link's token gone. Chromium aborts a navigation with net::ERR_NETWORK_CHANGED when a network
// interface comes or goes on the host (Docker adds one per container it starts, as the console's create
// just did): then the person clicks Open again, which mints a new one-time link, once, with a note.
async function openFromConsole(t, context, row, origin, retried = false) {
  const failures = [];
  let signalChanged;
  const networkChanged = new Promise((resolve) => { signalChanged = resolve; });
  const onFailed = (r) => {
    if (!r.failure()) return;
    failures.push(`${r.failure().errorText} ${r.url().replace(/token=[^&]*/, 'token=…')}`);
    if (r.failure().errorText === 'net::ERR_NETWORK_CHANGED' && r.isNavigationRequest()) signalChanged(true);
  };
  context.on('requestfailed', onFailed);
  const [tab] = await Promise.all([
    context.waitForEvent('page', { timeout: 15000 }),
    row.locator('button[data-action="open"]').click(),
  ]);
  t.page = tab;
  // Requests of the page that a network change broke after the wait below ended (its scripts): for
  // expectWorkbench, whose own listener starts later.
  tab.on('requestfailed', (r) => {
    if (r.failure() && r.failure().errorText === 'net::ERR_NETWORK_CHANGED' && !tab.networkChangedBefore) {
      tab.networkChangedBefore = r;
    }
  });
  // A navigation aborted with ERR_NETWORK_CHANGED leaves the tab on Chromium's error page, where
  // waitForURL would wait in vain: the failure ends the wait as soon as it is seen.
  const reached = tab.waitForURL((u) => u.origin === origin && !u.search.includes('token='), { timeout: 60000 })
    .then(() => false);
  let changed;
  try {
    changed = await Promise.race([reached, networkChanged]);
  } catch (e) {
    changed = await Promise.race([networkChanged, Promise.resolve(false)]);
    if (!changed || retried) {
      throw new Error(`the tab Open made did not reach ${origin} (it is at ${tab.url().replace(/token=[^&]*/, 'token=…')}; `
        + `failed requests: ${JSON.stringify(failures.slice(0, 5))}): ${String(e.message).split('\n')[0]}`);
    }
  } finally {
    context.off('requestfailed', onFailed);
  }
  if (!changed) return tab;
  reached.catch(() => {});
  if (retried) throw new Error(`Chromium reported net::ERR_NETWORK_CHANGED for the second link too: ${JSON.stringify(failures.slice(0, 5))}`);
  t.note('Open clicked again: Chromium reported net::ERR_NETWORK_CHANGED for the first link');
  await tab.close();
  return openFromConsole(t, context, row, origin, true);
}

test('workbench-through-proxy-with-credentials', async (t) => {
  const ws = await workspaceFor('alice', 'main');
  const context = await launch(t, { proxy: 'credentials', user: 'alice' });
  const page = t.page = await newPage(context);
  const response = await page.goto(ws.url, { waitUntil: 'domcontentloaded', timeout: 60000 });
  if (!response || response.status() !== 200) throw new Error(`${ws.url} answered ${response && response.status()}`);
  await expectWorkbench(page, t);
  await openReadme(page);
  t.note('README.md open in the editor');
});

test('sign-in-link-without-proxy-credentials', async (t) => {
  const ws = await workspaceFor('alice', 'main');
  const context = await launch(t, { proxy: 'none', trustCa: true });
  const page = t.page = await newPage(context);
  // Without credentials nothing but a sign-in link gets through: https://<host>/ is sent to the
  // proxy's plain-http login, whose 407 this browser has no credentials for.
  const offset = accessLogSize();
  const first = await page.goto(`https://${ws.hostname}/`, { timeout: 30000 })
    .then((r) => (r ? r.status() : 'no response'), (e) => String(e.message).split('\n')[0]);
  if (first === 200) throw new Error(`https://${ws.hostname}/ without credentials or a session answered 200`);
  // page.goto rejects (net::ERR_INVALID_AUTH_CREDENTIALS) before Chromium commits its error page for
  // that navigation; a goto started in between is interrupted by it. Let the error page land first.
  if (typeof first === 'string') {
    await page.waitForURL((u) => u.protocol === 'chrome-error:', { timeout: 10000 }).catch(() => {});
    await page.waitForLoadState('load', { timeout: 10000 }).catch(() => {});
    if (!page.url().startsWith('chrome-error:')) t.note(`no error page after the refused visit (at ${page.url()})`);
  }
  const lines = await until('the first visit\'s login challenge in the access log', () => {
    const l = accessLogSince(offset).filter((x) => x.includes(`host=${ws.hostname} `));
    return l.some((x) => x.includes(' path=/__codermon/login ') && x.includes(' status=407 ')) && l;
  }, 10000);
  const served = lines.filter((x) => !x.includes('method=CONNECT') && / status=2\d\d /.test(x));
  if (served.length) throw new Error(`a browser without credentials was served: ${served[0]}`);
  t.note(`https:// without credentials: login challenged (407), browser shows ${first}`);
  const link = await signInLink('alice', ws);
  await page.goto(link.httpsUrl, { waitUntil: 'domcontentloaded', timeout: 60000 });
  // code-server adds ?folder=...; the token must be gone from the address.
  if (!page.url().startsWith(`https://${ws.hostname}/`) || page.url().includes('token=')) {
    throw new Error(`the sign-in link landed on ${page.url()}`);
  }
  await expectWorkbench(page, t, 'tab 1: ');
  const second = await context.newPage();
  await second.goto(`https://${ws.hostname}/`, { waitUntil: 'domcontentloaded', timeout: 60000 });
  t.page = second;
  await expectWorkbench(second, t, 'tab 2: ');
  await openReadme(second);
  // The link was for one use: a fresh browser cannot reuse it.
  const other = await launch(t, { proxy: 'none', trustCa: true });
  const replay = await (await newPage(other)).goto(link.httpsUrl, { timeout: 30000 });
  if (replay.status() !== 403) throw new Error(`a used sign-in link answered ${replay.status()} in another browser, not 403`);
  t.note('used link refused in another browser');
});

test('first-https-visit-with-credentials', async (t) => {
  const ws = await workspaceFor('alice', 'main');
  const context = await launch(t, { proxy: 'credentials', user: 'alice', trustCa: true });
  const page = t.page = await newPage(context);
  const offset = accessLogSize();
  const chain = [];
  page.on('response', (r) => {
    if (r.request().isNavigationRequest() && r.frame() === page.mainFrame()) chain.push([r.status(), r.url()]);
  });
  // The very first thing this browser opens: no http:// visit, no sign-in link. Its CONNECT :443
  // carries no credentials, so the proxy sends the navigation to its plain-http login (where the
  // browser answers the 407 with its proxy credentials) and back to https with a one-time code.
  const home = `https://${ws.hostname}/`;
  const response = await page.goto(home, { waitUntil: 'domcontentloaded', timeout: 60000 });
  const steps = chain.map(([s, u]) => `${s} ${u.replace(/code=[^&]+/, 'code=…')}`);
  if (!response || response.status() !== 200) throw new Error(`${home} answered ${response && response.status()} after ${steps.join(' -> ')}`);
  if (!page.url().startsWith(home) || /code=|__codermon/.test(page.url())) throw new Error(`landed on ${page.url()}`);
  const login = `http://${ws.hostname}/__codermon/login?return=%2F`;
  const auth = `https://${ws.hostname}/__codermon/auth?code=`;
  // Then code-server's own redirects (to /?folder=...) until the 200.
  const want = [[302, home], [302, login], [302, auth]];
  const seen = chain.filter(([s]) => s !== 407);
  if (seen.length <= want.length || want.some(([s, u], i) => seen[i][0] !== s || !seen[i][1].startsWith(u))
      || seen.slice(want.length).some(([s, u]) => !u.startsWith(home) || u.includes('__codermon'))) {
    throw new Error(`navigation went ${steps.join(' -> ')}`);
  }
  const code = new URL(seen[2][1]).searchParams.get('code');
  const cookies = (await context.cookies(home)).filter((c) => c.name === '__Host-codermon_session');
  if (cookies.length !== 1) throw new Error(`${cookies.length} __Host-codermon_session cookies for ${home}`);
  const [c] = cookies;
  if (!c.secure || !c.httpOnly || c.sameSite !== 'Lax' || c.domain !== ws.hostname || c.path !== '/') {
    throw new Error(`session cookie is ${JSON.stringify({ ...c, value: '…' })}`);
  }
  if ((await context.cookies(`http://${ws.hostname}/`)).some((x) => x.name.endsWith('codermon_session'))) {
    throw new Error('the Secure session cookie would also go to http://');
  }
  await expectWorkbench(page, t);
  const secure = await page.evaluate(() => window.isSecureContext && Boolean(window.crypto && window.crypto.subtle));
  if (!secure) throw new Error('the workbench is not in a secure context (no crypto.subtle)');
  await openReadme(page);
  // The proxy's access log: the challenge, then alice's credentials, then the code redeemed over TLS;
  // never the code itself, nor any query string.
  const lines = await until('the sign-in steps in the access log', () => {
    const l = accessLogSince(offset).filter((x) => x.includes(`host=${ws.hostname} `));
    const has = (p, s, u = '') => l.some((x) => x.includes(` path=${p} `) && x.includes(` status=${s} `) && x.includes(u));
    return has('/__codermon/login', 407) && has('/__codermon/login', 302, ' user=alice ') && has('/__codermon/auth', 302) && l;
  }, 10000);
  const leaked = lines.filter((x) => x.includes(code) || /code=|return=|\?/.test(x));
  if (leaked.length) throw new Error(`the access log shows a code or query: ${leaked[0]}`);
  t.note(`${steps.join(' -> ')}; cookie Secure HttpOnly SameSite=Lax host-only; workbench, secure context, README.md open`);
});

test('https-with-local-ca-and-service-worker', async (t) => {
  const ws = await workspaceFor('alice', 'main');
  const context = await launch(t, { proxy: 'credentials', user: 'alice', trustCa: true });
  const page = t.page = await newPage(context);
  // After an http:// visit has drawn the proxy's challenge, Chromium sends its credentials with every
  // CONNECT, :443 included: this covers https in a tunnel with a principal (no session cookie).
  // Opening https:// first works too, through the proxy's login handoff: first-https-visit-with-credentials.
  await page.goto(ws.url, { waitUntil: 'domcontentloaded', timeout: 60000 });
  const response = await page.goto(`https://${ws.hostname}/`, { waitUntil: 'domcontentloaded', timeout: 60000 });
  if (!response || response.status() !== 200) throw new Error(`https answered ${response && response.status()}`);
  const tls = await response.securityDetails();
  if (!tls || !/codermon/i.test(tls.issuer)) throw new Error(`certificate issuer ${tls && tls.issuer} is not the local CA`);
  await expectWorkbench(page, t);
  const secure = await page.evaluate(() => window.isSecureContext && Boolean(window.crypto && window.crypto.subtle));
  if (!secure) throw new Error('the workbench is not in a secure context (no crypto.subtle)');
  const scopes = await until('code-server\'s service worker to register', () => page.evaluate(async () =>
    (await navigator.serviceWorker.getRegistrations()).map((r) => r.scope).join(' ')), 30000);
  t.note(`issuer "${tls.issuer}", secure context, service worker ${scopes}`);
  await openReadme(page);
});

test('console-create-open-and-live-traffic', async (t) => {
  const token = await tokenFor('carol');
  const user = await launch(t, { proxy: 'pac', trustCa: true });
  const page = t.page = await newPage(user);
  await page.goto(`${config.cpUrl}/`);
  await page.fill('#credential', token);
  await page.click('#sign-in-form button[type=submit]');
  await page.locator('#who', { hasText: 'signed in as carol' }).waitFor({ timeout: 10000 });
  await page.fill('#ws-name', 'console');
  await page.click('#create');
  const row = page.locator('#ws-table tbody tr[data-name="console"]');
  await row.waitFor({ timeout: 10000 });
  await page.locator('#ws-table tbody tr[data-name="console"][data-state="RUNNING"]').waitFor({ timeout: 120000 });
  await page.locator('#create-status', { hasText: 'console is ready' }).waitFor({ timeout: 10000 });
  t.note('created, RUNNING');
  await page.locator('#https-status.ok').waitFor({ timeout: 20000 }).catch(async () => {
    throw new Error(`the console says: ${await page.textContent('#https-status')}`);
  });
  const tab = await openFromConsole(t, user, row, `https://console.carol.${config.domain}`);
  t.page = page;
  await expectWorkbench(tab, t, 'new tab: ');
  await openReadme(tab);
  await tab.screenshot({ path: path.join(config.artifacts, `${t.name}.workbench.png`) });

  // The apps column: no app yet ('-'). A list the API cannot give now (on a cluster, when the
  // workspace's node is not reporting: 503 node_unavailable, here answered by the browser itself)
  // shows '?' with the API's reason on hover, and the list again once the API answers.
  const appsCell = row.locator('td.apps');
  await until('no apps in the apps column', async () => (await appsCell.textContent()) === '-', 20000);
  const reason = "node n2 is not reporting, so the workspace's apps cannot be listed now; try again in a few seconds";
  await page.route('**/api/workspaces/*/apps', (route) => route.fulfill({ status: 503, contentType: 'application/json',
    headers: { 'Retry-After': '5' }, body: JSON.stringify({ error: 'node_unavailable', detail: reason }) }));
  await until('"?" with the reason in the apps column', async () => (await appsCell.textContent()) === '?'
    && ((await appsCell.getAttribute('title')) || '').includes(reason), 30000);
  await page.unroute('**/api/workspaces/*/apps');
  await until('the apps column listing again', async () => (await appsCell.textContent()) === '-', 30000);
  t.note('apps column: "?" with the reason while the list cannot be had');

  // The admin, in a browser of their own, sees carol's workspace and her traffic appear live.
  const admin = await launch(t, { proxy: 'direct', height: 1250 });
  const adminPage = await newPage(admin);
  await adminPage.goto(`${config.cpUrl}/`);
  await adminPage.fill('#credential', config.adminKey);
  await adminPage.click('#sign-in-form button[type=submit]');
  await adminPage.locator('#who', { hasText: 'signed in as admin' }).waitFor({ timeout: 10000 });
  if (await adminPage.isVisible('#create-form')) throw new Error('the admin is shown the create form');
  await adminPage.locator('#ws-table tbody tr[data-user="carol"][data-name="console"][data-state="RUNNING"]').waitFor({ timeout: 10000 });
  const carolRows = adminPage.locator('#traffic-table tbody tr[data-user="carol"]');
  await carolRows.first().waitFor({ timeout: 20000 });
  const before = await carolRows.count();
  // New traffic shows up without a reload: carol keeps working.
  await tab.reload({ waitUntil: 'domcontentloaded' });
  await until('new traffic rows without a reload', async () => (await carolRows.count()) > before, 20000);
  await adminPage.fill('#filter-user', 'carol');
  await adminPage.selectOption('#filter-status', '2');
  const visible = await adminPage.$$eval('#traffic-table tbody tr:not([hidden])', (rows) => rows.map((r) => [r.dataset.user, r.dataset.status]));
  if (visible.length === 0 || visible.some(([u, s]) => u !== 'carol' || !s.startsWith('2'))) {
    throw new Error(`filter user=carol status=2xx shows ${JSON.stringify(visible.slice(0, 5))}`);
  }
  const hostPaths = await adminPage.$$eval('#traffic-table tbody tr:not([hidden]) td.path', (cells) => cells.map((c) => c.textContent));
  if (!hostPaths.some((p) => p.startsWith(`console.carol.${config.domain}/`))) throw new Error('no row names carol\'s workspace host');
  // Every row names the workspace as user/name, also rows that arrived before the workspace list.
  const workspaces = await adminPage.$$eval('#traffic-table tbody tr:not([hidden]) td.workspace', (cells) => cells.map((c) => c.textContent));
  if (workspaces.some((w) => w !== 'carol/console')) throw new Error(`traffic rows name workspaces ${JSON.stringify([...new Set(workspaces)])}`);
  t.note(`${await carolRows.count()} traffic rows for carol, live`);
  await adminPage.fill('#filter-user', '');
  await adminPage.selectOption('#filter-status', '');
  await adminPage.screenshot({ path: path.join(config.artifacts, `${t.name}.admin.png`) });
  await adminPage.selectOption('#filter-status', 'refused');
  const refusedRows = await adminPage.$$eval('#traffic-table tbody tr:not([hidden])', (rows) => rows.map((r) => r.className));
  if (refusedRows.length === 0 || refusedRows.some((c) => c !== 'refused')) throw new Error(`the refused filter shows ${refusedRows.length} rows, not all refused`);
  await adminPage.screenshot({ path: path.join(config.artifacts, `${t.name}.admin-refused.png`) });
  await adminPage.selectOption('#filter-status', '');

  // The admin stops carol's workspace from the admin view (and is offered no Open); carol's console
  // sees it stopped.
  const adminRow = adminPage.locator('#ws-table tbody tr[data-user="carol"][data-name="console"]');
  if (await adminRow.locator('button[data-action="open"]').count() > 0) throw new Error('the admin is offered Open');
  // The table refreshes every 2 s; a refresh keeps the row's buttons (a press whose button is
  // replaced between mouse down and mouse up is no click, for a person as for this test).
  const stopButton = await adminRow.locator('button[data-action="stop"]').elementHandle();
  await adminPage.waitForTimeout(2500);
  if (!await stopButton.evaluate((b) => b.isConnected)) throw new Error('a refresh of the workspace table replaced the Stop button');
  await stopButton.click();
  await adminPage.locator('#ws-table tbody tr[data-user="carol"][data-name="console"][data-state="STOPPED"]').waitFor({ timeout: 60000 });
  await adminRow.locator('button[data-action="start"]').waitFor({ timeout: 10000 });
  await page.locator('#ws-table tbody tr[data-name="console"][data-state="STOPPED"]').waitFor({ timeout: 10000 });
  t.note('the admin stopped it');

  // Start, stop and delete from carol's console, back in its tab (Open put the workspace's tab in front).
  await page.bringToFront();
  await page.locator('#ws-table tbody tr[data-name="console"] button[data-action="start"]').click();
  await page.locator('#ws-table tbody tr[data-name="console"][data-state="RUNNING"]').waitFor({ timeout: 120000 });
  await row.locator('button[data-action="stop"]').click();
  await page.locator('#ws-table tbody tr[data-name="console"][data-state="STOPPED"]').waitFor({ timeout: 60000 });
  page.once('dialog', (d) => d.accept());
  await page.locator('#ws-table tbody tr[data-name="console"] button[data-action="delete"]').click();
  await page.locator('#ws-empty').waitFor({ timeout: 60000 });
  t.note('started, stopped, deleted');
});

// Signs a person in to the console through the test's OpenID provider (its own login form) and returns
// once the console shows them signed in.
async function signInWithProvider(page, login) {
  await page.goto(`${config.cpUrl}/`);
  await page.locator('#oidc-link').waitFor({ timeout: 10000 });
  await page.click('#oidc-link');
  await page.waitForURL((u) => u.origin === config.oidcIssuer, { timeout: 15000 });
  await page.fill('input[name="login"]', login);
  await page.fill('input[name="password"]', 'any password');
  await page.click('button[type="submit"]');
  // Codermon asks for offline_access (a refresh token for its periodic re-check) with prompt=consent, so
  // the provider shows its consent page once the login is done: Continue there.
  const consent = page.locator('button[type="submit"]', { hasText: 'Continue' });
  const inConsole = (u) => u.href.startsWith(`${config.cpUrl}/`);
  const landed = await Promise.race([
    page.waitForURL(inConsole, { timeout: 20000 }).then(() => 'console', () => null),
    consent.waitFor({ timeout: 20000 }).then(() => 'consent', () => null),
  ]);
  if (landed === 'consent') {
    await consent.click();
  }
  await page.waitForURL((u) => u.href.startsWith(`${config.cpUrl}/`), { timeout: 20000 });
  await page.locator('#who', { hasText: `signed in as ${login} (user)` }).waitFor({ timeout: 10000 });
}

// Calls the API from the console page the way the console does: its session cookie and CSRF value.
async function fromConsole(page, method, urlPath) {
  return page.evaluate(async ([m, p]) => {
    const session = await (await fetch('/api/session')).json();
    const res = await fetch(p, { method: m, headers: { 'X-Codermon-CSRF': session.csrf } });
    return { status: res.status, body: await res.text() };
  }, [method, urlPath]);
}

// Clicks Open like openFromConsole. Here Chromium sometimes sends the new tab's navigation to the sign-in
// link without Sec-Fetch-User (seen only after a sign-in through the provider; the cause is not known
// yet), and the proxy then asks first instead of redeeming the link: the test closes that tab and clicks
// Open again, at most twice, and says so.
async function openPastConsent(t, context, row, origin) {
  let retriedBlank = false;
  for (let attempt = 1; ; attempt++) {
    const failures = [];
    const onFailed = (r) => { if (r.failure()) failures.push(`${r.failure().errorText} ${r.url().replace(/token=[^&]*/, 'token=…')}`); };
    context.on('requestfailed', onFailed);
    const consolePage = t.page;
    const [tab] = await Promise.all([context.waitForEvent('page', { timeout: 15000 }),
      row.locator('button[data-action="open"]').click()]);
    t.page = tab;
    const outcome = await Promise.race([
      // Each side settles without rejecting: the other keeps waiting after the race and must not throw.
      tab.waitForURL((u) => u.origin === origin && !u.search.includes('token='), { timeout: 60000 })
        .then(() => 'ide', () => 'timeout'),
      tab.locator('h1', { hasText: 'Sign in to a Codermon workspace?' }).waitFor({ timeout: 60000 })
        .then(() => 'asked', () => 'timeout'),
    ]);
    context.off('requestfailed', onFailed);
    if (outcome === 'ide') return tab;
    const consoleError = consolePage && !consolePage.isClosed()
      ? await consolePage.textContent('#ws-error').catch(() => '') : '';
    if (outcome === 'timeout' && !retriedBlank && (tab.isClosed() || tab.url() === 'about:blank')) {
      // The console closes its tab when its calls fail; Chromium fails them with ERR_NETWORK_CHANGED
      // while Docker adds the new workspace's network interface. A person clicks Open again: so does this.
      retriedBlank = true;
      t.note(`Open clicked again: the console's tab never left about:blank (console says ${JSON.stringify(consoleError)};`
        + ` failed requests ${JSON.stringify(failures.slice(0, 3))})`);
      if (!tab.isClosed()) await tab.close();
      t.page = consolePage;
      continue;
    }
    if (outcome === 'timeout') {
      throw new Error(`the tab Open made did not reach ${origin} (it is at ${tab.isClosed() ? 'a closed tab' : tab.url().replace(/token=[^&]*/, 'token=…')};`
        + ` console says ${JSON.stringify(consoleError)}; failed requests ${JSON.stringify(failures.slice(0, 5))})`);
    }
    if (attempt === 3) throw new Error('the proxy asked before redeeming the sign-in link three times');
    t.note(`Open ${attempt}: the proxy asked first (no Sec-Fetch-User); Open clicked again`);
    await tab.close();
  }
}

test('oidc-sign-in-open-own-traffic-and-sign-out', async (t) => {
  const user = await launch(t, { proxy: 'pac', trustCa: true });
  const page = t.page = await newPage(user);
  await signInWithProvider(page, 'olivia');
  t.note('signed in at the provider\'s login form, back in the console as olivia (user)');
  await page.fill('#ws-name', 'sso');
  await page.click('#create');
  const row = page.locator('#ws-table tbody tr[data-name="sso"]');
  await page.locator('#ws-table tbody tr[data-name="sso"][data-state="RUNNING"]').waitFor({ timeout: 120000 });
  await page.locator('#https-status.ok').waitFor({ timeout: 20000 }).catch(async () => {
    throw new Error(`the console says: ${await page.textContent('#https-status')}`);
  });
  const origin = `https://sso.olivia.${config.domain}`;
  const tab = await openPastConsent(t, user, row, origin);
  await expectWorkbench(tab, t, 'new tab: ');
  t.note('Open: a working workbench');
  // Her own traffic arrives in her console, and the row says why the workspace is alive.
  await page.bringToFront();
  t.page = page;
  await page.locator('#traffic-table tbody tr[data-user="olivia"]').first().waitFor({ timeout: 20000 });
  const others = await page.$$eval('#traffic-table tbody tr', (rows) => rows.map((r) => r.dataset.user).filter((u) => u !== 'olivia'));
  if (others.length) throw new Error(`olivia's console shows traffic of ${JSON.stringify([...new Set(others)])}`);
  await row.locator('td.alive', { hasText: 'idle stop in' }).waitFor({ timeout: 10000 });
  // With the workbench open, the proxy holds at least one WebSocket of hers (published every 2 s).
  await row.locator('td.alive', { hasText: /[1-9]\d* WebSockets?/ }).waitFor({ timeout: 15000 }).catch(async () => {
    throw new Error(`with the workbench open the console says: ${await row.locator('td.alive').textContent()}`);
  });
  const alive = (await row.locator('td.alive').textContent()).trim();
  const why = await row.locator('td.alive').getAttribute('title');
  if (!/real traffic \d+ s ago/.test(why || '')) throw new Error(`why alive says ${why}`);
  await page.screenshot({ path: path.join(config.artifacts, `${t.name}.console.png`) });
  t.note(`own traffic live; the row says "${alive}"; why alive: ${why}`);
  // A personal token from the console works with the API (a script's view).
  await page.fill('#token-name', 'browser test');
  await page.fill('#token-ttl', '30m');
  await page.click('#token-form button[type=submit]');
  await page.locator('#token-new:not([hidden])').waitFor({ timeout: 10000 });
  const personal = (await page.textContent('#token-value')).trim();
  await page.locator('#token-table tbody tr', { hasText: 'browser test' }).waitFor({ timeout: 10000 });
  const me = await fetch(`${config.cpUrl}/api/me`, { headers: { Authorization: `Bearer ${personal}` } });
  if (me.status !== 200) throw new Error(`the personal token got ${me.status} from /api/me: ${await me.text()}`);
  // Sign out: every token and session of hers ends; the workbench's next request is refused.
  const offset = accessLogSize();
  await page.click('#sign-out');
  await page.locator('#sign-in:not([hidden])').waitFor({ timeout: 10000 });
  const after = await fetch(`${config.cpUrl}/api/me`, { headers: { Authorization: `Bearer ${personal}` } });
  if (after.status !== 401) throw new Error(`the personal token still gets ${after.status} after sign-out`);
  const status = await until('the workbench refused after sign-out', async () => {
    const s = await tab.evaluate(() => fetch('/', { cache: 'no-store' }).then((r) => r.status, (e) => `error ${e.message}`))
      .catch((e) => `page gone: ${String(e.message).split('\n')[0]}`);
    return s !== 200 && s;
  }, 15000);
  const refused = await until('a refusal for the workspace in the access log', () => accessLogSince(offset)
    .find((x) => x.includes(`host=sso.olivia.${config.domain} `) && / status=(403|407|302) /.test(x)), 10000);
  t.note(`signed out: personal token 401, the workbench's next request ${status} (${refused.match(/status=\d+/)[0]})`);
});

test('oidc-another-persons-traffic-refused', async (t) => {
  const alices = await workspaceFor('alice', 'main');
  const browser = await launch(t, { proxy: 'pac' });
  const page = t.page = await newPage(browser);
  await signInWithProvider(page, 'oscar');
  const traffic = await fromConsole(page, 'GET', '/api/traffic?after=0&user=alice');
  if (traffic.status !== 403 || !traffic.body.includes('another person')) {
    throw new Error(`another person's traffic through the console: ${traffic.status} ${traffic.body}`);
  }
  const activity = await fromConsole(page, 'GET', `/api/workspaces/${alices.id}/activity`);
  if (activity.status !== 403 || !activity.body.includes('another person')) {
    throw new Error(`another person's workspace activity through the console: ${activity.status} ${activity.body}`);
  }
  const own = await fromConsole(page, 'GET', '/api/traffic?after=0');
  const entries = JSON.parse(own.body).entries;
  if (own.status !== 200 || entries.some((e) => e.user !== 'oscar')) throw new Error(`own traffic: ${own.status}, users ${JSON.stringify([...new Set(entries.map((e) => e.user))])}`);
  // The same refusal through the API with a personal token of his.
  const created = await fromConsole(page, 'GET', '/api/me/tokens');
  if (created.status !== 200) throw new Error(`listing tokens: ${created.status}`);
  const token = await page.evaluate(async () => {
    const session = await (await fetch('/api/session')).json();
    const res = await fetch('/api/me/tokens', { method: 'POST', headers: { 'X-Codermon-CSRF': session.csrf, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'api check', ttl: '10m' }) });
    return (await res.json()).token;
  });
  const viaApi = await fetch(`${config.cpUrl}/api/traffic?after=0&user=alice`, { headers: { Authorization: `Bearer ${token}` } });
  const body = await viaApi.text();
  if (viaApi.status !== 403 || !body.includes('another person')) throw new Error(`through the API: ${viaApi.status} ${body}`);
  t.note('console and API: 403 "live traffic of another person is theirs alone"; workspace activity 403 too');
});

// Runs a command palette command by its title.
async function runCommand(page, title) {
  // Right after the workbench renders, its keybindings may not be registered yet (it is still
  // restoring editors such as the welcome walkthrough), and a restored editor or a notification can
  // take the focus back and close a palette that just opened: the whole step (F1, type, pick) is tried
  // again, each wait short, until the command is picked.
  const input = page.locator('.quick-input-widget .quick-input-box input:visible').first();
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
  let last = 'the command palette did not open on F1';
  for (let attempt = 1; attempt <= 8; attempt++) {
    await page.keyboard.press('F1');
    if (!await input.waitFor({ timeout: 3000 }).then(() => true, () => false)) continue;
    if (!await input.fill(`>${title}`, { timeout: 5000 }).then(() => true, () => false)) {
      last = 'the command palette closed while its command was typed';
      continue;
    }
    if (!await row.waitFor({ timeout: 15000 }).then(() => true, () => false)) {
      last = `the command palette never listed "${title}"`;
      await page.keyboard.press('Escape');
      continue;
    }
    await page.keyboard.press('Enter');
    return;
  }
  throw new Error(`${last} (8 tries)`);
}

// Creates a terminal in the workbench and runs a command in it that writes a file into the project;
// the explorer then lists the file, which only the workspace's own shell can have made.
async function terminalRuns(page, t) {
  const name = `terminal-${crypto.randomUUID().slice(0, 8)}.txt`;
  // Under load the terminal's backend can fail its first start ("An unknown error occurred"): a person
  // asks for a terminal again, once.
  for (let attempt = 1; ; attempt++) {
    await runCommand(page, 'Terminal: Create New Terminal');
    if (await page.locator('.terminal-wrapper .xterm').first().waitFor({ timeout: 45000 }).then(() => true, () => false)) break;
    if (attempt === 2) throw new Error('no terminal appeared after "Terminal: Create New Terminal", twice');
    t.note('asked for a terminal again: the first never appeared');
  }
  await page.locator('.terminal-wrapper .xterm').first().click();
  // The shell prompt takes a moment; typed keys wait in the pty until then.
  await page.keyboard.type(`echo ran-in-$(hostname) > ${name}`);
  await page.keyboard.press('Enter');
  await page.locator('.explorer-folders-view .monaco-list-row', { hasText: name })
    .waitFor({ timeout: 30000 }).catch(() => { throw new Error(`the terminal's file ${name} never appeared in the explorer`); });
  t.note(`terminal ran a command (${name} in the explorer)`);
}

test('console-open-over-http-terminal-works', async (t) => {
  // A person who signed in to the console and has no proxy password and no trusted CA: Open falls back
  // to an http:// sign-in link. Chromium then opens the workbench's WebSocket as a CONNECT <host>:80
  // without credentials, which must be accepted, with the session cookie authenticating what is inside.
  const token = await tokenFor('dave');
  const ws = await workspaceFor('dave', 'http');
  const user = await launch(t, { proxy: 'pac' });
  const page = t.page = await newPage(user);
  await page.goto(`${config.cpUrl}/`);
  await page.fill('#credential', token);
  await page.click('#sign-in-form button[type=submit]');
  await page.locator('#who', { hasText: 'signed in as dave' }).waitFor({ timeout: 10000 });
  const row = page.locator(`#ws-table tbody tr[data-name="http"][data-state="RUNNING"]`);
  await row.waitFor({ timeout: 60000 });
  await page.locator('#https-status.warn').waitFor({ timeout: 20000 }).catch(async () => {
    throw new Error(`expected the console to fall back to http (no trusted CA), it says: ${await page.textContent('#https-status')}`);
  });
  const offset = accessLogSize();
  const tab = await openFromConsole(t, user, row, `http://${ws.hostname}`);
  await expectWorkbench(tab, t, 'http: ');
  const tunnels = accessLogSince(offset).filter((l) => l.includes('method=CONNECT') && l.includes(`${ws.hostname}:80`));
  if (tunnels.some((l) => / status=407 /.test(l))) throw new Error(`a CONNECT :80 was challenged: ${tunnels.find((l) => / status=407 /.test(l))}`);
  await terminalRuns(tab, t);
  await tab.screenshot({ path: path.join(config.artifacts, `${t.name}.terminal.png`) });
});

test('sign-in-link-from-another-page-asks-first-then-continues', async (t) => {
  // Login CSRF: a page that sends the browser to a sign-in link by script (no click) must not sign it
  // in; the proxy asks first, and the person's Continue on that page signs in (over https, where
  // Chromium sends Sec-Fetch-* and, under the page's referrer policy, a real Origin with the post).
  const ws = await workspaceFor('alice', 'main');
  const context = await launch(t, { proxy: 'none', trustCa: true });
  const page = t.page = await newPage(context);
  const link = await signInLink('alice', ws);
  // The other site's page is answered by the browser itself (Playwright's route): nothing leaves the
  // machine. Its own script moves the browser on load, with no click (page.evaluate would count as one).
  await page.route('http://another-site.test/**', (route) => route.fulfill({
    contentType: 'text/html',
    body: `<!doctype html><title>another site</title><script>location.href = ${JSON.stringify(link.httpsUrl)};</script>`,
  }));
  await page.goto('http://another-site.test/');
  await page.waitForURL((u) => u.hostname === ws.hostname, { waitUntil: 'domcontentloaded', timeout: 60000 });
  const heading = await page.textContent('h1', { timeout: 20000 }).catch(() => null);
  if (heading !== 'Sign in to a Codermon workspace?') {
    throw new Error(`a scripted navigation to the link was not asked about first: ${page.url()} shows ${JSON.stringify(heading)}`);
  }
  if ((await context.cookies(`https://${ws.hostname}/`)).some((c) => c.name.includes('codermon_session'))) {
    throw new Error('a session cookie was set before the person confirmed');
  }
  t.note('asked first');
  await Promise.all([
    page.waitForNavigation({ waitUntil: 'domcontentloaded', timeout: 60000 }),
    page.click('button[type=submit]'),
  ]);
  if (!page.url().startsWith(`https://${ws.hostname}/`) || page.url().includes('__codermon')) {
    throw new Error(`Continue did not sign in: ${page.url()} says ${JSON.stringify((await page.textContent('body')).slice(0, 200))}`);
  }
  await expectWorkbench(page, t, 'after Continue: ');
});

test('https-webview-loads', async (t) => {
  // Over https with the local CA trusted the workbench is a secure context: a webview (the built-in
  // Markdown preview) renders the README inside its nested frames.
  const ws = await workspaceFor('alice', 'main');
  const context = await launch(t, { proxy: 'none', trustCa: true });
  const page = t.page = await newPage(context);
  const link = await signInLink('alice', ws);
  await page.goto(link.httpsUrl, { waitUntil: 'domcontentloaded', timeout: 60000 });
  await expectWorkbench(page, t, 'https: ');
  await openReadme(page);
  await runCommand(page, 'Markdown: Open Preview to the Side');
  const rendered = await until('the Markdown preview webview to render the README', async () => {
    for (const frame of page.frames()) {
      if (frame === page.mainFrame()) continue;
      const text = await frame.evaluate(() => document.body && document.body.innerText).catch(() => '');
      if (text && text.includes(WELCOME)) return frame.url();
    }
    return null;
  }, 60000);
  t.note(`webview rendered (${new URL(rendered).pathname.split('/').slice(-2).join('/')})`);
  await page.screenshot({ path: path.join(config.artifacts, `${t.name}.webview.png`) });
});

test('foreign-page-cannot-open-workspace-websocket', async (t) => {
  const ws = await workspaceFor('alice', 'main');
  const probe = `/?reconnectionToken=${crypto.randomUUID()}&reconnection=false&skipWebSocketFrames=false`;
  // The page any site could serve: it tries the workspace's WebSocket, ws:// and wss://.
  const script = `
    window.results = {};
    for (const scheme of SCHEMES) {
      const r = window.results[scheme] = { opened: false, closed: false };
      const s = new WebSocket(scheme + '://${ws.hostname}${probe}');
      s.onopen = () => { r.opened = true; s.close(); };
      s.onclose = (e) => { r.closed = true; r.code = e.code; };
    }
    0;`;
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end(`<!doctype html><title>not a workspace</title><script>const SCHEMES = ['ws', 'wss'];${script}</script>`);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  t.cleanups.push(() => new Promise((r) => server.close(r)));
  const foreignOrigin = `http://127.0.0.1:${server.address().port}`;

  // Alice's browser holds her proxy credentials and trusts the CA: the only thing that can stop
  // the foreign page is the proxy's Origin check.
  const context = await launch(t, { proxy: 'credentials', user: 'alice', trustCa: true });
  const own = await newPage(context);
  t.page = own;
  // Control: the same script on the workspace's own pages opens both sockets.
  for (const [url, scheme] of [[`http://${ws.hostname}/`, 'ws'], [`https://${ws.hostname}/`, 'wss']]) {
    await own.goto(url, { waitUntil: 'domcontentloaded', timeout: 60000 });
    await own.evaluate(`const SCHEMES = ['${scheme}'];${script}`);
    const r = await until(`${scheme} from ${url}`, () => own.evaluate((s) => window.results[s].opened && window.results[s], scheme), 20000)
      .catch(() => { throw new Error(`control failed: the workspace's own page could not open ${scheme}://`); });
    if (!r.opened) throw new Error(`control failed: ${scheme} did not open`);
  }
  const offset = accessLogSize();
  const page = t.page = await context.newPage();
  await page.goto(`${foreignOrigin}/`);
  const results = await until('both foreign WebSockets to settle', () => page.evaluate(() =>
    window.results.ws.closed && window.results.wss.closed && window.results), 20000);
  for (const scheme of ['ws', 'wss']) {
    if (results[scheme].opened) throw new Error(`the foreign page opened ${scheme}://${ws.hostname}`);
  }
  const refusals = await until('the proxy to log its Origin refusals', () => {
    const lines = accessLogSince(offset).filter((l) => l.includes(`host=${ws.hostname}`) && l.includes(ORIGIN_REFUSAL));
    return lines.length >= 2 && lines;
  }, 10000);
  const codes = refusals.map((l) => (/ status=(\d+)/.exec(l) || [])[1]);
  if (codes.some((c) => c !== '403')) throw new Error(`refusals answered ${codes.join(',')}, not 403`);
  t.note(`ws and wss refused (${refusals.length} x 403 "${ORIGIN_REFUSAL}"), close codes ${results.ws.code}/${results.wss.code}`);
});

// ---------------------------------------------------------------- runner

async function run(entry) {
  const lines = [];
  const t = {
    name: entry.name,
    page: null,
    notes: [],
    cleanups: [],
    note: (s) => t.notes.push(s),
    watch: (p) => {
      p.on('console', (m) => lines.push(`[${new Date().toISOString()}] ${p.url()} ${m.type()}: ${m.text()}`));
      p.on('pageerror', (e) => lines.push(`[${new Date().toISOString()}] ${p.url()} pageerror: ${e.message}`));
      p.on('requestfailed', (r) => lines.push(`[${new Date().toISOString()}] request failed: ${r.method()} ${r.url()} ${r.failure() && r.failure().errorText}`));
    },
  };
  const shot = path.join(config.artifacts, `${entry.name}.png`);
  let error = null;
  try {
    await Promise.race([
      entry.fn(t),
      new Promise((_, reject) => setTimeout(() => reject(new Error('test took longer than 300 s')), 300000)),
    ]);
  } catch (e) {
    error = e;
  }
  if (t.page) await t.page.screenshot({ path: shot, timeout: 10000 }).catch(() => {});
  if (error) fs.writeFileSync(path.join(config.artifacts, `${entry.name}.console.log`), lines.join('\n') + '\n');
  for (const c of t.cleanups.reverse()) await Promise.resolve().then(c).catch(() => {});
  if (error) {
    // Playwright's first line says only "locator.waitFor: Timeout"; the call log names the locator.
    const message = String(error.message || error).split('\n');
    const waiting = message.find((l) => /waiting for /.test(l));
    const where = waiting ? ` [${waiting.trim().replace(/^- /, '')}]` : '';
    const done = t.notes.length ? ` (after: ${t.notes.join('; ')})` : '';
    console.log(`FAIL ${entry.name}: ${message[0]}${where}${done}`);
  } else {
    console.log(`PASS ${entry.name}${t.notes.length ? ` (${t.notes.join('; ')})` : ''}`);
  }
  return !error;
}

async function main() {
  fs.mkdirSync(config.artifacts, { recursive: true });
  const chosen = only.length ? tests.filter((x) => only.includes(x.name)) : tests;
  if (only.length && chosen.length !== only.length) {
    console.error(`unknown test; there are: ${tests.map((x) => x.name).join(', ')}`);
    process.exit(2);
  }
  let passed = 0;
  let failed = 0;
  for (const entry of chosen) {
    if (await run(entry)) passed++; else failed++;
  }
  for (const ws of workspaces) {
    await api('DELETE', `/api/workspaces/${ws.id}`, await tokenFor(ws.user)).catch((e) => console.error(`cleanup: ${e.message}`));
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.log(`FAIL runner: ${e.stack || e}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
});
