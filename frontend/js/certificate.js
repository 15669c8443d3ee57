// A printable certificate (?award=): the call, the award and its category, the entry's title
// and reference, the names of the entrant and their team, and the date the results were
// published. The entrant and the call's organisers can open it once the results are out.
import { get, ApiError, showAlert } from './api.js';
import { loginUrl } from './nav.js';
import { el } from './organiser-nav.js';

const byId = (id) => document.getElementById(id);
const awardId = new URLSearchParams(location.search).get('award');
const longDate = new Intl.DateTimeFormat(undefined, { dateStyle: 'long', timeZone: 'UTC' });
const names = new Intl.ListFormat(undefined, { style: 'long', type: 'conjunction' });

function fail(message, link = null) {
  byId('page-loading').textContent = '';
  showAlert(byId('page-alert'), [message]);
  if (link) byId('page-alert').lastElementChild.append(' ', el('a', { href: link[0], text: link[1] }));
}

function render(cert) {
  document.title = `Certificate · ${cert.tier_label} · ${cert.challenge_title} · OpenCall`;
  byId('cert-names').textContent = cert.names.length ? names.format(cert.names) : 'The entrants';
  byId('cert-award').textContent = cert.tier_label;
  const category = byId('cert-category');
  category.textContent = cert.category ? `in the category ${cert.category}` : '';
  category.hidden = !cert.category;
  byId('cert-entry-title').textContent = `“${cert.title || 'Untitled entry'}”`;
  byId('cert-reference').textContent = cert.reference ? `(${cert.reference})` : '';
  byId('cert-call').textContent = cert.challenge_title;
  const date = byId('cert-date');
  date.dateTime = cert.date;
  const day = new Date(`${cert.date}T00:00:00Z`);
  date.textContent = Number.isNaN(day.getTime()) ? cert.date : longDate.format(day);
}

async function load() {
  byId('page-retry').hidden = true;
  showAlert(byId('page-alert'), []);
  byId('page-loading').textContent = 'Loading the certificate…';
  let cert;
  try {
    cert = await get(`/awards/${encodeURIComponent(awardId)}/certificate`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      location.replace(loginUrl());
      return;
    }
    if (error instanceof ApiError && error.status === 404) {
      fail('There is no certificate for you at this address. Certificates open to the entrant and the organisers once the results are published; check the link, or that you are logged in with the account that submitted the entry.',
        ['/my-entries.html', 'See your entries.']);
    } else {
      fail(`The certificate could not be loaded. ${error.message}`);
      byId('page-retry').hidden = false;
    }
    return;
  }
  render(cert);
  byId('page-loading').remove();
  byId('page-retry').remove();
  byId('page-body').hidden = false;
}

byId('print-button').addEventListener('click', () => window.print());

if (!awardId || !/^\d+$/.test(awardId)) {
  fail('This address does not say which award’s certificate to open.', ['/my-entries.html', 'See your entries.']);
} else {
  byId('page-retry').querySelector('button').addEventListener('click', load);
  load();
}
