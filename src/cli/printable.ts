// Text the plugin prints comes from the cluster: spec and status fields, annotations, AccessList
// names, messages from Microsoft and the API server. Anyone who may edit a credential writes some
// of it, so it must not be able to drive the terminal of the admin who runs `kubectl mscred status
// -A`: escape sequences (colours, cursor moves, screen clears, OSC 8 links, title changes) and
// every other control character are taken out before a line is printed.

/* eslint-disable no-control-regex -- matching control characters is the point of this file */
/** 7-bit escape sequences: CSI (ESC [ ... final), OSC / DCS / SOS / PM / APC strings up to BEL or ST, and two-character escapes. */
const ESCAPE_SEQUENCE =
  /\u001b(?:\[[\u0030-\u003f]*[\u0020-\u002f]*[\u0040-\u007e]?|[\]PX^_][^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?|[\u0020-\u002f]*[\u0030-\u007e]?)/g;
/** The same sequences introduced by their 8-bit C1 forms (CSI U+009B, OSC U+009D, DCS U+0090, ...). */
const C1_SEQUENCE =
  /\u009b[\u0030-\u003f]*[\u0020-\u002f]*[\u0040-\u007e]?|[\u009d\u0090\u0098\u009e\u009f][^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?/g;
/** Line breaks and tabs: kept as a space, so that words stay apart but one value stays on one line. */
const BREAKS = /[\t\n\v\f\r\u0085\u2028\u2029]/g;
/** Every other C0 and C1 control, DEL, and the bidirectional overrides that reorder what is shown. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/* eslint-enable no-control-regex */

/** `text` without escape sequences or control characters, on one line. */
export function printable(text: string): string {
  return text.replace(ESCAPE_SEQUENCE, "").replace(C1_SEQUENCE, "").replace(BREAKS, " ").replace(CONTROL, "");
}
