// Wires a <form> to the API: no page reload, one request at a time, errors shown in place.
import { ApiError, clearErrors, renderErrors } from './api.js';

/**
 * On submit, calls `handler(values)` with the form's fields by name. The submit button is
 * disabled while it runs; a thrown error is shown in the form and the fields keep their text.
 * Binding enables the submit button, which pages may ship disabled until their script is ready.
 */
export function bindForm(form, handler) {
  // A form shown before its script runs starts with its button disabled, so that an early
  // click cannot post the page natively (and lose what was typed); it is live from here on.
  const submit = form.querySelector('[type="submit"]');
  if (submit) submit.disabled = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (form.getAttribute('aria-busy') === 'true') return;
    clearErrors(form);
    showStatus(form, '');
    form.setAttribute('aria-busy', 'true');
    submit.disabled = true;
    try {
      await handler(Object.fromEntries(new FormData(form)), form);
    } catch (error) {
      renderErrors(form, error);
    } finally {
      submit.disabled = false;
      form.removeAttribute('aria-busy');
      // Disabling the focused button drops focus to <body>; give it back.
      if (!form.hidden && (document.activeElement === document.body || !document.activeElement)) submit.focus();
    }
  });
}

/** Shows a success message in the form's status region. */
export function showStatus(form, text) {
  const status = form.querySelector('[data-status]');
  if (status) status.textContent = text;
}

/** An error found before asking the server, shown like the server's own. */
export function invalid(field, message) {
  return new ApiError({ code: 'invalid', message, field });
}

/**
 * The entry an organiser named by its reference, among those a search found: the one whose
 * reference is the text in any case, else the only one found; otherwise an invalid(`field`)
 * error with `messages.notFound` or `messages.several`.
 */
export function oneByReference(found, text, field, messages) {
  const exact = found.filter((item) => (item.reference ?? '').toLowerCase() === text.toLowerCase());
  if (exact.length === 1) return exact[0];
  if (exact.length === 0 && found.length === 1) return found[0];
  throw invalid(field, found.length === 0 ? messages.notFound : messages.several);
}
