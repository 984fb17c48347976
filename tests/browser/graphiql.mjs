// Browser proof that the GraphiQL playground served at GET /graphql works
// with no internet access: it renders, runs a query against the same server,
// shows the result, and never makes the browser talk to a non-loopback host.
//
// Usage: RECRUITMAIL_URL=http://127.0.0.1:PORT [SCREENSHOT=out.png] node graphiql.mjs
// Uses Debian's Chromium (/usr/bin/chromium); never downloads a browser.
// Prints "1 passed, 0 failed" on success; otherwise the reason and
// "0 passed, 1 failed", exiting non-zero.

import { chromium } from 'playwright-core';

const TIMEOUT_MS = 30_000;
const QUERY = '{ __typename }';
const EXPECTED = '"__typename": "Query"';

const baseUrl = (process.env.RECRUITMAIL_URL ?? '').replace(/\/+$/, '');
const screenshot = process.env.SCREENSHOT;

let browser;

function fail(reason) {
  console.error(`FAIL: ${reason}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

/** Loopback only: 127.0.0.0/8, ::1 and localhost. */
function isLoopback(hostname) {
  return (
    hostname === 'localhost' ||
    hostname === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
  );
}

/** Returns why a request URL leaves the machine, or null if it does not. */
function offMachine(url) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    return `unparsable URL ${url}`;
  }
  // In-page resources (inline fonts, object URLs) never touch the network.
  if (['data:', 'blob:', 'about:'].includes(parsed.protocol)) return null;
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(parsed.protocol)) {
    return `unexpected scheme ${url}`;
  }
  return isLoopback(parsed.hostname) ? null : `non-loopback request ${url}`;
}

/** Text of the CodeMirror editor inside `selector`, or its visible text. */
async function editorText(page, selector) {
  return page.evaluate((sel) => {
    const root = document.querySelector(sel);
    if (!root) return null;
    const cm = root.querySelector('.CodeMirror');
    if (cm && cm.CodeMirror) return cm.CodeMirror.getValue();
    return root.innerText;
  }, selector);
}

async function run() {
  if (!/^https?:\/\//.test(baseUrl)) {
    throw new Error('set RECRUITMAIL_URL, e.g. http://127.0.0.1:8080');
  }
  const target = new URL(baseUrl);
  if (!isLoopback(target.hostname)) {
    throw new Error(`RECRUITMAIL_URL must be a loopback address, got ${baseUrl}`);
  }

  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });

  const requests = [];
  const violations = [];
  page.on('request', (req) => {
    requests.push(`${req.method()} ${req.url()}`);
    const why = offMachine(req.url());
    if (why) violations.push(why);
  });
  page.on('pageerror', (err) => console.error(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') console.error(`console error: ${msg.text()}`);
  });

  try {
    const resp = await page.goto(`${baseUrl}/graphql`, { waitUntil: 'load' });
    if (!resp || !resp.ok()) {
      throw new Error(`GET /graphql answered ${resp ? resp.status() : 'nothing'}`);
    }
    const title = await page.title();
    if (title !== 'recruitmail GraphQL playground') {
      throw new Error(`unexpected page title ${JSON.stringify(title)}`);
    }

    // Replace whatever the editor holds: click into it, select all, type.
    const editor = page.locator('.graphiql-query-editor .CodeMirror');
    await editor.waitFor({ state: 'visible' });
    await editor.click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type(QUERY);
    const typed = (await editorText(page, '.graphiql-query-editor')) ?? '';
    if (typed.trim() !== QUERY) {
      throw new Error(`query editor holds ${JSON.stringify(typed)}, expected ${JSON.stringify(QUERY)}`);
    }

    await page.getByRole('button', { name: /execute query/i }).click();
    await page.waitForFunction(
      ([sel, expected]) => {
        const root = document.querySelector(sel);
        const cm = root && root.querySelector('.CodeMirror');
        const text = cm && cm.CodeMirror ? cm.CodeMirror.getValue() : root ? root.innerText : '';
        return text.includes(expected);
      },
      ['.result-window', EXPECTED],
      { timeout: TIMEOUT_MS },
    );
    console.error(`result pane: ${JSON.stringify(await editorText(page, '.result-window'))}`);
  } finally {
    if (screenshot) {
      await page.screenshot({ path: screenshot }).catch((err) => {
        console.error(`screenshot failed: ${err.message}`);
      });
    }
    console.error(`requests made by the page (${requests.length}):`);
    for (const r of requests) console.error(`  ${r}`);
  }

  if (violations.length > 0) {
    throw new Error(`the page left the machine: ${violations.join('; ')}`);
  }
}

const timer = setTimeout(() => {
  fail(`timed out after ${TIMEOUT_MS / 1000} s`);
}, TIMEOUT_MS);

try {
  await run();
  clearTimeout(timer);
  await browser.close();
  console.log('1 passed, 0 failed');
  process.exit(0);
} catch (err) {
  clearTimeout(timer);
  if (browser) await browser.close().catch(() => {});
  fail(err && err.message ? err.message : String(err));
}
