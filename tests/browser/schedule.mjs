// Browser proof of the candidate's scheduling page, as a candidate in Paris
// with a French browser sees it: the link from createSchedulingLink opens
// at GET /schedule/<token>, shows the free times in French on the Paris
// clock, answers a time taken meanwhile with fresh times, books one (the
// recruiter then sees the interview at that time), and cancels it. The page
// never talks to a non-loopback host.
//
// Usage: RECRUITMAIL_URL=http://127.0.0.1:PORT RECRUITMAIL_TOKEN=rm_… [SCHEDULE_SCREENSHOT=out.png] node schedule.mjs
// Prints "1 passed, 0 failed" on success; otherwise the reason and
// "0 passed, 1 failed", exiting non-zero.

import { api, applicant, candidateBrowser, hiring, onServer, requireServer } from './candidate_pages.mjs';
import { prove } from './chromium.mjs';

const TIMEOUT_MS = 60_000;
const ZONE = 'Europe/Paris';

/** A candidate's application and a link for it with the admin on the panel. */
async function linkFor(email, position, admin, from, to) {
  const { candidate, applications } = await applicant({ firstName: 'Zoé', lastName: 'Martin', email }, [position]);
  const created = (await api(
    `mutation($i: CreateSchedulingLinkInput!) { createSchedulingLink(input: $i) { token url } }`,
    { i: { applicationId: applications[0], participantIds: [admin], durationMinutes: 45, from, to, expiresAt: to, location: "Acme, 12 rue de la Paix, Paris" } },
  )).createSchedulingLink;
  return { ...created, candidate };
}

async function interviewsOf(candidate) {
  const data = await api(
    `query($c: ID!) { interviews(first: 10, filter: { candidateId: $c }) { nodes { startsAt status timeZone } } }`,
    { c: candidate },
  );
  return data.interviews.nodes;
}

function paris(instant, options) {
  return new Intl.DateTimeFormat('fr-FR', { timeZone: ZONE, ...options }).format(new Date(instant));
}

async function run() {
  requireServer();
  const admin = (await api('{ viewer { user { id } } }')).viewer.user.id;
  const { positions: [position] } = await hiring('Acme Paris', 'Engineering', ['Ingénieure backend']);
  const from = new Date(Date.now() + 60_000).toISOString();
  const to = new Date(Date.now() + 14 * 86_400_000).toISOString();
  const link = await linkFor('zoe.martin@example.com', position, admin, from, to);
  const rival = await linkFor('rival@example.com', position, admin, from, to);
  if (!link.url.endsWith(`/schedule/${link.token}`)) throw new Error(`unexpected link URL ${link.url}`);

  const { page, violations } = await candidateBrowser({ locale: 'fr-FR', timezoneId: ZONE });
  const pageUrl = onServer(link.url);
  const response = await page.goto(pageUrl, { waitUntil: 'load' });
  if (!response || !response.ok()) throw new Error(`GET ${pageUrl} answered ${response?.status()}`);
  await page.waitForSelector('button.slot', { timeout: TIMEOUT_MS / 3 });
  const title = await page.textContent('#title');
  if (title !== 'Entretien : Ingénieure backend') throw new Error(`title ${JSON.stringify(title)}`);

  // The times shown are the link's slots on the Paris clock, in French.
  const view = (await api(
    `query($t: String!) { schedulingLink(token: $t, timeZone: "${ZONE}") { slots { startsAt } } }`,
    { t: link.token },
    { bearer: null },
  )).schedulingLink;
  const starts = await page.$$eval('button.slot', (buttons) => buttons.map((b) => b.dataset.start));
  if (starts.length !== view.slots.length || starts[0] !== view.slots[0].startsAt) {
    throw new Error(`page shows ${starts.length} slots from ${starts[0]}, API ${view.slots.length} from ${view.slots[0]?.startsAt}`);
  }
  const firstText = await page.textContent('button.slot');
  if (firstText !== paris(starts[0], { timeStyle: 'short' })) throw new Error(`first slot reads ${firstText}`);
  const firstDay = await page.textContent('#days h2');
  if (firstDay !== paris(starts[0], { dateStyle: 'full' })) throw new Error(`first day reads ${firstDay}`);

  // Another candidate takes the first time while this page is open: the
  // page says so and offers the times left.
  await api(
    `mutation($i: BookInterviewSlotInput!) { bookInterviewSlot(input: $i) { booking { startsAt } } }`,
    { i: { token: rival.token, startsAt: starts[0], timeZone: ZONE } },
    { bearer: null },
  );
  await page.click(`button.slot[data-start="${starts[0]}"]`);
  await page.click('#confirm-yes');
  await page.waitForSelector('#notice.error:not([hidden])');
  const taken = await page.textContent('#notice');
  if (!taken.includes('vient d’être pris')) throw new Error(`conflict notice ${JSON.stringify(taken)}`);
  if (await page.$(`button.slot[data-start="${starts[0]}"]`)) throw new Error('the taken time is still offered');

  // Booking the next time: the recruiter sees it, on the candidate's clock.
  const chosen = await page.$eval('button.slot', (b) => b.dataset.start);
  await page.click(`button.slot[data-start="${chosen}"]`);
  const question = await page.textContent('#confirm-text');
  if (!question.includes(paris(chosen, { dateStyle: 'full', timeStyle: 'short' }))) {
    throw new Error(`confirmation reads ${JSON.stringify(question)}`);
  }
  await page.click('#confirm-yes');
  await page.waitForSelector('#booking:not([hidden]) .when');
  if (process.env.SCHEDULE_SCREENSHOT) await page.screenshot({ path: process.env.SCHEDULE_SCREENSHOT, fullPage: true });
  const shown = await page.textContent('#booking .when');
  if (shown !== paris(chosen, { dateStyle: 'full', timeStyle: 'short' })) throw new Error(`booked time reads ${shown}`);
  const booked = await interviewsOf(link.candidate);
  if (booked.length !== 1 || booked[0].startsAt !== chosen || booked[0].status !== 'SCHEDULED' || booked[0].timeZone !== ZONE) {
    throw new Error(`the recruiter sees ${JSON.stringify(booked)}`);
  }

  // Cancelling through the same page.
  await page.click('#cancel');
  await page.click('#confirm-yes');
  await page.waitForFunction(() => document.querySelector('#booking')?.textContent.includes('annulé'));
  const after = await interviewsOf(link.candidate);
  if (after[0]?.status !== 'CANCELLED') throw new Error(`after cancelling: ${JSON.stringify(after)}`);

  if (violations.length > 0) throw new Error(violations.join('; '));
}

await prove(TIMEOUT_MS, run);
