// A live countdown to a call's deadline. The ticking text is not a live region (nothing is
// read out every second); a separate status line announces only a change of state.
import { serverNow } from './api.js';
import { parseUtc } from './dates.js';
import { t, loadNamespaces } from './i18n.js';

await loadNamespaces('calls');

const UNITS = [['day', 86_400], ['hour', 3_600], ['minute', 60], ['second', 1]];

/** "2 days, 4 hours, 5 minutes, 9 seconds" (leading zero units left out). */
export function formatDuration(ms) {
  let left = Math.max(0, Math.floor(ms / 1000));
  const parts = [];
  for (const [unit, size] of UNITS) {
    const count = Math.floor(left / size);
    left -= count * size;
    if (count || parts.length || unit === 'second') parts.push(t(`calls.countdown.${unit}`, { count }));
  }
  return parts.join(t('calls.countdown.separator'));
}

const time = (iso) => (iso ? parseUtc(iso).getTime() : Number.NaN);

/**
 * Fills `container` with the countdown and keeps it up to date. `call` has opens_at, closes_at
 * and grace_minutes as the API sends them. `onChange(state)` runs when the state changes
 * ("before", "open", "grace", "closed", "none"). Returns {stop()}.
 */
export function startCountdown(container, call, onChange = () => {}) {
  const opens = time(call.opens_at);
  const closes = time(call.closes_at);
  const graceEnds = closes + (call.grace_minutes || 0) * 60_000;
  const text = document.createElement('span');
  text.className = 'countdown-text';
  text.setAttribute('aria-live', 'off');
  const status = document.createElement('span');
  status.className = 'visually-hidden';
  status.setAttribute('role', 'status');
  container.replaceChildren(text, status);
  container.classList.add('countdown');

  let state = null;
  let timer = null;

  function render() {
    const now = serverNow();
    let next;
    if (Number.isNaN(closes)) next = 'none';
    else if (now < opens) next = 'before';
    else if (now < closes) next = 'open';
    else if (now < graceEnds) next = 'grace';
    else next = 'closed';

    if (next === 'none') text.textContent = t('calls.countdown.none');
    else if (next === 'before') text.textContent = t('calls.countdown.before', { duration: formatDuration(opens - now) });
    else if (next === 'open') text.textContent = t('calls.countdown.open', { duration: formatDuration(closes - now) });
    else if (next === 'grace') text.textContent = t('calls.countdown.grace', { duration: formatDuration(graceEnds - now) });
    else text.textContent = t('calls.countdown.closed');
    container.dataset.state = next;

    if (next !== state) {
      // The first state is on the page already; only later changes are announced.
      if (state !== null) {
        status.textContent = ['open', 'grace', 'closed'].includes(next) ? t(`calls.countdown.now_${next}`) : '';
      }
      state = next;
      onChange(next);
    }
    if (next === 'closed' || next === 'none') return;
    timer = setTimeout(render, 1000 - (now % 1000) + 5);
  }

  render();
  return {
    stop() {
      clearTimeout(timer);
    },
  };
}
