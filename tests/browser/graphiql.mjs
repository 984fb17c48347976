// Browser proof that the GraphiQL playground served at GET /graphql works
// with no internet access, as a person sees it: the schema loads (GraphiQL's
// own introspection query is answered without errors), the Docs explorer
// lists the root fields of Query, typing in the editor offers a field to
// complete, a query runs and shows its result, and the browser never talks to
// a non-loopback host. With RECRUITMAIL_TOKEN, a subscription runs too: the
// page opens a WebSocket on /graphql (graphql-transport-ws), signs in with
// the token of its Authorization header, and shows the server's answer.
//
// Usage: RECRUITMAIL_URL=http://127.0.0.1:PORT [RECRUITMAIL_TOKEN=rm_…] [SCREENSHOT=out.png]
//        [INTROSPECTION_OUT=file.graphql] node graphiql.mjs
// INTROSPECTION_OUT saves the exact introspection query GraphiQL sent (how
// tests/api/fixtures/introspection/graphiql-*.graphql was made).
// Uses Debian's Chromium (/usr/bin/chromium); never downloads a browser.
// Prints "1 passed, 0 failed" on success; otherwise the reason and
// "0 passed, 1 failed", exiting non-zero.

import { writeFileSync } from 'node:fs';
import { isLoopback, launch, offMachine, prove } from './chromium.mjs';

const TIMEOUT_MS = 45_000;
/** Root fields of Query that the Docs explorer must list. */
const ROOT_FIELDS = ['viewer', 'node', 'candidates', 'positions'];
/** Typed into the editor; completion must offer `candidates`. */
const PARTIAL = '{ cand';
const COMPLETED = 'candidates';
/** Run after completion: needs no token, and its answer proves the round trip. */
const QUERY = '{ __type(name: "Candidate") { name kind } }';
const EXPECTED = '"name": "Candidate"';

/** A subscription the server refuses with a VALIDATION error naming the type. */
const SUBSCRIPTION = 'subscription { events(types: ["candidate.teleported"]) { type } }';
const SUBSCRIPTION_EXPECTED = 'is not an event type';
const token = process.env.RECRUITMAIL_TOKEN;

const baseUrl = (process.env.RECRUITMAIL_URL ?? '').replace(/\/+$/, '');
const screenshot = process.env.SCREENSHOT;



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

// Replaces the query editor's text by typing, as a person does: a click in
// the editor, select all, delete, the new text. Under load the completion
// list of an earlier step can still hold the focus for a moment, so it is
// tried again (a few times) until the editor holds exactly `text`.
async function replaceQuery(page, editor, text) {
  let typed = '';
  for (let attempt = 0; attempt < 5; attempt += 1) {
    await page.keyboard.press('Escape');
    await editor.click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(text);
    typed = (await editorText(page, '.graphiql-query-editor')) ?? '';
    if (typed.trim() === text) return typed;
    await page.waitForTimeout(300);
  }
  throw new Error(`query editor holds ${JSON.stringify(typed)}, expected ${JSON.stringify(text)}`);
}

