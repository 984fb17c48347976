// Runs every server audit of graphql-http (the GraphQL over HTTP
// specification's conformance checks) against a real recruitmail binary.
//
// Usage: node audit.mjs path/to/recruitmail
//    or: RECRUITMAIL_URL=http://127.0.0.1:PORT node audit.mjs   (a server already running)
//
// Started here, the binary gets a free loopback port and a throwaway data
// dir, and is stopped on exit. Each audit's result is printed; a MUST that
// fails or a SHOULD that warns fails the run (MAY audits only inform). The
// last line is "N passed, 0 failed" or "N passed, M failed", the closing
// line .ci/run counts.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { serverAudits } from 'graphql-http';

const READY_TIMEOUT_MS = 30_000;

/** A free loopback port: bind port 0, read it, let it go. */
function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

/** Starts the binary; resolves once /healthz answers 200. */
async function start(binary) {
  const dataDir = mkdtempSync(join(tmpdir(), 'recruitmail-audit-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const log = [];
  const child = spawn(resolve(binary), [], {
    env: {
      ...process.env,
      RECRUITMAIL_DATA_DIR: dataDir,
      RECRUITMAIL_LISTEN: `127.0.0.1:${port}`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk) => log.push(chunk));
  child.stderr.on('data', (chunk) => log.push(chunk));
  const stop = () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      stop();
      throw new Error(`recruitmail exited before becoming ready:\n${Buffer.concat(log)}`);
    }
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.status === 200) return { url, stop, log };
    } catch {
      // not listening yet
    }
    await new Promise((ok) => setTimeout(ok, 250));
  }
  stop();
  throw new Error(`recruitmail did not answer /healthz within 30 s:\n${Buffer.concat(log)}`);
}

async function main() {
  let server;
  let base = (process.env.RECRUITMAIL_URL ?? '').replace(/\/+$/, '');
  if (!base) {
    const binary = process.argv[2];
    if (!binary) throw new Error('usage: node audit.mjs path/to/recruitmail (or set RECRUITMAIL_URL)');
    server = await start(binary);
    base = server.url;
  }
  try {
    const audits = serverAudits({ url: `${base}/graphql` });
    let passed = 0;
    let failed = 0;
    const notices = [];
    for (const audit of audits) {
      const result = await audit.fn();
      const line = `${result.status.padEnd(6)} ${result.id} ${result.name}`;
      if (result.status === 'ok') {
        passed += 1;
        console.log(line);
      } else if (result.status === 'notice') {
        notices.push(result);
        console.log(`${line}\n       ${result.reason}`);
      } else {
        failed += 1;
        console.log(`${line}\n       ${result.reason}`);
      }
    }
    console.log(
      `${audits.length} audits: ${passed} ok, ${failed} MUST failures or SHOULD warnings, ` +
        `${notices.length} MAY notices`,
    );
    console.log(`${passed} passed, ${failed} failed`);
    return failed === 0;
  } finally {
    server?.stop();
  }
}

try {
  process.exit((await main()) ? 0 : 1);
} catch (err) {
  console.error(`FAIL: ${err && err.message ? err.message : String(err)}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
