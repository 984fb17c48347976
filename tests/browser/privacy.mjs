// Browser proof of the candidate's privacy page, as a candidate in Berlin
// with a German browser sees it: the link `{{ privacy_link }}` writes into
// their mail opens at GET /privacy/<token> in German, lists their
// applications, withdraws one (the recruiter then sees it withdrawn), asks
// for a copy and for the erasure of their data (the admins then see both
// requests, and mail to the address is refused), and once an admin has
// revoked the link, the same address says the link is not valid. The page
// never talks to a non-loopback host.
//
// Usage: RECRUITMAIL_URL=http://127.0.0.1:PORT RECRUITMAIL_TOKEN=rm_… [PRIVACY_SCREENSHOT=out.png] node privacy.mjs
// Prints "1 passed, 0 failed" on success; otherwise the reason and
// "0 passed, 1 failed", exiting non-zero.

import { api, applicant, baseUrl, candidateBrowser, hiring, onServer, requireServer } from './candidate_pages.mjs';
import { prove } from './chromium.mjs';

const TIMEOUT_MS = 60_000;
const EMAIL = 'juergen.weiss@example.com';

/** The address `{{ privacy_link }}` writes into mail to `candidate`. */
async function privacyLink(candidate) {
  const preview = (await api(
    `query($i: PreviewEmailInput!) { previewEmail(input: $i) { text missingPlaceholders } }`,
    { i: { candidateId: candidate, subject: 'Ihre Daten', body: '<p>Ihre Daten: {{ privacy_link }}</p>' } },
  )).previewEmail;
  if (preview.missingPlaceholders.length) throw new Error(`missing ${preview.missingPlaceholders}`);
  const link = preview.text.split(/\s+/).find((word) => word.includes('/privacy/'));
  if (!link) throw new Error(`no privacy link in ${JSON.stringify(preview.text)}`);
  return link;
}

const ZONE = 'Europe/Berlin';

/** A date as the candidate's page writes it: in German, on the Berlin calendar. */
function germanDay(instant) {
  return new Intl.DateTimeFormat('de-DE', { dateStyle: 'long', timeZone: ZONE }).format(new Date(instant));
}

/** The page's list of applications as the candidate reads it. */
async function applicationLines(page) {
  return page.$$eval('#applications li', (items) => items.map((li) => ({
    id: li.dataset.id,
    text: li.firstChild?.textContent ?? '',
    canWithdraw: Boolean(li.querySelector('button.withdraw')),
  })));
}

