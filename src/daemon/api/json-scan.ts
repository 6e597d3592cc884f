/**
 * One pass over a JSON body's bytes that checks its nesting depth and notes
 * where the top-level "model" string sits, so that a pass-through request can
 * have its model renamed by splicing the bytes instead of re-serialising the
 * whole body (a long conversation is hundreds of kilobytes). Bytes, not text:
 * every character JSON structure uses is ASCII, and UTF-8 never puts an
 * ASCII byte inside a multi-byte character, so offsets are byte offsets the
 * splice can cut at.
 */

export interface JsonScan {
  /** Brackets nest deeper than the limit (nothing else of the scan is meaningful then). */
  tooDeep: boolean;
  /** Offsets of the last top-level "model" member's string value, quotes included; -1 when there is none, it is not a string, or it cannot be told for sure. */
  modelStart: number;
  modelEnd: number;
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

/** Scans `text` (assumed to be the JSON that JSON.parse will judge; an invalid text is refused there). */
export function scanJson(text: Buffer, maxDepth: number): JsonScan {
  const out: JsonScan = { tooDeep: false, modelStart: -1, modelEnd: -1, objectStart: -1, escapedKey: false };
  let depth = 0;
  /** At depth 1, the next string is a member name. */
  let keyNext = false;
  /** The last member name at depth 1 was "model": its value comes next. */
  let modelValueNext = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text[i]!;
    if (c === QUOTE) {
      const start = i;
      i = stringEnd(text, i);
      if (depth !== 1) continue;
      if (keyNext) {
        keyNext = false;
        const escaped = hasBackslash(text, start + 1, i);
        if (escaped) out.escapedKey = true;
        // "model" is 5 characters: the closing quote sits 6 after the opening one.
        modelValueNext = !escaped && i - start === 6 && text[start + 1] === 0x6d && text.toString('latin1', start + 1, i) === 'model';
        // a later "model" member replaces an earlier one (JSON.parse keeps the last)
        if (modelValueNext) out.modelStart = out.modelEnd = -1;
      } else if (modelValueNext) {
        modelValueNext = false;
        out.modelStart = start;
        out.modelEnd = i + 1;
      }
      continue;
    }
    if (c === 0x7b || c === 0x5b) {
      // `{` or `[`
      if (++depth > maxDepth) {
        out.tooDeep = true;
        return out;
      }
      if (depth === 1 && c === 0x7b && out.objectStart < 0) {
        out.objectStart = i;
        keyNext = true;
      }
      modelValueNext = false;
    } else if (c === 0x7d || c === 0x5d) depth--;
    else if (depth === 1 && c === 0x2c) keyNext = true;
    else if (modelValueNext && c !== 0x3a && !isSpace(c)) modelValueNext = false; // a number, true, null…: not a string
  }
  return out;
}

/**
 * The body with its top-level "model" replaced by `model`, or null when the
 * scan cannot vouch for the position (the caller then re-serialises).
 * `current` is the parsed value of "model", checked against the bytes found.
 */
export function spliceModel(text: Buffer, scan: JsonScan, current: unknown, model: string): Buffer | null {
  if (scan.escapedKey || scan.modelStart < 0 || typeof current !== 'string') return null;
  const found = text.toString('utf8', scan.modelStart, scan.modelEnd);
  if (found !== JSON.stringify(current)) {
    // the client wrote it with escapes; make sure they spell the same name
    try {
      if (JSON.parse(found) !== current) return null;
    } catch {
      return null;
    }
  }
  return Buffer.concat([text.subarray(0, scan.modelStart), Buffer.from(JSON.stringify(model)), text.subarray(scan.modelEnd)]);
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
