// The entry editor's unsent changes: what the entrant typed that the server has not taken
// yet, kept in localStorage (per account and entry, so two accounts on one phone never mix)
// until it has. Each change remembers the saved value it was made on, so when the entry has
// changed elsewhere meanwhile (another device) a real clash is told from a harmless one.
// Only text and choices are kept: a file's bytes never are, only the names of files chosen
// but not uploaded, so the entrant can be asked to choose them again.
import { serverTeam } from './entry-fields.js';

const FORMAT = 2;

/** A value with its object keys sorted, as text: the same answer always reads the same. */
function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

const copy = (value) => (value === undefined ? null : JSON.parse(JSON.stringify(value)));

/** A part of the entry (an API path) as the server keeps it, so two versions compare. */
export function normalise(path, value) {
  if (path === 'team') return serverTeam(value);
  if (path === 'title' || path === 'summary') return value ?? '';
  if (path === 'licence_accepted') return value === true;
  if (path === 'category' || path === 'language') return value || null;
  const empty = value === undefined || value === null || (Array.isArray(value) && value.length === 0);
  return empty ? null : value;
}

export const sameValue = (path, a, b) => canonical(normalise(path, a)) === canonical(normalise(path, b));

/** What the saved entry (an EntryPublic) holds at `path` ("title", "answers.budget"…). */
export function savedValue(entry, path) {
  if (path.startsWith('answers.')) return copy(entry.answers?.[path.slice(8)] ?? null);
  if (path === 'team') return (entry.team ?? []).map((member) => ({ name: member.name, email: member.email ?? '' }));
  return copy(entry[path] ?? null);
}

/** The storage key for one account's unsent changes to one entry. */
export const storageKey = (userId, entryId) => `opencall.entry.${entryId}.by.${userId}.unsent`;

export class UnsentChanges {
  /** `key` null keeps the changes in this page only (the account is not known). */
  constructor(key) {
    this.key = key;
    this.changes = {}; // path → value as typed
    this.was = {}; // path → the saved value the change was made on
    this.base = null; // the entry's updated_at those saved values had
    this.held = new Set(); // paths changed elsewhere too: sent only once the entrant chooses
    this.blocked = new Set(); // paths the server refused (422): sent again once changed
    this.uploads = {}; // path → names of files chosen but not uploaded
    this.storageOk = true;
  }

  /** Reads what an earlier visit kept; false when there was nothing. */
  load() {
    if (!this.key) return false;
    let data;
    try {
      data = JSON.parse(localStorage.getItem(this.key) ?? 'null');
    } catch {
      return false;
    }
    if (!data || data.format !== FORMAT || typeof data.changes !== 'object' || !data.changes) return false;
    this.changes = data.changes;
    this.was = data.was && typeof data.was === 'object' ? data.was : {};
    this.base = typeof data.base === 'string' ? data.base : null;
    this.held = new Set(Array.isArray(data.held) ? data.held.filter((path) => path in this.changes) : []);
    this.uploads = data.uploads && typeof data.uploads === 'object' ? data.uploads : {};
    return !this.isEmpty() || this.uploadCount() > 0;
  }

  persist() {
    if (!this.key) return;
    try {
      if (this.isEmpty() && this.uploadCount() === 0) {
        localStorage.removeItem(this.key);
      } else {
        localStorage.setItem(this.key, JSON.stringify({
          format: FORMAT, changes: this.changes, was: this.was, base: this.base, held: [...this.held], uploads: this.uploads, at: Date.now(),
        }));
      }
      this.storageOk = true;
    } catch {
      this.storageOk = false; // private mode or a full disk: the page itself still holds them
    }
  }

  isEmpty() {
    return Object.keys(this.changes).length === 0;
  }

  /** How many parts of the entry have changes the server does not have. */
  count() {
    return Object.keys(this.changes).length;
  }

  has(path) {
    return path in this.changes;
  }

