// What the browser proofs share: Debian's Chromium started headless with no
// background traffic, and the rule that a page may talk to loopback only.

import { chromium } from 'playwright-core';

/** Loopback only: 127.0.0.0/8, ::1 and localhost. */
export function isLoopback(hostname) {
  return (
    hostname === 'localhost' ||
    hostname === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
  );
}

/** Returns why a request URL leaves the machine, or null if it does not. */
export function offMachine(url) {
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

/** Browsers launched by this process, closed when the proof ends. */
const launched = [];

/** Debian's Chromium, headless, making no requests of its own. */
export async function launch() {
  const browser = await chromium.launch({
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
  launched.push(browser);
  return browser;
}

function fail(reason) {
  console.error(`FAIL: ${reason}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

/**
 * Runs one proof and ends the process with the runners' closing line:
 * "1 passed, 0 failed", or the reason and "0 passed, 1 failed" (non-zero
 * exit) when it throws or outlasts `timeoutMs`.
 */
export async function prove(timeoutMs, run) {
  const timer = setTimeout(() => fail(`timed out after ${timeoutMs / 1000} s`), timeoutMs);
  const closeAll = () => Promise.all(launched.map((b) => b.close().catch(() => {})));
  try {
    await run();
    clearTimeout(timer);
    await closeAll();
    console.log('1 passed, 0 failed');
    process.exit(0);
  } catch (err) {
    clearTimeout(timer);
    await closeAll();
    fail(err && err.message ? err.message : String(err));
  }
}
