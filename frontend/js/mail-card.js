// One outbox message as a card, for the call's mail log and the admins' failed mail: to whom,
// what kind, and what became of it (never the message's text, which the API does not send).
import { get } from './api.js';
import { formatDateTime } from './dates.js';
import { el, badge } from './organiser-nav.js';
import { loadNamespaces, t, tParts } from './i18n.js';
import { kindLabel as nameOfKind } from './mail-kinds.js';

await loadNamespaces('mail');

export const STATUS_LABELS = Object.fromEntries(['sent', 'pending', 'failed'].map((status) => [status, t(`mail.card.status.${status}`)]));

const kindLabels = new Map();

/**
 * The kinds of message (key → label) the API lists; an empty map when they cannot be read.
 * A kind this page does not know keeps the API's own label.
 */
export async function loadKinds() {
  try {
    for (const kind of await get('/mail-kinds')) kindLabels.set(kind.kind, kindLabel(kind.kind, kind.label));
  } catch {
    // The cards then show each kind by its text here, or by its key.
  }
  return kindLabels;
}

function kindLabel(key, fromApi = kindLabels.get(key)) {
  return nameOfKind(key, fromApi);
}

const when = (iso) => el('time', { datetime: iso, text: formatDateTime(iso) });

function fact(term, ...value) {
  return el('div', {}, el('dt', { text: term }), el('dd', {}, ...value));
}

/** What became of the message, in words. */
function outcome(message) {
  const count = message.attempts;
  if (message.status === 'sent') {
    const time = when(message.sent_at);
    return fact(t('mail.card.sent'), ...(count > 1 ? tParts('mail.card.after_tries', { time, count }) : [time]));
  }
  if (message.status === 'failed') return fact(t('mail.card.failed'), ...tParts('mail.card.after_tries', { time: when(message.failed_at), count }));
  if (count > 0) return fact(t('mail.card.next_try'), ...tParts('mail.card.tries_so_far', { time: when(message.next_attempt_at), count }));
  return fact(t('mail.card.goes_out'), t('mail.card.within_seconds'));
}

/**
 * A card for one message; `extra` (e.g. the call it belongs to, or a button) goes at its end.
 */
export function mailCard(message, ...extra) {
  const titleId = `mail-${message.id}`;
  const facts = el('dl', { className: 'mail-facts small' },
    fact(t('mail.card.to'), message.to_address),
    fact(t('mail.card.queued'), when(message.created_at)),
    outcome(message));
  const error = message.last_error && message.status !== 'sent'
    ? el('p', { className: 'mail-error small' }, el('strong', { text: t('mail.card.last_error') }), ' ', el('span', { text: message.last_error }))
    : null;
  return el('li', { className: 'card mail-card', 'data-testid': 'mail-message', 'data-id': message.id },
    el('h3', { className: 'card-title', id: titleId, text: message.subject }),
    el('p', { className: 'card-meta' }, badge(STATUS_LABELS[message.status] ?? message.status, message.status), el('span', { className: 'muted', text: kindLabel(message.kind) })),
    facts,
    error,
    ...extra);
}