  paths() {
    return Object.keys(this.changes);
  }

  /** Keeps a change, made on `entry` (the saved version this page last had). */
  record(path, value, entry) {
    if (this.isEmpty()) this.base = entry.updated_at;
    if (!(path in this.was)) this.was[path] = savedValue(entry, path);
    this.changes[path] = copy(value);
    this.blocked.delete(path);
    this.persist();
  }

  /** What can be sent now: every change not waiting on a choice or a correction. */
  sendable() {
    const out = {};
    for (const [path, value] of Object.entries(this.changes)) {
      if (!this.held.has(path) && !this.blocked.has(path)) out[path] = copy(value);
    }
    return out;
  }

  /** The changes as an EntryUpdate body, made on the version this store is based on. */
  body(changes) {
    const body = {};
    for (const [path, value] of Object.entries(changes)) {
      if (path.startsWith('answers.')) {
        body.answers ??= {};
        body.answers[path.slice(8)] = normalise(path, value);
      } else {
        body[path] = normalise(path, value);
      }
    }
    if (this.base) body.expected_updated_at = this.base;
    return body;
  }

  /** The server took `sent` and answered `entry`: forget what it has, unless typed again since. */
  acknowledge(sent, entry) {
    for (const [path, value] of Object.entries(sent)) {
      if (path in this.changes && canonical(this.changes[path]) === canonical(value)) this.forget(path);
    }
    this.base = entry.updated_at;
    // No one else wrote in between (the save named its version), so the rest sit on this one.
    for (const path of this.paths()) if (!this.held.has(path)) this.was[path] = savedValue(entry, path);
    this.persist();
  }

  /** Refuses to send `paths` again until they are changed (the server said they are invalid). */
  block(paths) {
    for (const path of paths) if (path in this.changes) this.blocked.add(path);
  }

  /**
   * Lines the changes up with `entry`, a newer saved version: a change the server already has
   * is forgotten; one whose saved value did not move stays; one whose saved value moved to
   * something else is held until the entrant chooses. Returns the held paths.
   */
  rebase(entry) {
    for (const path of this.paths()) {
      const saved = savedValue(entry, path);
      if (sameValue(path, saved, this.changes[path])) {
        this.forget(path);
      } else if (!this.held.has(path)) {
        if (sameValue(path, saved, this.was[path])) this.was[path] = saved;
        else this.held.add(path);
      }
    }
    this.base = entry.updated_at;
    this.persist();
    return [...this.held];
  }

  /** The entrant keeps their own version of a held change: it is sent over `entry`'s. */
  keepMine(path, entry) {
    this.held.delete(path);
    this.was[path] = savedValue(entry, path);
    this.persist();
  }

  /** The entrant takes the saved version: their change is dropped. */
  useSaved(path) {
    this.forget(path);
    this.persist();
  }

  forget(path) {
    delete this.changes[path];
    delete this.was[path];
    this.held.delete(path);
    this.blocked.delete(path);
  }

  /** Files chosen for `path` that are not uploaded yet (none: forgotten). */
  setUploads(path, names) {
    if (names.length) this.uploads[path] = [...names];
    else delete this.uploads[path];
    this.persist();
  }

  uploadCount() {
    return Object.values(this.uploads).reduce((sum, names) => sum + names.length, 0);
  }

  /** Forgets everything (submitted, withdrawn, or discarded by the entrant). */
  clear() {
    this.changes = {};
    this.was = {};
    this.held.clear();
    this.blocked.clear();
    this.uploads = {};
    this.base = null;
    this.persist();
  }

  /** The changes shaped as entry.js kept them before (answers nested), for entry-view.js. */
  nested() {
    const out = {};
    for (const [path, value] of Object.entries(this.changes)) {
      if (path.startsWith('answers.')) (out.answers ??= {})[path.slice(8)] = value;
      else out[path] = value;
    }
    return out;
  }
}
