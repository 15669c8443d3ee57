// The judge perspectives the panel page suggests (clinician, youth…): stored by their English
// tag, shown in the viewer's language. A tag organisers typed themselves is shown as typed.
import { loadNamespaces, t } from './i18n.js';

await loadNamespaces('panel');

export const PERSPECTIVES = ['community member', 'clinician', 'researcher', 'youth', 'policy'];

/** A perspective's name in the viewer's language. */
export const perspectiveLabel = (tag) => (PERSPECTIVES.includes(tag) ? t(`panel.perspective.${tag.replaceAll(' ', '_')}`) : tag);

/** The stored tag for what someone typed: a suggested perspective's name in any case, else the text. */
export const perspectiveTag = (typed) => PERSPECTIVES.find((tag) => perspectiveLabel(tag).toLowerCase() === typed.toLowerCase()) ?? typed;
