// Dates in the viewer's own locale and time zone, always with the zone's name.

const dateTime = new Intl.DateTimeFormat(undefined, {
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

/** "12 Mar 2025, 14:05 GMT+1" in the viewer's locale; the raw text if it is not a date. */
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
