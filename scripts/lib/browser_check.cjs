// Opens a workspace through the Codermon proxy in headless Chromium, as a person would, and checks
// that the code-server workbench loads completely.
//
// usage: node browser_check.cjs <orchestrator.json> <screenshot.png>
// env:   PLAYWRIGHT_DIR (where node_modules/playwright-core is), CHROMIUM (default /usr/bin/chromium)
const path = require('path');
const fs = require('fs');
const { chromium } = require(path.join(process.env.PLAYWRIGHT_DIR || '.', 'node_modules', 'playwright-core'));

async function main() {
  const [wsFile, shot] = process.argv.slice(2);
  const ws = JSON.parse(fs.readFileSync(wsFile, 'utf8'));
  const userDataDir = fs.mkdtempSync('/tmp/codermon-chromium-');
  const consoleLines = [];
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    proxy: { server: ws.proxy, username: ws.proxyUsername, password: ws.proxyPassword },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 800 },
  });
  const page = context.pages()[0] || await context.newPage();
  page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  const sockets = [];
  page.on('websocket', (s) => sockets.push(s.url()));
  const results = [];
  const check = (name, ok, detail) => {
    results.push(ok);
    console.log(`${ok ? 'PASS' : 'FAIL'} ${name}${detail ? ': ' + detail : ''}`);
  };
  try {
    const response = await page.goto(ws.url, { waitUntil: 'domcontentloaded', timeout: 60000 });
    check('workspace page answers through the proxy', response && response.status() === 200,
      `status ${response && response.status()}`);
    await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
    check('workbench renders', true);
    await page.waitForSelector('.part.statusbar', { timeout: 60000 });
    await page.waitForSelector('.explorer-folders-view, .explorer-viewlet, .pane-header', { timeout: 60000 });
    check('explorer and status bar render', true);
    await page.waitForTimeout(3000);
    const reconnect = await page.$('text=/Attempting to reconnect|Cannot reconnect|disconnected/i');
    check('WebSocket to code-server connected', sockets.length > 0 && !reconnect,
      `${sockets.length} websocket(s)${reconnect ? ', reconnect dialog shown' : ''}`);
  } catch (e) {
    check('workbench loads', false, e.message.split('\n')[0]);
  } finally {
    await page.screenshot({ path: shot }).catch(() => {});
    if (results.includes(false)) {
      fs.writeFileSync(shot.replace(/\.png$/, '') + '.console.log', consoleLines.join('\n'));
    }
    await context.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
  process.exit(results.includes(false) ? 1 : 0);
}
main();
