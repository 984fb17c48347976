// What the candidates' pages share, loaded before each page's own script:
// the token from the page's own address, element lookup, one GraphQL call
// to this server without a bearer token, and the status line.
'use strict';

const token = decodeURIComponent(location.pathname.split('/').filter(Boolean).pop() || '');
const $ = (id) => document.getElementById(id);

/**
 * Posts one operation to this server's /graphql; resolves to its data, or
 * throws `{ code, extensions }` of its first error (`NETWORK` when no
 * answer came).
 */
async function call(query, variables) {
  let body;
  try {
    const response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
      body: JSON.stringify({ query, variables }),
    });
    body = await response.json();
  } catch {
    throw { code: 'NETWORK' };
  }
  if (body.errors && body.errors.length) {
    const error = body.errors[0];
    throw { code: error.extensions?.code, extensions: error.extensions || {} };
  }
  return body.data;
}

/** Shows `text` in the status line (as an error when `isError`); empty hides it. */
function notice(text, isError = false) {
  const box = $('notice');
  box.textContent = text;
  box.classList.toggle('error', isError);
  box.hidden = !text;
}
