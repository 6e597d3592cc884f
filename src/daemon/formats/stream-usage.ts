import type { Usage } from './openai-chat/usage.js';
import { NO_USAGE } from './openai-chat/usage.js';
import type { FormatId } from './pivot/types.js';
import { parseEvent, splitEvents } from './sse-framer.js';
import { finishUsage, mergeUsage, USAGE_MARKERS, USAGE_READERS } from './usage-sniff.js';

/** True when the bytes may hold a non-null usage object after `marker` (cheap byte scan; most chunks have none). */
export function mayHoldUsage(buf: Buffer, marker: Buffer = USAGE_MARKERS['openai-chat']): boolean {
  let from = 0;
  for (;;) {
    const i = buf.indexOf(marker, from);
    if (i === -1) return false;
    let j = i + marker.length;
    while (j < buf.length && (buf[j] === 0x20 || buf[j] === 0x3a || buf[j] === 0x09 || buf[j] === 0x0a || buf[j] === 0x0d)) j++;
    if (buf[j] === 0x7b) return true;
    from = j;
  }
}

const NULL_USAGE = Buffer.from(',"usage":null');

/**
 * Removes the `"usage":null` member OpenAI adds to every chunk once
 * include_usage is on, so a client that did not ask sees what it would have
 * seen without krouter. Byte-safe: inside a JSON string a quote is escaped, so
 * this exact sequence only occurs as a member.
 */
function dropNullUsage(buf: Buffer): Buffer {
  let i = buf.indexOf(NULL_USAGE);
  if (i === -1) return buf;
  const parts: Buffer[] = [];
  let from = 0;
  while (i !== -1) {
    parts.push(buf.subarray(from, i));
    from = i + NULL_USAGE.length;
    i = buf.indexOf(NULL_USAGE, from);
  }
  parts.push(buf.subarray(from));
  return Buffer.concat(parts);
}

/**
 * Watches a same-format stream passing through: records usage from the
 * events that carry it and, for OpenAI chat when krouter itself asked for
 * `include_usage`, drops the usage-only chunk (`choices: []`) the client did
 * not ask for. Everything else passes as the same bytes.
 */
export class StreamUsage {
  #usage: Usage = NO_USAGE;
  #seen = false;
  readonly #marker: Buffer;

  constructor(
    private readonly format: FormatId,
    private readonly stripUsageChunk = false,
  ) {
    this.#marker = USAGE_MARKERS[format];
  }

  get usage(): Usage | null {
    return this.#seen ? finishUsage(this.#usage) : null;
  }

  /** Returns what to forward for a run of complete events. */
  filter(events: Buffer): Buffer {
    if (this.stripUsageChunk) events = dropNullUsage(events);
    if (!mayHoldUsage(events, this.#marker)) return events;
    const parts = splitEvents(events);
    const keep: Buffer[] = [];
    let dropped = false;
    for (const raw of parts) {
      if (!mayHoldUsage(raw, this.#marker)) {
        keep.push(raw);
        continue;
      }
      const { event, data } = parseEvent(raw);
      let obj: Record<string, unknown> | null = null;
      try {
        const v: unknown = data === null ? null : JSON.parse(data);
        obj = v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
      } catch {
        obj = null;
      }
      const u = obj ? USAGE_READERS[this.format](obj, event) : null;
      if (u) {
        this.#usage = mergeUsage(this.#usage, u);
        this.#seen = true;
      }
      if (this.stripUsageChunk && u && Array.isArray(obj!['choices']) && (obj!['choices'] as unknown[]).length === 0) {
        dropped = true;
        continue;
      }
      keep.push(raw);
    }
    return dropped ? Buffer.concat(keep) : events;
  }
}
