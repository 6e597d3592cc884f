/**
 * Splits a byte stream into whole Server-Sent Events without decoding it:
 * event boundaries are blank lines, which are ASCII, so splitting bytes never
 * cuts a multi-byte character. Pass-through streams forward these raw bytes,
 * untouched; only events that need a look are decoded.
 */
export class SseFramer {
  #pending: Buffer | null = null;
  #bytes = 0;

  constructor(private readonly maxEventBytes = 8 * 1024 * 1024) {}

  /** Feeds a chunk; returns the bytes of the complete events it closed (possibly several), or null. */
  push(chunk: Buffer): Buffer | null {
    const buf = this.#pending === null ? chunk : Buffer.concat([this.#pending, chunk]);
    const end = lastBoundaryEnd(buf);
    if (end === -1) {
      this.#pending = buf;
      this.#bytes = buf.length;
      if (this.#bytes > this.maxEventBytes) throw new SseFramingError(`an SSE event exceeded ${this.maxEventBytes} bytes without ending`);
      return null;
    }
    this.#pending = end === buf.length ? null : buf.subarray(end);
    return end === buf.length ? buf : buf.subarray(0, end);
  }

  /** Bytes left over after the stream ended (an event without its closing blank line). */
  rest(): Buffer | null {
    const r = this.#pending;
    this.#pending = null;
    return r;
  }
}

export class SseFramingError extends Error {
  readonly code = 'KROUTER_SSE_FRAMING';
}

/** Index just past the last event boundary (\n\n or \r\n\r\n, or \r\r) in buf, or -1. */
function lastBoundaryEnd(buf: Buffer): number {
  for (let i = buf.length - 1; i > 0; i--) {
    const c = buf[i];
    if (c === 0x0a) {
      const p = buf[i - 1];
      if (p === 0x0a) return i + 1;
      // \r\n after a line end (\r\n, \n or \r): a blank line
      if (p === 0x0d && i >= 2 && (buf[i - 2] === 0x0a || buf[i - 2] === 0x0d)) return i + 1;
    } else if (c === 0x0d && buf[i - 1] === 0x0d) {
      return i + 1;
    }
  }
  return -1;
}

/** Splits a run of complete events into single events (each with its terminating blank line). */
export function splitEvents(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < buf.length; i++) {
    if (buf[i] !== 0x0a && buf[i] !== 0x0d) continue;
    let j = i;
    // one line terminator: \r\n, \n or \r
    j += buf[j] === 0x0d && buf[j + 1] === 0x0a ? 2 : 1;
    if (j < buf.length && (buf[j] === 0x0a || buf[j] === 0x0d)) {
      j += buf[j] === 0x0d && buf[j + 1] === 0x0a ? 2 : 1;
      out.push(buf.subarray(start, j));
      start = j;
      i = j - 1;
    }
  }
  if (start < buf.length) out.push(buf.subarray(start));
  return out;
}

/** The event's `event:` name and its `data:` lines joined by \n (per the SSE spec). */
export function parseEvent(raw: Buffer | string): { event: string | null; data: string | null } {
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  let event: string | null = null;
  let data: string | null = null;
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line.length === 0 || line.charCodeAt(0) === 0x3a /* ':' comment */) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 0x20) value = value.slice(1);
    if (field === 'data') data = data === null ? value : `${data}\n${value}`;
    else if (field === 'event') event = value;
  }
  return { event, data };
}
