// One outbox message as a card, for the call's mail log and the admins' failed mail: to whom,
// what kind, and what became of it (never the message's text, which the API does not send).
import { get } from './api.js';
import { formatDateTime } from './dates.js';
import { el, badge } from './organiser-nav.js';

export const STATUS_LABELS = { sent: 'Sent', pending: 'Waiting to be sent', failed: 'Failed' };

const kindLabels = new Map();

/** The kinds of message (key → label), from the API; an empty map when they cannot be read. */
export async function loadKinds() {
  try {
    for (const kind of await get('/mail-kinds')) kindLabels.set(kind.kind, kind.label);
  } catch {
    // The cards then show each kind by its key.
  }
  return kindLabels;
}

const kindLabel = (key) => kindLabels.get(key) ?? key.replaceAll('_', ' ');
const when = (iso) => el('time', { datetime: iso, text: formatDateTime(iso) });
const tries = (n) => `${n} ${n === 1 ? 'try' : 'tries'}`;

function fact(term, ...value) {
  return el('div', {}, el('dt', { text: term }), el('dd', {}, ...value));
}

/** What became of the message, in words. */
function outcome(message) {
  if (message.status === 'sent') return fact('Sent', when(message.sent_at), message.attempts > 1 ? ` (after ${tries(message.attempts)})` : '');
  if (message.status === 'failed') return fact('Failed', when(message.failed_at), ` (after ${tries(message.attempts)})`);
  if (message.attempts > 0) return fact('Next try', when(message.next_attempt_at), ` (${tries(message.attempts)} so far)`);
  return fact('Goes out', 'within seconds');
}

/**
 * A card for one message; `extra` (e.g. the call it belongs to, or a button) goes at its end.
 */
export function mailCard(message, ...extra) {
  const titleId = `mail-${message.id}`;
  const facts = el('dl', { className: 'mail-facts small' },
    fact('To', message.to_address),
    fact('Queued', when(message.created_at)),
    outcome(message));
  const error = message.last_error && message.status !== 'sent'
    ? el('p', { className: 'mail-error small' }, el('strong', { text: 'The mail server’s last answer: ' }), el('span', { text: message.last_error }))
    : null;
  return el('li', { className: 'card mail-card', 'data-testid': 'mail-message', 'data-id': message.id },
    el('h3', { className: 'card-title', id: titleId, text: message.subject }),
    el('p', { className: 'card-meta' }, badge(STATUS_LABELS[message.status] ?? message.status, message.status), el('span', { className: 'muted', text: kindLabel(message.kind) })),
    facts,
    error,
    ...extra);
}
