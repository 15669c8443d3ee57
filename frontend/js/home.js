// Home page: the invitation for visitors, a greeting for people who are logged in.
import { currentUser } from './nav.js';
import { tParts, useCatalogues } from './i18n.js';

await useCatalogues('home');

const guest = document.getElementById('home-guest');
const member = document.getElementById('home-member');

currentUser.then((user) => {
  if (user) {
    const name = document.createElement('strong');
    name.id = 'display-name';
    name.textContent = user.display_name;
    document.getElementById('greeting').replaceChildren(...tParts('home.welcome', { name }));
    member.hidden = false;
  } else {
    guest.hidden = false;
  }
}, () => {
  guest.hidden = false;
});
