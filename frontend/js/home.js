// Home page: the invitation for visitors, a greeting for people who are logged in.
import { currentUser } from './nav.js';

const guest = document.getElementById('home-guest');
const member = document.getElementById('home-member');

currentUser.then((user) => {
  if (user) {
    document.getElementById('display-name').textContent = user.display_name;
    member.hidden = false;
  } else {
    guest.hidden = false;
  }
}, () => {
  guest.hidden = false;
});
