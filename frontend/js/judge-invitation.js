// Accept a judging invitation with the token from the e-mailed link (?token=): the panel seat
// is linked to the account that is logged in.
import { get, post, showAlert } from './api.js';
import './nav.js';
import { t, useCatalogues } from './i18n.js';

await useCatalogues('judging');

const token = new URLSearchParams(location.search).get('token');
const pageAlert = document.getElementById('page-alert');
const status = document.getElementById('invite-status');
const acceptBox = document.getElementById('invite-accept');
const here = `${location.pathname}${location.search}`;

async function accept() {
  acceptBox.hidden = true;
  showAlert(pageAlert, []);
  status.textContent = t('judging.invitation.accepting');
  try {
    const result = await post('/judge-invitations/accept', { token });
    status.textContent = t('judging.invitation.accepted');
    const link = document.getElementById('invite-challenge-link');
    link.href = `/challenge.html?slug=${encodeURIComponent(result.challenge_slug)}`;
    document.getElementById('invite-done').hidden = false;
  } catch (error) {
    status.textContent = '';
    showAlert(pageAlert, [error.message]);
    if (error.status === 0) acceptBox.hidden = false;
  }
}

async function start() {
  if (!token) {
    showAlert(pageAlert, [t('judging.invitation.no_token')]);
    return;
  }
  try {
    await get('/auth/me');
  } catch (error) {
    if (error.status === 401) {
      document.getElementById('invite-login-link').href = `/login.html?next=${encodeURIComponent(here)}`;
      document.getElementById('invite-login').hidden = false;
      return;
    }
    showAlert(pageAlert, [error.message]);
    return;
  }
  acceptBox.hidden = false;
}

acceptBox.querySelector('button').addEventListener('click', accept);
start();
