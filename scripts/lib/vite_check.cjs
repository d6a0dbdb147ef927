// Opens a Vite dev server's app host through the Codermon proxy in headless Chromium and checks that
// the page loads, that Vite's hot-reload WebSocket connects, and that an edit reaches the page.
//
// usage: node vite_check.cjs <app url> <proxy> <user> <password> <main.js to edit> <screenshot.png>
// env:   PLAYWRIGHT_DIR (where node_modules/playwright-core is), CHROMIUM (default /usr/bin/chromium)
const path = require('path');
const fs = require('fs');
const { chromium } = require(path.join(process.env.PLAYWRIGHT_DIR || '.', 'node_modules', 'playwright-core'));

async function main() {
  const [url, proxy, username, password, mainJs, shot] = process.argv.slice(2);
  const userDataDir = fs.mkdtempSync('/tmp/codermon-chromium-');
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    proxy: { server: proxy, username, password },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] || await context.newPage();
  const consoleLines = [];
  page.on('console', (m) => consoleLines.push(m.text()));
  const sockets = [];
  page.on('websocket', (s) => sockets.push(s.url()));
  let ok = true;
  const check = (name, pass, detail) => {
    ok = ok && pass;
    console.log(`${pass ? 'PASS' : 'FAIL'} ${name}${detail ? ': ' + detail : ''}`);
  };
  const original = fs.readFileSync(mainJs, 'utf8');
  try {
    const response = await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60000 });
    check('Vite page answers through the proxy', response && response.status() === 200,
      `status ${response && response.status()}`);
    await page.waitForFunction(() => document.querySelector('#message').textContent === 'hello from vite',
      null, { timeout: 30000 });
    check('Vite module script ran', true);
    const deadline = Date.now() + 20000;
    while (!consoleLines.some((l) => l.includes('[vite] connected')) && Date.now() < deadline) {
      await page.waitForTimeout(200);
    }
    const host = new URL(url).host;
    check('hot-reload WebSocket connected', consoleLines.some((l) => l.includes('[vite] connected')),
      `${sockets.join(' ') || 'no websocket'}`);
    check('hot-reload WebSocket goes to the app host', sockets.some((s) => new URL(s).host === host),
      sockets.join(' '));
    fs.writeFileSync(mainJs, original.replace('hello from vite', 'edited while running'));
    await page.waitForFunction(() => document.querySelector('#message').textContent === 'edited while running',
      null, { timeout: 30000 });
    check('an edit reaches the open page (hot reload)', true);
  } catch (e) {
    check('Vite app works in Chromium', false, e.message.split('\n')[0] + ' | console: ' + consoleLines.join(' | '));
  } finally {
    fs.writeFileSync(mainJs, original);
    await page.screenshot({ path: shot }).catch(() => {});
    await context.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
  process.exit(ok ? 0 : 1);
}
main();
