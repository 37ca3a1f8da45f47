// Minimal man(7) roff writing: escaping and the few macros walship's pages use. Text from --help
// and the page data goes through `text` so a leading dot or quote, a backslash or a hyphen (which
// roff would render as a typographic hyphen, breaking copy-paste of flags) come out as typed.

/** Escapes a run of text for a roff body line. */
export const text = (value: string): string =>
  value
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .replace(/^([.'])/gm, '\\&$1');

/** A section heading. */
export const section = (title: string): string => `.SH ${title.toUpperCase()}`;

/** A tagged paragraph: the tag in bold (an option, a status), then its description. */
export const tagged = (tag: string, body: string): string => `.TP\n.B ${text(tag)}\n${text(body)}`;

/** A paragraph. */
export const paragraph = (body: string): string => `.PP\n${text(body)}`;

/** Preformatted lines (synopsis, examples), not filled or justified. */
export const literal = (lines: string): string => `.nf\n${text(lines)}\n.fi`;
