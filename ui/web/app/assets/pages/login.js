// The login form, shown when desaster-web runs with --password-file and
// this browser has no session. A wrong password shows the server's message
// (and its rate limit); success reloads the app on the page asked for.

import { h } from '../dom.js';
import { login, session, showError } from '../api.js';

export function render(main, params) {
  const next = params.get('next') || '#/';
  if (!session.auth_required || session.logged_in) {
    location.replace(next.startsWith('#/login') ? '#/' : next);
    return {};
  }
  const input = h('input', { type: 'password', name: 'password', id: 'password', autocomplete: 'current-password', required: true, autofocus: true });
  const msg = h('p', { class: 'login-msg', role: 'status' });
  const form = h('form', {
    class: 'login',
    onsubmit: async (ev) => {
      ev.preventDefault();
      msg.textContent = '';
      try {
        await login(input.value);
        // A fresh start with the session cookie: the session, its CSRF
        // token and the live stream are loaded anew.
        session.logged_in = true;
        location.replace(next.startsWith('#/login') ? '#/' : next);
        location.reload();
      } catch (e) {
        msg.textContent = e.message;
        msg.className = 'login-msg error-text';
        showError(e);
        input.select();
      }
    },
  },
  h('h1', null, 'desaster'),
  h('p', { class: 'muted' }, 'This desaster-web needs a password.'),
  h('label', { for: 'password' }, 'Password'), input,
  h('button', { type: 'submit', class: 'primary' }, 'Log in'), msg);
  main.append(form);
  return {};
}
