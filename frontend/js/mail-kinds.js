// The kinds of mail OpenCall sends (app/mail/kinds.py), each named in the reader's language:
// for the account's mail preferences and the mail log's cards. A kind added to the API before
// it is added here keeps the API's own label.
import { loadNamespaces, t } from './i18n.js';

await loadNamespaces('notifications');

const KNOWN_KINDS = new Set([
  'account', 'entry_receipt', 'eligibility_decision', 'round_outcome', 'results', 'judge_invitation',
  'judge_round_open', 'conflict_reassignment', 'deadline_reminder', 'draft_reminder', 'judge_reminder',
  'voting_open', 'organiser_digest', 'broadcast',
]);

/** The kind's name in the reader's language, else the API's label, else its key. */
export function kindLabel(key, fromApi = null) {
  if (KNOWN_KINDS.has(key)) return t(`notifications.kind.${key}`);
  return fromApi ?? key;
}
