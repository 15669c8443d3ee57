// Ask for a password-reset link; the answer is the same whether or not the account exists.
import { post } from './api.js';
import { bindForm, showStatus } from './form.js';
import { t, useCatalogues } from './i18n.js';
import './nav.js';

await useCatalogues('account');

const form = document.getElementById('forgot-form');

bindForm(form, async ({ email }) => {
  const answer = await post('/auth/password-reset/request', { email });
  showStatus(form, answer?.detail ?? t('account.forgot.sent'));
});
