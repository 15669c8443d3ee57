// Dates in the viewer's language (i18n.js) and own time zone, always with the zone's name.
import { locale, t } from './i18n.js';

const dateTime = new Intl.DateTimeFormat(locale, {
  year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZoneName: 'short',
});

/** The viewer's time zone, e.g. "Africa/Lagos". */
export const viewerTimeZone = dateTime.resolvedOptions().timeZone;

/** Reads an ISO 8601 string from the API; one without an offset is UTC. */
export function parseUtc(iso) {
  const text = String(iso).replace(/(\.\d{3})\d+/, '$1'); // Python sends microseconds
  const hasOffset = /(?:Z|[+-]\d\d:?\d\d)$/i.test(text);
  return new Date(hasOffset || !text.includes('T') ? text : `${text}Z`);
}

/** "12 Mar 2025, 14:05 GMT+1" in the viewer's language; the raw text if it is not a date. */
export function formatDateTime(iso) {
  const date = parseUtc(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : dateTime.format(date);
}

/** A <time> element showing formatDateTime(iso). */
export function timeElement(iso) {
  const time = document.createElement('time');
  time.dateTime = iso;
  time.textContent = formatDateTime(iso);
  return time;
}

/** Formats in a given IANA zone; a zone this browser does not know falls back to UTC. */
function zoneFormat(timeZone) {
  const options = { year: 'numeric', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit' };
  try {
    return { format: new Intl.DateTimeFormat(locale, { ...options, timeZone }), zone: timeZone };
  } catch {
    return { format: new Intl.DateTimeFormat(locale, { ...options, timeZone: 'UTC' }), zone: 'UTC' };
  }
}

/** "31 March 2027, 23:59 (Africa/Lagos)": the moment in `timeZone`, with the zone named. */
export function formatInZone(iso, timeZone) {
  const date = parseUtc(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  const { format, zone } = zoneFormat(timeZone || 'UTC');
  return `${format.format(date)} (${zone})`;
}

/**
 * A call's moment as its organisers set it and as the viewer's clock shows it:
 * "31 March 2027, 23:59 (Africa/Lagos) — 1 April 2027, 00:59 your time". When both read the
 * same, only the first part and "(the same in your time zone)".
 */
export function formatCallTime(iso, timeZone) {
  const date = parseUtc(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  const inZone = formatInZone(iso, timeZone);
  const local = zoneFormat(viewerTimeZone).format.format(date);
  const { format } = zoneFormat(timeZone || 'UTC');
  if (format.format(date) === local) return t('common.dates.same_zone', { time: inZone });
  return t('common.dates.your_time', { time: inZone, local });
}

/** A <time> element showing formatCallTime(iso, timeZone). */
export function callTimeElement(iso, timeZone) {
  const time = document.createElement('time');
  time.dateTime = iso;
  time.textContent = formatCallTime(iso, timeZone);
  return time;
}
