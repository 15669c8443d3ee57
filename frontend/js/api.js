// The one module that talks to OpenCall's JSON API, and the helpers that show its errors.
// Its own messages come from the common catalogue; the API's messages are shown as sent.
import { t } from './i18n.js';

const API_ROOT = '/api';

/** "Could not reach the server…" in the chosen language. */
export const networkMessage = () => t('common.error.network');

const STATUS_MESSAGES = {
  401: 'common.error.401',
  403: 'common.error.403',
  404: 'common.error.404',
  429: 'common.error.429',
};

/** An error answer from the API: status, code, message, field, details (every problem). */
export class ApiError extends Error {
  constructor({ status = 0, code = 'error', message, field = null, details = [], requestId = null, retryAfter = null }) {
    super(message);
    this.name = 'ApiError';
    Object.assign(this, { status, code, field, details, requestId, retryAfter });
  }

  /** Every problem as {field, message}: the details when there are some, else the error itself. */
  get problems() {
    const list = this.details.length ? this.details : [{ field: this.field, message: this.message }];
    return list.map((p) => ({ field: p.field || null, message: String(p.message || this.message) }));
  }
}

/**
 * Calls the API with a JSON body (or a FormData, sent as multipart/form-data); resolves to the
 * parsed JSON (null for an empty answer) or throws an ApiError.
 * `options.keepalive` lets the request finish after the page is closed (small bodies only);
 * `options.cache` lets the browser keep an answer the API marks cacheable (the default is
 * never to keep one).
 */
export async function request(method, path, body, options = {}) {
  const init = { method, credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } };
  if (options.keepalive) init.keepalive = true;
  if (options.cache) init.cache = options.cache;
  if (body instanceof FormData) {
    init.body = body; // multipart/form-data: the browser writes the header with its boundary
  } else if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  let text;
  try {
    response = await fetch(API_ROOT + path, init);
    text = await response.text();
  } catch {
    throw new ApiError({ code: 'network_error', message: networkMessage() });
  }
  noteServerDate(response.headers.get('Date'));
  const data = parseJson(text);
  if (!response.ok) throw errorFrom(response, data);
  if (response.status === 204 || text === '') return null;
  if (data === undefined) {
    throw new ApiError({ status: response.status, code: 'bad_response', message: t('common.error.bad_response') });
  }
  return data;
}

export const get = (path) => request('GET', path);
/** A GET the browser may answer from its cache, as the API's Cache-Control allows. */
export const getCached = (path) => request('GET', path, undefined, { cache: 'default' });
export const post = (path, body) => request('POST', path, body);
export const patch = (path, body) => request('PATCH', path, body);
export const put = (path, body) => request('PUT', path, body);
export const del = (path) => request('DELETE', path);

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorFrom(response, data) {
  const { status } = response;
  const seconds = Number.parseInt(response.headers.get('Retry-After') ?? '', 10);
  const error = data && typeof data.error === 'object' && data.error ? data.error : {};
  let message = typeof error.message === 'string' && error.message ? error.message : null;
  if (!message && data && typeof data.detail === 'string') message = data.detail;
  if (!message && STATUS_MESSAGES[status]) message = t(STATUS_MESSAGES[status]);
  message ??= status >= 500 ? t('common.error.server') : t('common.error.http', { status: String(status) });
  if (status >= 500 && error.request_id) message += ` ${t('common.error.reference', { reference: error.request_id })}`;
  return new ApiError({
    status,
    code: error.code || `http_${status}`,
    message,
    field: error.field || null,
    details: Array.isArray(error.details) ? error.details : [],
    requestId: error.request_id || null,
    retryAfter: Number.isFinite(seconds) ? seconds : null,
  });
}

/** Puts messages into an alert region, one paragraph each; no messages empties it. */
export function showAlert(region, messages) {
  region.replaceChildren(...messages.map((message) => {
    const paragraph = document.createElement('p');
    paragraph.textContent = message;
    return paragraph;
  }));
}

/** Removes the error messages and aria-invalid marks a form shows. */
export function clearErrors(form) {
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
  for (const slot of form.querySelectorAll('.field-error')) slot.textContent = '';
  const alert = form.querySelector('[data-alert]');
  if (alert) showAlert(alert, []);
}

/**
 * Shows an error in a form: each problem with a field goes to `#<field>-error` and marks its
 * input invalid; the rest go to the form's alert region. Focuses the first invalid input.
 */
export function renderErrors(form, error) {
  const apiError = error instanceof ApiError ? error : unexpected(error);
  const general = [];
  for (const { field, message } of apiError.problems) {
    const input = field ? form.elements.namedItem(field) : null;
    const slot = field ? document.getElementById(`${field}-error`) : null;
    if (input instanceof HTMLElement && slot && form.contains(slot)) {
      input.setAttribute('aria-invalid', 'true');
      slot.textContent = slot.textContent ? `${slot.textContent} ${message}` : message;
    } else {
      general.push(message);
    }
  }
  showAlert(form.querySelector('[data-alert]') ?? document.getElementById('page-alert'), general);
  const firstInvalid = [...form.elements].find((input) => input.getAttribute('aria-invalid') === 'true');
  firstInvalid?.focus();
}

function unexpected(error) {
  console.error(error);
  return new ApiError({ code: 'client_error', message: t('common.error.client') });
}

/** How far this device's clock is behind the server's, in ms (0 until an answer says). */
let clockOffset = 0;

function noteServerDate(header) {
  const server = Date.parse(header ?? '');
  if (Number.isNaN(server)) return;
  const offset = server - Date.now();
  // The header has whole seconds; only a clock that is clearly wrong is corrected.
  clockOffset = Math.abs(offset) > 30_000 ? offset : 0;
}

/** Now by the server's clock (as milliseconds), for deadlines on phones whose clock is wrong. */
export function serverNow() {
  return Date.now() + clockOffset;
}

/**
 * Sends a file as the raw body of a POST (or `options.method`) with XMLHttpRequest, so
 * `options.onProgress(sent, total)` can follow it. Resolves to the parsed JSON answer or
 * throws an ApiError (code `aborted` when `options.signal` aborts it).
 */
export function upload(path, file, options = {}) {
  const { method = 'POST', onProgress, signal } = options;
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, API_ROOT + path);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
    if (onProgress) {
      xhr.upload.addEventListener('progress', (event) => onProgress(event.loaded, event.lengthComputable ? event.total : file.size));
    }
    xhr.addEventListener('load', () => {
      noteServerDate(xhr.getResponseHeader('Date'));
      const text = xhr.responseText;
      const data = parseJson(text);
      if (xhr.status < 200 || xhr.status >= 300) {
        reject(errorFrom({ status: xhr.status, headers: { get: (name) => xhr.getResponseHeader(name) } }, data));
      } else if (text === '') {
        resolve(null);
      } else if (data === undefined) {
        reject(new ApiError({ status: xhr.status, code: 'bad_response', message: t('common.error.bad_response') }));
      } else {
        resolve(data);
      }
    });
    xhr.addEventListener('error', () => reject(new ApiError({ code: 'network_error', message: networkMessage() })));
    xhr.addEventListener('timeout', () => reject(new ApiError({ code: 'network_error', message: networkMessage() })));
    xhr.addEventListener('abort', () => reject(new ApiError({ code: 'aborted', message: t('common.error.upload_cancelled') })));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    if (signal?.aborted) {
      reject(new ApiError({ code: 'aborted', message: t('common.error.upload_cancelled') }));
      return;
    }
    xhr.send(file);
  });
}