async function run() {
  if (!/^https?:\/\//.test(baseUrl)) {
    throw new Error('set RECRUITMAIL_URL, e.g. http://127.0.0.1:8080');
  }
  const target = new URL(baseUrl);
  if (!isLoopback(target.hostname)) {
    throw new Error(`RECRUITMAIL_URL must be a loopback address, got ${baseUrl}`);
  }

  const browser = await launch();
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });

  const requests = [];
  const violations = [];
  /** The subscription's WebSocket frames, for the log. */
  const frames = [];
  /** GraphiQL's introspection request and the answer it got. */
  let introspection = null;
  page.on('request', (req) => {
    requests.push(`${req.method()} ${req.url()}`);
    const why = offMachine(req.url());
    if (why) violations.push(why);
  });
  page.on('response', async (resp) => {
    const req = resp.request();
    if (req.method() !== 'POST' || !req.url().endsWith('/graphql')) return;
    let sent;
    try {
      sent = JSON.parse(req.postData() ?? '');
    } catch {
      return;
    }
    if (!/__schema/.test(sent.query ?? '')) return;
    let answer = null;
    try {
      answer = await resp.json();
    } catch {
      // reported below as a missing schema
    }
    introspection = { sent, status: resp.status(), answer };
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

    // 1. The schema loads: GraphiQL's introspection is answered in full.
    const deadline = Date.now() + TIMEOUT_MS / 3;
    while (!introspection && Date.now() < deadline) await page.waitForTimeout(100);
    if (!introspection) throw new Error('GraphiQL sent no introspection query');
    const { sent, status, answer } = introspection;
    if (status !== 200 || !answer || answer.errors || answer.data?.__schema?.queryType?.name !== 'Query') {
      throw new Error(`introspection answered ${status}: ${JSON.stringify(answer).slice(0, 500)}`);
    }
    console.error(`introspection: operation ${sent.operationName}, ${answer.data.__schema.types.length} types`);
    if (process.env.INTROSPECTION_OUT) writeFileSync(process.env.INTROSPECTION_OUT, sent.query);

    // 2. The Docs explorer shows Query's root fields.
    await page.locator('.graphiql-sidebar button[aria-label*="Documentation Explorer"]').click();
    const explorer = page.locator('.graphiql-doc-explorer');
    await explorer.waitFor({ state: 'visible' });
    await explorer.locator('a.graphiql-doc-explorer-type-name', { hasText: /^Query$/ }).first().click();
    await explorer
      .locator('.graphiql-doc-explorer-title', { hasText: /^Query$/ })
      .waitFor({ state: 'visible' });
    const fields = await explorer.locator('.graphiql-doc-explorer-field-name').allInnerTexts();
    const missing = ROOT_FIELDS.filter((f) => !fields.includes(f));
    if (missing.length > 0) {
      throw new Error(`the Docs explorer lacks ${missing.join(', ')}; it lists ${JSON.stringify(fields)}`);
    }
    console.error(`Docs explorer: Query has ${fields.length} fields, ${fields.slice(0, 6).join(', ')} …`);

    // 3. Typing offers completions from the schema.
    const editor = page.locator('.graphiql-query-editor .CodeMirror');
    await editor.waitFor({ state: 'visible' });
    await editor.click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Delete');
    await page.keyboard.type(PARTIAL, { delay: 50 });
    const hint = page.locator('.CodeMirror-hints .CodeMirror-hint', { hasText: new RegExp(`^${COMPLETED}$`) });
    await hint.first().waitFor({ state: 'visible', timeout: TIMEOUT_MS / 3 });
    const offered = await page.locator('.CodeMirror-hints .CodeMirror-hint').allInnerTexts();
    console.error(`completions offered for ${JSON.stringify(PARTIAL)}: ${JSON.stringify(offered)}`);
    if (screenshot) {
      await page.screenshot({ path: screenshot.replace(/(\.png)?$/, '-completion.png') });
    }
    await hint.first().click();
    const completed = (await editorText(page, '.graphiql-query-editor')) ?? '';
    if (!completed.includes(`{ ${COMPLETED}`)) {
      throw new Error(`after completion the editor holds ${JSON.stringify(completed)}`);
    }

    // 4. A query runs and its result is shown.
    await replaceQuery(page, editor, QUERY);
    await page.getByRole('button', { name: /execute query/i }).click();
    await page.waitForFunction(
      ([sel, expected]) => {
        const root = document.querySelector(sel);
        const cm = root && root.querySelector('.CodeMirror');
        const text = cm && cm.CodeMirror ? cm.CodeMirror.getValue() : root ? root.innerText : '';
        return text.includes(expected);
      },
      ['.result-window', EXPECTED],
      { timeout: TIMEOUT_MS / 3 },
    );
    // 5. A subscription runs over a WebSocket with the token of the headers.
    if (token) {
      page.on('websocket', (ws) => {
        frames.push(`open ${ws.url()}`);
        ws.on('framesent', (f) =>
          frames.push(`sent ${String(f.payload).replace(token, 'rm_…').slice(0, 120)}`),
        );
        ws.on('framereceived', (f) => frames.push(`received ${String(f.payload).slice(0, 160)}`));
        ws.on('close', () => frames.push('closed'));
      });
      await page.evaluate((value) => {
        const visible = document.querySelector('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror');
        visible.CodeMirror.setValue(value);
      }, JSON.stringify({ Authorization: `Bearer ${token}` }));
      await replaceQuery(page, editor, SUBSCRIPTION);
      await page.getByRole('button', { name: /execute query/i }).click();
      await page.waitForFunction(
        ([sel, expected]) => {
          const root = document.querySelector(sel);
          const cm = root && root.querySelector('.CodeMirror');
          const text = cm && cm.CodeMirror ? cm.CodeMirror.getValue() : root ? root.innerText : '';
          return text.includes(expected);
        },
        ['.result-window', SUBSCRIPTION_EXPECTED],
        { timeout: TIMEOUT_MS / 3 },
      );
      if (!frames.some((f) => f.startsWith('received') && f.includes('connection_ack'))) {
        throw new Error(`the socket was not acknowledged: ${JSON.stringify(frames)}`);
      }
    }
  } finally {
    if (screenshot) {
      await page.screenshot({ path: screenshot }).catch((err) => {
        console.error(`screenshot failed: ${err.message}`);
      });
    }
    if (frames.length > 0) console.error(`subscription frames: ${JSON.stringify(frames)}`);
    console.error(`result pane: ${JSON.stringify(await editorText(page, '.result-window'))}`);
    console.error(`requests made by the page (${requests.length}):`);
    for (const r of requests) console.error(`  ${r}`);
  }

  if (violations.length > 0) {
    throw new Error(`the page left the machine: ${violations.join('; ')}`);
  }
}

await prove(TIMEOUT_MS, run);
