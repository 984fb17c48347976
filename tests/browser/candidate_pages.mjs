// What the proofs of the candidates' pages (schedule.mjs, privacy.mjs)
// share: the server and admin token from the environment, GraphQL calls as
// that admin, the hiring structure a candidate applies into, and a browser
// page that records every request leaving the machine and every script error.

import { launch, offMachine } from './chromium.mjs';

export const baseUrl = (process.env.RECRUITMAIL_URL ?? '').replace(/\/+$/, '');
const adminToken = process.env.RECRUITMAIL_TOKEN;

/** Throws unless RECRUITMAIL_URL and RECRUITMAIL_TOKEN are set. */
export function requireServer() {
  if (!/^https?:\/\//.test(baseUrl) || !adminToken) throw new Error('set RECRUITMAIL_URL and RECRUITMAIL_TOKEN');
}

/**
 * One GraphQL call, as the admin unless `bearer` is null (anyone). Resolves
 * to its data and throws on errors, or with `raw` to the whole answer.
 */
export async function api(query, variables = {}, { bearer = adminToken, raw = false } = {}) {
  const headers = { 'content-type': 'application/json' };
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (raw) return body;
  if (body.errors) throw new Error(`${query.slice(0, 60)}…: ${JSON.stringify(body.errors)}`);
  return body.data;
}

/** A subsidiary and a category with one position per name; their IDs. */
export async function hiring(subsidiaryName, categoryName, positionNames) {
  const subsidiary = (await api(
    'mutation($n: String!) { createSubsidiary(input: { name: $n }) { subsidiary { id } } }',
    { n: subsidiaryName },
  )).createSubsidiary.subsidiary.id;
  const category = (await api(
    'mutation($n: String!) { createCategory(input: { name: $n }) { category { id } } }',
    { n: categoryName },
  )).createCategory.category.id;
  const positions = [];
  for (const name of positionNames) {
    positions.push((await api(
      `mutation($s: ID!, $c: ID!, $n: String!) { createPosition(input: { subsidiaryId: $s, categoryId: $c, name: $n, hiringManagerIds: [] }) { position { id } } }`,
      { s: subsidiary, c: category, n: name },
    )).createPosition.position.id);
  }
  return { subsidiary, category, positions };
}

/** A new candidate (fields of CreateCandidateInput) and an application to each position. */
export async function applicant(fields, positions) {
  const candidate = (await api(
    'mutation($i: CreateCandidateInput!) { createCandidate(input: $i) { candidate { id } } }',
    { i: fields },
  )).createCandidate.candidate.id;
  const applications = [];
  for (const position of positions) {
    applications.push((await api(
      'mutation($c: ID!, $p: ID!) { createApplication(input: { candidateId: $c, positionId: $p }) { application { id } } }',
      { c: candidate, p: position },
    )).createApplication.application.id);
  }
  return { candidate, applications };
}

/**
 * A page in a new browser context (`contextOptions`: locale, time zone),
 * with `violations` collecting requests off the machine and page errors.
 */
export async function candidateBrowser(contextOptions) {
  const browser = await launch();
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  const violations = [];
  page.on('request', (req) => {
    const why = offMachine(req.url());
    if (why) violations.push(why);
  });
  page.on('pageerror', (err) => violations.push(`page error: ${err.message}`));
  return { page, violations };
}

/** The same path as `link` on the server under test. */
export function onServer(link) {
  return new URL(new URL(link).pathname, baseUrl).toString();
}
