// A call's messages (?slug=): write to a segment of its people, preview who gets it and how it
// reads, send after confirming, and follow each message's delivery.
import { get, post, showAlert, ApiError } from './api.js';
import { timeElement } from './dates.js';
import { showStatus } from './form.js';
import {
  byId, el, startPage, showBody, submitWith, onClick, isAuthError, goToLogin,
} from './organiser-nav.js';

const SEGMENTS = {
  all_entrants: ['Everyone who submitted an entry', null],
  drafts: ['People with a draft they have not submitted', 'Only those with nothing submitted to this call.'],
  eligible: ['Entrants with an eligible entry', null],
  finalists: ['Finalists', 'Entries with a finalist award, or advanced from the last round that advanced entries.'],
  judges: ['Judges', 'Judges on the panel who accepted their invitation.'],
  voters: ['Voters', 'People whose votes were counted.'],
};

const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
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
  return Object.entries(SEGMENTS).map(([value, [label, hint]], index) => {
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
    ? `This goes to ${plural(count, 'person', 'people')}: ${SEGMENTS[result.segment][0].toLowerCase()}.`
    : 'Nobody is in this group yet, so there is no one to send it to.';
  byId('preview-sample-note').textContent = count > result.sample.length
    ? `The first ${result.sample.length} by name:` : 'They are:';
  byId('preview-sample').replaceChildren(...result.sample.map((name) => el('li', { text: name })));
  byId('preview-sample-wrap').hidden = count === 0;
  byId('preview-subject').textContent = result.subject;
  // The server's rendering, its Markdown already sanitised; shown in a sandbox (no scripts,
  // its own origin), never parsed into this page.
  byId('preview-frame').srcdoc = result.html;
  byId('preview-text').textContent = result.text;
  sendButton.hidden = count === 0;
  sendButton.textContent = `Send to ${plural(count, 'person', 'people')}`;
  showAlert(byId('send-alert'), []);
  previewSection.hidden = false;
  byId('preview-heading').focus();
}

function countItem(label, value) {
  return el('li', {}, `${label}: `, el('strong', { text: value }));
}

function broadcastItem(broadcast) {
  const [segmentLabel] = SEGMENTS[broadcast.segment] ?? [broadcast.segment];
  const by = broadcast.created_by ? ` by ${broadcast.created_by}` : '';
  const item = el('li', { className: 'card', 'data-testid': 'broadcast' },
    el('h3', { className: 'card-title', text: broadcast.subject }),
    el('p', { className: 'muted' }, `To ${segmentLabel.toLowerCase()}, `, timeElement(broadcast.created_at), by),
    el('ul', { className: 'broadcast-counts', 'aria-label': 'Delivery' },
      countItem('Recipients', broadcast.recipients),
      countItem('Sent', broadcast.sent),
      countItem('Waiting', broadcast.pending),
      countItem('Failed', broadcast.failed),
      countItem('E-mail turned off', broadcast.not_mailed)));
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
  byId('confirm-what').textContent = `“${message.subject}” goes to ${plural(result.recipients, 'person', 'people')} (${SEGMENTS[message.segment][0].toLowerCase()}) by e-mail and on their notifications page. It cannot be called back.`;
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
  showStatus(form, `Sent to ${plural(sent.recipients, 'person', 'people')}. The e-mail goes out in the background.`);
  await loadSent().catch((error) => showAlert(byId('sent-alert'), [error.message]));
  afterConfirm = byId('sent-heading');
  confirmDialog.close();
});

onClick(byId('sent-refresh'), byId('sent-alert'), async () => {
  await loadSent();
  byId('sent-status').textContent = 'Delivery counts refreshed.';
});

onClick(sentMore, byId('sent-alert'), async () => {
  const before = sentList.children.length;
  await loadSent(true);
  sentList.children[before]?.querySelector('h3')?.setAttribute('tabindex', '-1');
  sentList.children[before]?.querySelector('h3')?.focus();
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
