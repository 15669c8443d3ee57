// Create an account; the server logs the new user in and e-mails a verification link.
import { post } from './api.js';
import { bindForm } from './form.js';
import { showNavFor } from './nav.js';
import { useCatalogues } from './i18n.js';

await useCatalogues('account');

bindForm(document.getElementById('register-form'), async ({ email, display_name, password }) => {
  const { user } = await post('/auth/register', { email, display_name, password });
  showNavFor(user);
  document.getElementById('register-panel').hidden = true;
  document.getElementById('register-done').hidden = false;
  document.getElementById('register-done-message').focus();
});