async function run() {
  requireServer();
  const company = (await api('{ viewer { company { name } } }')).viewer.company.name;
  const { positions } = await hiring('Acme Berlin', 'Technik', ['Backend-Entwickler', 'Dateningenieur']);
  const { candidate, applications: [first, second] } = await applicant(
    { firstName: 'Jürgen', lastName: 'Weiß', email: EMAIL, preferredLanguage: 'de' },
    positions,
  );
  const link = await privacyLink(candidate);

  const { page, violations } = await candidateBrowser({ locale: 'de-DE', timezoneId: ZONE });
  const pageUrl = onServer(link);
  const response = await page.goto(pageUrl, { waitUntil: 'load' });
  if (!response || !response.ok()) throw new Error(`GET ${pageUrl} answered ${response?.status()}`);
  await page.waitForSelector('#overview:not([hidden]) #applications li');
  const title = await page.textContent('#title');
  if (title !== `Ihre Bewerbungen bei ${company}`) throw new Error(`title ${JSON.stringify(title)}`);
  if (!(await page.textContent('#subtitle')).startsWith('Hallo Jürgen.')) throw new Error('no greeting by name');
  if ((await page.getAttribute('html', 'lang')) !== 'de') throw new Error('the page does not say it is German');

  const listed = await applicationLines(page);
  const expected = [
    { id: first, text: 'Backend-Entwickler — eingegangen', canWithdraw: true },
    { id: second, text: 'Dateningenieur — eingegangen', canWithdraw: true },
  ];
  if (JSON.stringify(listed) !== JSON.stringify(expected)) throw new Error(`applications read ${JSON.stringify(listed)}`);

  // Withdrawing the first: asked to confirm, then told, and the recruiter
  // sees it withdrawn while the second stays as it was.
  await page.click(`#applications li[data-id="${first}"] button.withdraw`);
  const question = await page.textContent('#confirm-text');
  if (!question.includes('Backend-Entwickler')) throw new Error(`withdraw question ${JSON.stringify(question)}`);
  await page.click('#confirm-no');
  await page.waitForSelector('#overview:not([hidden])');
  await page.click(`#applications li[data-id="${first}"] button.withdraw`);
  await page.click('#confirm-yes');
  await page.waitForFunction(() => document.querySelector('#notice')?.textContent.includes('zurückgezogen'));
  const notice = await page.textContent('#notice');
  if (notice !== 'Ihre Bewerbung als Backend-Entwickler wurde zurückgezogen.') throw new Error(`notice ${JSON.stringify(notice)}`);
  const afterWithdraw = await applicationLines(page);
  if (afterWithdraw[0].text !== 'Backend-Entwickler — zurückgezogen' || afterWithdraw[0].canWithdraw) {
    throw new Error(`after withdrawing: ${JSON.stringify(afterWithdraw)}`);
  }
  if (!afterWithdraw[1].canWithdraw) throw new Error('the other application can no longer be withdrawn');
  const statuses = (await api(
    `query($id: ID!) { candidate(id: $id) { applications { id status } } }`,
    { id: candidate },
  )).candidate.applications;
  const statusOf = (id) => statuses.find((a) => a.id === id)?.status;
  if (statusOf(first) !== 'WITHDRAWN' || statusOf(second) !== 'NEW') {
    throw new Error(`the recruiter sees ${JSON.stringify(statuses)}`);
  }

  // Asking for a copy, then for erasure: each is listed with its due date
  // and its button goes away.
  for (const [button, kind, words] of [
    ['#export', 'EXPORT', 'Kopie Ihrer Daten angefordert am'],
    ['#erase', 'ERASURE', 'Löschung Ihrer Daten verlangt am'],
  ]) {
    await page.click(button);
    await page.click('#confirm-yes');
    await page.waitForFunction((w) => [...document.querySelectorAll('#requests li')].some((li) => li.textContent.startsWith(w)), words);
    if ((await page.textContent('#notice')) !== 'Wir haben Ihre Anfrage erhalten.') throw new Error(`no receipt for ${kind}`);
    if (!(await page.isHidden(button))) throw new Error(`${button} still offered after asking`);
    const requests = (await api(
      `query($k: PrivacyRequestKind) { privacyRequests(first: 10, filter: { kind: $k }) { nodes { kind status createdAt dueAt candidate { id } } } }`,
      { k: kind },
    )).privacyRequests.nodes;
    if (requests.length !== 1 || requests[0].status !== 'OPEN' || requests[0].candidate.id !== candidate) {
      throw new Error(`the admins see ${JSON.stringify(requests)}`);
    }
    const line = `${words} ${germanDay(requests[0].createdAt)}; Antwort bis ${germanDay(requests[0].dueAt)}.`;
    const lines = await page.$$eval('#requests li', (items) => items.map((li) => li.textContent));
    if (!lines.includes(line)) throw new Error(`requests read ${JSON.stringify(lines)}, expected ${line}`);
  }

  // The erasure request put the address on the do-not-contact list: mail
  // to it is refused with the reason.
  const listedAddress = (await api(`query($e: String!) { doNotContact(email: $e) { reason } }`, { e: EMAIL })).doNotContact;
  if (listedAddress?.reason !== 'CANDIDATE_REQUEST') throw new Error(`do-not-contact entry ${JSON.stringify(listedAddress)}`);
  const refused = await api(
    `mutation($i: SendEmailInput!) { sendEmail(input: $i) { message { id } } }`,
    { i: { candidateIds: [candidate], subject: 'Hallo', body: '<p>Hallo</p>' } },
    { raw: true },
  );
  const refusal = refused.errors?.[0]?.extensions;
  if (refusal?.code !== 'DO_NOT_CONTACT' || refusal?.reason !== 'CANDIDATE_REQUEST') throw new Error(`send answered ${JSON.stringify(refused)}`);

  if (process.env.PRIVACY_SCREENSHOT) await page.screenshot({ path: process.env.PRIVACY_SCREENSHOT, fullPage: true });

  // An admin revokes the link: the same address now says it is not valid,
  // as a made-up one does.
  await api(`mutation($c: ID!) { revokePrivacyLinks(input: { candidateId: $c }) { candidate { id } } }`, { c: candidate });
  for (const address of [pageUrl, `${baseUrl}/privacy/rmp_1_madeup`]) {
    await page.goto(address, { waitUntil: 'load' });
    await page.waitForSelector('#notice.error:not([hidden])');
    const gone = await page.textContent('#notice');
    if (gone !== 'Dieser Link ist nicht gültig.') throw new Error(`${address} reads ${JSON.stringify(gone)}`);
    if (!(await page.isHidden('#overview'))) throw new Error(`${address} still shows the applications`);
  }
  const fresh = await privacyLink(candidate);
  if (fresh === link) throw new Error('new mail still carries the revoked link');

  if (violations.length > 0) throw new Error(violations.join('; '));
}

await prove(TIMEOUT_MS, run);
