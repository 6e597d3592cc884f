/**
 * One pass over a JSON body's bytes that checks its grammar and nesting depth
 * and notes where the top-level members krouter routes by ("model", "stream",
 * "stream_options") sit. A pass-through request is then routed by parsing
 * those few bytes alone and sent on with its model renamed by splicing: the
 * rest of the body (a long conversation is hundreds of kilobytes) is never
 * decoded into a string or parsed. Bytes, not text: every character JSON
 * structure uses is ASCII, and UTF-8 never puts an ASCII byte inside a
 * multi-byte character, so offsets are byte offsets the splice can cut at.
 *
 * The grammar check covers everything but the inside of strings (quotes are
 * matched, escapes and control characters are not judged there): a body the
 * scan calls valid is one JSON.parse accepts, or one whose only fault is in a
 * string's contents, which the provider then refuses as it would from the
 * client directly.
 */

/** Do the bytes from `from` on spell `name` (ASCII)? Compared in place: no string is made of a key. */
function bytesSpell(text: Buffer, from: number, name: string): boolean {
  for (let k = 0; k < name.length; k++) if (text[from + k] !== name.charCodeAt(k)) return false;
  return true;
}

/** The top-level members a request is routed by; a scan locates their values (JsonScan.spans, in this order). */
export const ROUTING_MEMBERS = ['model', 'stream', 'stream_options'] as const;

/** The index in ROUTING_MEMBERS of the name text[from..to) spells (a key without escapes), or -1. */
function routingMember(text: Buffer, from: number, to: number): number {
  for (let m = 0; m < ROUTING_MEMBERS.length; m++) {
    const name = ROUTING_MEMBERS[m]!;
    if (name.length === to - from && bytesSpell(text, from, name)) return m;
  }
  return -1;
}

