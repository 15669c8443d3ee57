// A printable certificate (?award=): the call, the award and its category, the entry's title
// and reference, the names of the entrant and their team, and the date the results were
// published. The entrant and the call's organisers can open it once the results are out.
import { get, ApiError, showAlert } from './api.js';
import { loginUrl } from './nav.js';
import { el } from './organiser-nav.js';
import { formatList, locale, t, tParts, useCatalogues } from './i18n.js';

await useCatalogues('certificate');

const byId = (id) => document.getElementById(id);
const awardId = new URLSearchParams(location.search).get('award');
const longDate = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' });

function fail(message, link = null) {
  byId('page-loading').textContent = '';
  showAlert(byId('page-alert'), [message]);
  if (link) byId('page-alert').lastElementChild.append(' ', el('a', { href: link[0], text: link[1] }));
}

function render(cert) {
  document.title = t('certificate.title', { award: cert.tier_label, call: cert.challenge_title });
  byId('cert-names').textContent = cert.names.length ? formatList(cert.names) : t('certificate.the_entrants');
  byId('cert-award').textContent = cert.tier_label;
  const category = byId('cert-category');
  category.textContent = cert.category ? t('certificate.in_category', { category: cert.category }) : '';
  category.hidden = !cert.category;
  byId('cert-entry-title').textContent = t('certificate.entry_title', { title: cert.title || t('certificate.untitled') });
  byId('cert-reference').textContent = cert.reference ? t('certificate.reference', { reference: cert.reference }) : '';
  byId('cert-call').textContent = cert.challenge_title;
  const date = document.createElement('time');
  date.id = 'cert-date';
  date.dateTime = cert.date;
  const day = new Date(`${cert.date}T00:00:00Z`);
  date.textContent = Number.isNaN(day.getTime()) ? cert.date : longDate.format(day);
  byId('cert-date-line').replaceChildren(...tParts('certificate.published', { date }));
}

async function load() {
  byId('page-retry').hidden = true;
  showAlert(byId('page-alert'), []);
  byId('page-loading').textContent = t('certificate.loading');
  let cert;
  try {
    cert = await get(`/awards/${encodeURIComponent(awardId)}/certificate`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      location.replace(loginUrl());
      return;
    }
    if (error instanceof ApiError && error.status === 404) {
      fail(t('certificate.not_found'), ['/my-entries.html', t('certificate.see_entries')]);
    } else {
      fail(t('certificate.load_failed', { message: error.message }));
      byId('page-retry').hidden = false;
    }
    return;
  }
  render(cert);
  byId('page-heading').remove(); // the certificate has its own
  byId('page-loading').remove();
  byId('page-retry').remove();
  byId('page-body').hidden = false;
}

byId('print-button').addEventListener('click', () => window.print());

if (!awardId || !/^\d+$/.test(awardId)) {
  fail(t('certificate.no_award'), ['/my-entries.html', t('certificate.see_entries')]);
} else {
  byId('page-retry').querySelector('button').addEventListener('click', load);
  load();
}
