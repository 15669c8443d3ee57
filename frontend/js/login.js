// Log in, then go to ?next= when it is a path on this site, else to the account page.
import { post } from './api.js';
import { bindForm } from './form.js';
import { useCatalogues } from './i18n.js';
import './nav.js';

await useCatalogues('account');

/** `next` if it is a path on this origin ("/x", never "//host" or "/\host"), else null. */
function safeNext(next) {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return null;
  try {
    const url = new URL(next, location.origin);
    return url.origin === location.origin ? url.pathname + url.search + url.hash : null;
  } catch {
    return null;
  }
}

bindForm(document.getElementById('login-form'), async ({ email, password }) => {
  await post('/auth/login', { email, password });
  location.assign(safeNext(new URLSearchParams(location.search).get('next')) ?? '/account.html');
});
