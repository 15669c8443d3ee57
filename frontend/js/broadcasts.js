// A call's messages (?slug=): write to a segment of its people, preview who gets it and how it
// reads, send after confirming, and follow each message's delivery.
import { get, post, showAlert, ApiError } from './api.js';
import { timeElement } from './dates.js';
import { showStatus } from './form.js';
import {
  byId, el, startPage, showBody, submitWith, onClick, isAuthError, goToLogin, focusFirstAdded,
} from './organiser-nav.js';
import { formatNumber, t, tParts, useCatalogues } from './i18n.js';

await useCatalogues('mail');

/** Each segment: its label, the same in a sentence ("… to 2 people: {group}."), and a hint. */
const SEGMENTS = Object.fromEntries(
  [['all_entrants', false], ['drafts', true], ['eligible', false], ['finalists', true], ['judges', true], ['voters', true]]
    .map(([key, hint]) => [key, {
      label: t(`mail.broadcasts.segment.${key}`),
      group: t(`mail.broadcasts.group.${key}`),
      hint: hint ? t(`mail.broadcasts.segment.${key}.hint`) : null,
    }]),
);
/** A segment the page does not know is shown by its code. */
const segment = (key) => SEGMENTS[key] ?? { label: key, group: key, hint: null };
const form = byId('broadcast-form');
const previewSection = byId('preview');
const sendButton = byId('send-button');
const confirmDialog = byId('confirm-dialog');
const sentList = byId('sent-list');
const sentMore = byId('sent-more');
let base;
/** The message last previewed, and what the preview said: what Send sends. */
let previewed = null;
let sentCursor = null;

function segmentOptions() {
  return Object.entries(SEGMENTS).map(([value, { label, hint }], index) => {
    const id = `segment-${value}`;
    const input = el('input', { type: 'radio', id, name: 'segment', value, checked: index === 0 });
    if (hint) input.setAttribute('aria-describedby', `${id}-hint`);
    return el('div', { className: 'check' },
      input,
      el('label', { for: id, text: label }),
      hint ? el('p', { className: 'hint', id: `${id}-hint`, text: hint }) : null);
  });
}

function forgetPreview() {
  previewed = null;
  previewSection.hidden = true;
}

function showPreview(result) {
  const count = result.recipients;
  byId('preview-count').textContent = count
    ? t('mail.broadcasts.preview.count', { count, group: segment(result.segment).group })
    : t('mail.broadcasts.preview.nobody');
  byId('preview-sample-note').textContent = count > result.sample.length
    ? t('mail.broadcasts.preview.first_by_name', { count: result.sample.length }) : t('mail.broadcasts.preview.they_are');
  byId('preview-sample').replaceChildren(...result.sample.map((name) => el('li', { text: name })));
  byId('preview-sample-wrap').hidden = count === 0;
  byId('preview-subject').textContent = result.subject;
  // The server's rendering, its Markdown already sanitised; shown in a sandbox (no scripts,
  // its own origin), never parsed into this page.
  byId('preview-frame').srcdoc = result.html;
  byId('preview-text').textContent = result.text;
  sendButton.hidden = count === 0;
  sendButton.textContent = t('mail.broadcasts.preview.send_to', { count });
  showAlert(byId('send-alert'), []);
  previewSection.hidden = false;
  byId('preview-heading').focus();
}

function countItem(label, value) {
  return el('li', {}, t('mail.broadcasts.count', { label }), ' ', el('strong', { text: formatNumber(value) }));
}

function broadcastItem(broadcast) {
  const { group } = segment(broadcast.segment);
  const time = timeElement(broadcast.created_at);
  const sent = broadcast.created_by
    ? tParts('mail.broadcasts.sent.to_by', { group, time, name: broadcast.created_by })
    : tParts('mail.broadcasts.sent.to', { group, time });
  const item = el('li', { className: 'card', 'data-testid': 'broadcast' },
    el('h3', { className: 'card-title', text: broadcast.subject }),
    el('p', { className: 'muted' }, ...sent),
    el('ul', { className: 'broadcast-counts', 'aria-label': t('mail.broadcasts.sent.delivery') },
      countItem(t('mail.broadcasts.sent.recipients'), broadcast.recipients),
      countItem(t('mail.broadcasts.sent.sent'), broadcast.sent),
      countItem(t('mail.broadcasts.sent.waiting'), broadcast.pending),
      countItem(t('mail.broadcasts.sent.failed'), broadcast.failed),
      countItem(t('mail.broadcasts.sent.not_mailed'), broadcast.not_mailed)));
  return item;
}

/** The first page of sent messages, or with `more` the next one after those shown. */
async function loadSent(more = false) {
  const params = new URLSearchParams({ limit: '20' });
  if (more && sentCursor) params.set('cursor', sentCursor);
  const page = await get(`${base}/broadcasts?${params}`);
  const items = page.items.map(broadcastItem);
  if (more) sentList.append(...items);
  else sentList.replaceChildren(...items);
  sentCursor = page.next_cursor ?? null;
  sentMore.hidden = !sentCursor;
  byId('sent-empty').hidden = sentList.children.length > 0;
}

submitWith(form, async ({ segment, subject, body }) => {
  const message = { segment, subject, body };
  const result = await post(`${base}/broadcasts/preview`, message);
  previewed = { message, result };
  showPreview(result);
}, (path) => (path === 'segment' ? 'segment-set' : path));

form.addEventListener('input', forgetPreview);

sendButton.addEventListener('click', () => {
  if (!previewed) return;
  const { message, result } = previewed;
  byId('confirm-what').textContent = t('mail.broadcasts.confirm.what', { subject: message.subject, count: result.recipients, group: segment(message.segment).group });
  showAlert(byId('confirm-alert'), []);
  confirmDialog.showModal();
  byId('confirm-heading').focus();
});

let afterConfirm = null;
byId('confirm-cancel').addEventListener('click', () => confirmDialog.close());
confirmDialog.addEventListener('close', () => {
  (afterConfirm ?? sendButton).focus();
  afterConfirm = null;
});

onClick(byId('confirm-send'), byId('confirm-alert'), async () => {
  const sent = await post(`${base}/broadcasts`, previewed.message);
  form.reset();
  forgetPreview();
  showStatus(form, t('mail.broadcasts.confirm.sent', { count: sent.recipients }));
  await loadSent().catch((error) => showAlert(byId('sent-alert'), [error.message]));
  afterConfirm = byId('sent-heading');
  confirmDialog.close();
});

onClick(byId('sent-refresh'), byId('sent-alert'), async () => {
  await loadSent();
  byId('sent-status').textContent = t('mail.broadcasts.sent.refreshed');
});

onClick(sentMore, byId('sent-alert'), async () => {
  const before = sentList.children.length;
  await loadSent(true);
  focusFirstAdded([...sentList.children].slice(before), 'h3');
});

const started = await startPage({ current: 'messages', organiserOnly: true });
if (started) {
  base = `/challenges/${encodeURIComponent(started.slug)}`;
  byId('segment-options').replaceChildren(...segmentOptions());
  try {
    await loadSent();
  } catch (error) {
    if (isAuthError(error)) goToLogin();
    else showAlert(byId('sent-alert'), [error instanceof ApiError ? error.message : String(error)]);
  }
  showBody();
}
