// Confirm an e-mail address with the token from the e-mailed link (?token=), as soon as the page opens.
import { post, showAlert } from './api.js';
import { t, useCatalogues } from './i18n.js';
import './nav.js';

await useCatalogues('account');

const token = new URLSearchParams(location.search).get('token');
const pageAlert = document.getElementById('page-alert');
const status = document.getElementById('verify-status');
const retry = document.getElementById('verify-retry');

async function verify() {
  retry.hidden = true;
  showAlert(pageAlert, []);
  status.textContent = t('account.verify.checking');
  try {
    await post('/auth/verify', { token });
    status.textContent = t('account.verified');
    document.getElementById('verify-done').hidden = false;
  } catch (error) {
    status.textContent = '';
    showAlert(pageAlert, [error.message]);
    // A lost connection is worth retrying; a rejected token is not.
    if (error.status === 0) retry.hidden = false;
    else document.getElementById('verify-failed').hidden = false;
  }
}

retry.querySelector('button').addEventListener('click', verify);

if (token) {
  verify();
} else {
  showAlert(pageAlert, [t('account.verify.no_token')]);
  document.getElementById('verify-failed').hidden = false;
}
