// Set a new password with the token from the e-mailed link (?token=).
import { post, showAlert } from './api.js';
import { bindForm, invalid } from './form.js';
import { t, useCatalogues } from './i18n.js';
import './nav.js';

await useCatalogues('account');

const token = new URLSearchParams(location.search).get('token');
const form = document.getElementById('reset-form');
const askAgain = document.getElementById('reset-again');

if (!token) {
  form.hidden = true;
  askAgain.hidden = false;
  showAlert(document.getElementById('page-alert'), [
    t('account.reset.incomplete'),
  ]);
}

bindForm(form, async ({ new_password, new_password_repeat }) => {
  if (new_password !== new_password_repeat) throw invalid('new_password_repeat', t('account.reset.mismatch'));
  try {
    await post('/auth/password-reset', { token, new_password });
  } catch (error) {
    if (error.code === 'invalid_token') askAgain.hidden = false;
    throw error;
  }
  form.hidden = true;
  askAgain.hidden = true;
  document.getElementById('reset-done').hidden = false;
  document.getElementById('reset-done-message').focus();
});
