// Confirm an e-mail address with the token from the e-mailed link (?token=), as soon as the page opens.
import { post, showAlert } from './api.js';
import './nav.js';

const token = new URLSearchParams(location.search).get('token');
const pageAlert = document.getElementById('page-alert');
const status = document.getElementById('verify-status');
const retry = document.getElementById('verify-retry');

async function verify() {
  retry.hidden = true;
  showAlert(pageAlert, []);
  status.textContent = 'Checking your link…';
  try {
    await post('/auth/verify', { token });
    status.textContent = 'Your e-mail address is verified.';
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
  showAlert(pageAlert, ['This link is incomplete: it has no token. Open the link from the e-mail again.']);
  document.getElementById('verify-failed').hidden = false;
}