export interface JsonScan {
  /** The text is one JSON value by the grammar above, with nothing after it. */
  valid: boolean;
  /** Brackets nest deeper than the limit (nothing else of the scan is meaningful then). */
  tooDeep: boolean;
  /**
   * Where the value of each routing member sits (the last one of duplicates,
   * as JSON.parse keeps): spans[2i] and spans[2i + 1] are the offsets of the
   * value of ROUTING_MEMBERS[i] (quotes included for a string), -1 when it is
   * absent.
   */
  spans: number[];
  /** Offset of the top-level object's opening brace (-1 when the text is not an object). */
  objectStart: number;
  /** A top-level key is written with escapes: it might spell any name, so no member position can be trusted. */
  escapedKey: boolean;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** JSON's insignificant whitespace: space, line feed, carriage return, tab. */
export function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * Offset of the quote that closes the string opening at `open` (the text's
 * length when it never closes). indexOf jumps along the string natively; a
 * quote counts when an even number of backslashes precedes it.
 */
function stringEnd(text: Buffer, open: number): number {
  let from = open + 1;
  for (;;) {
    const q = text.indexOf(QUOTE, from);
    if (q < 0) return text.length;
    let b = q - 1;
    while (text[b] === BACKSLASH) b--;
    if ((q - 1 - b) % 2 === 0) return q;
    from = q + 1;
  }
}

/** A backslash among text[from..to) (a member name: short, so a plain loop, no Buffer view). */
function hasBackslash(text: Buffer, from: number, to: number): boolean {
  for (let k = from; k < to; k++) if (text[k] === BACKSLASH) return true;
  return false;
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

/** Offset just past the number starting at `i` (JSON's grammar: -?(0|[1-9]d*)(.d+)?([eE][+-]?d+)?), or -1 when it is not one. */
function numberEnd(text: Buffer, i: number): number {
  if (text[i] === 0x2d) i++; // -
  if (text[i] === 0x30) i++;
  else if (isDigit(text[i])) while (isDigit(text[i])) i++;
  else return -1;
  if (text[i] === 0x2e) {
    // .
    if (!isDigit(text[++i])) return -1;
    while (isDigit(text[i])) i++;
  }
  if (text[i] === 0x65 || text[i] === 0x45) {
    // e E
    i++;
    if (text[i] === 0x2b || text[i] === 0x2d) i++;
    if (!isDigit(text[i])) return -1;
    while (isDigit(text[i])) i++;
  }
  return i;
}

// What the scanner expects next.
const VALUE = 0;
/** After `[`: a value or `]`. */
const VALUE_OR_CLOSE = 1;
/** After `{`: a key or `}`. */
const KEY_OR_CLOSE = 2;
const KEY = 3;
const COLON = 4;
/** After a value: `,`, the container's closing bracket, or (at the top) the end. */
const AFTER_VALUE = 5;

const IN_OBJECT = 1;
const IN_ARRAY = 2;

/** The kinds of the open containers, outermost first (IN_OBJECT / IN_ARRAY): one buffer for every scan (a scan runs synchronously to its end). */
let openKinds = new Uint8Array(129);

/** Notes that the value of routing member `member` spans text[start..end) (nothing for -1); returns -1, the member now read. */
function recordSpan(spans: number[], member: number, start: number, end: number): number {
  if (member >= 0) {
    spans[2 * member] = start;
    spans[2 * member + 1] = end;
  }
  return -1;
}

/** Scans `text`; see JsonScan for what it reports. */
export function scanJson(text: Buffer, maxDepth: number): JsonScan {
  const spans = [-1, -1, -1, -1, -1, -1];
  const out: JsonScan = { valid: false, tooDeep: false, spans, objectStart: -1, escapedKey: false };
  if (openKinds.length <= maxDepth) openKinds = new Uint8Array(maxDepth + 1);
  const open = openKinds;
  let depth = 0;
  let state = VALUE;
  /** The index of the routing member whose value is being read at depth 1 (-1 for any other). */
  let member = -1;
  let valueStart = -1;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text[i]!;
    if (isSpace(c)) continue;
    if (state === VALUE_OR_CLOSE || state === KEY_OR_CLOSE) {
      if (c === (state === VALUE_OR_CLOSE ? 0x5d : 0x7d)) {
        // an empty container closed: the value it was ends here
        depth--;
        state = AFTER_VALUE;
        if (depth === 1) member = recordSpan(spans, member, valueStart, i + 1);
        continue;
      }
      state = state === VALUE_OR_CLOSE ? VALUE : KEY;
    }
    switch (state) {
      case VALUE:
        if (depth === 1) valueStart = i;
        if (c === QUOTE) {
          i = stringEnd(text, i);
          if (i >= n) return out;
          state = AFTER_VALUE;
        } else if (c === 0x7b || c === 0x5b) {
          // `{` or `[`
          if (++depth > maxDepth) {
            out.tooDeep = true;
            return out;
          }
          open[depth] = c === 0x7b ? IN_OBJECT : IN_ARRAY;
          if (c === 0x7b && depth === 1) out.objectStart = i;
          state = c === 0x7b ? KEY_OR_CLOSE : VALUE_OR_CLOSE;
          continue; // the value ends at its closing bracket
        } else if (c === 0x74 || c === 0x66 || c === 0x6e) {
          // true false null
          const word = c === 0x74 ? 'true' : c === 0x66 ? 'false' : 'null';
          if (!bytesSpell(text, i, word)) return out;
          i += word.length - 1;
          state = AFTER_VALUE;
        } else {
          const end = numberEnd(text, i);
          if (end < 0) return out;
          i = end - 1;
          state = AFTER_VALUE;
        }
        break;
      case KEY: {
        if (c !== QUOTE) return out;
        const start = i;
        i = stringEnd(text, i);
        if (i >= n) return out;
        if (depth === 1) {
          const escaped = hasBackslash(text, start + 1, i);
          if (escaped) out.escapedKey = true;
          member = escaped ? -1 : routingMember(text, start + 1, i);
        }
        state = COLON;
        continue;
      }
      case COLON:
        if (c !== 0x3a) return out;
        state = VALUE;
        continue;
      case AFTER_VALUE:
        if (depth === 0) return out; // something after the top-level value
        if (c === 0x2c) {
          state = open[depth] === IN_OBJECT ? KEY : VALUE;
          continue;
        }
        if (c !== (open[depth] === IN_OBJECT ? 0x7d : 0x5d)) return out;
        depth--; // a container closed: the value it was ends here
        break;
    }
    // A value just ended at i (a scalar, or a container closed back to this depth).
    if (depth === 1) member = recordSpan(spans, member, valueStart, i + 1);
  }
  out.valid = state === AFTER_VALUE && depth === 0;
  return out;
}

/** A string's bytes hold no escape and no control character: its text is the bytes between the quotes. */
function plainString(body: Buffer, start: number, end: number): boolean {
  for (let i = start + 1; i < end - 1; i++) if (body[i]! < 0x20 || body[i] === 0x5c) return false;
  return true;
}

/** The value at body[start..end) (a scan's span; undefined for -1): plain strings and true/false directly, anything else by JSON.parse (which may throw). */
export function spanValue(body: Buffer, start: number, end: number): unknown {
  if (start < 0) return undefined;
  const first = body[start];
  if (first === 0x22 && plainString(body, start, end)) return body.toString('utf8', start + 1, end - 1);
  if (first === 0x74 && end - start === 4) return true;
  if (first === 0x66 && end - start === 5) return false;
  return JSON.parse(body.toString('utf8', start, end));
}

/**
 * The body with its top-level "model" replaced by `model`, or null when the
 * scan cannot vouch for the position (the caller then re-serialises).
 * `current` is the parsed value of "model", checked against the bytes found.
 */
export function spliceModel(text: Buffer, scan: JsonScan, current: unknown, model: string): Buffer | null {
  const [start, end] = scan.spans as [number, number]; // "model" is ROUTING_MEMBERS' first
  if (scan.escapedKey || start < 0 || text[start] !== QUOTE || typeof current !== 'string') return null;
  const found = text.toString('utf8', start, end);
  if (found !== JSON.stringify(current)) {
    // the client wrote it with escapes; make sure they spell the same name
    try {
      if (JSON.parse(found) !== current) return null;
    } catch {
      return null;
    }
  }
  return Buffer.concat([text.subarray(0, start), Buffer.from(JSON.stringify(model)), text.subarray(end)]);
}

/** The body with `"name":value,` inserted as the object's first member (the caller knows `name` is absent). */
export function insertMember(text: Buffer, scan: JsonScan, name: string, value: unknown): Buffer | null {
  if (scan.escapedKey || scan.objectStart < 0) return null;
  const at = scan.objectStart + 1;
  let rest = at;
  while (rest < text.length && isSpace(text[rest]!)) rest++;
  const sep = text[rest] === 0x7d ? '' : ',';
  return Buffer.concat([text.subarray(0, at), Buffer.from(`${JSON.stringify(name)}:${JSON.stringify(value)}${sep}`), text.subarray(at)]);
}
