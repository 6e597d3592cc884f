import { parseEvent, splitEvents } from '../sse-framer.js';
import { openAIUsage, type Usage } from './usage.js';

const USAGE_KEY = Buffer.from('"usage"');

/** True when the bytes may hold a non-null `"usage": {…}` (cheap byte scan; most chunks have none). */
export function mayHoldUsage(buf: Buffer): boolean {
  let from = 0;
  for (;;) {
    const i = buf.indexOf(USAGE_KEY, from);
    if (i === -1) return false;
    let j = i + USAGE_KEY.length;
    while (j < buf.length && (buf[j] === 0x20 || buf[j] === 0x3a || buf[j] === 0x09 || buf[j] === 0x0a || buf[j] === 0x0d)) j++;
    if (buf[j] === 0x7b) return true;
    from = j;
  }
}

/**
 * Watches an OpenAI chat-completions stream passing through: records usage
 * and, when krouter itself asked for `include_usage`, drops the usage-only
 * chunk (`choices: []`) the client did not ask for. Chunks without usage pass
 * as the same bytes.
 */
export class OpenAIStreamUsage {
  usage: Usage | null = null;

  constructor(private readonly stripUsageChunk: boolean) {}

  /** Returns what to forward for a run of complete events. */
  filter(events: Buffer): Buffer {
    if (!mayHoldUsage(events)) return events;
    const parts = splitEvents(events);
    const keep: Buffer[] = [];
    let dropped = false;
    for (const raw of parts) {
      if (!mayHoldUsage(raw)) {
        keep.push(raw);
        continue;
      }
      const { data } = parseEvent(raw);
      let obj: Record<string, unknown> | null = null;
      try {
        obj = data === null ? null : (JSON.parse(data) as Record<string, unknown>);
      } catch {
        obj = null;
      }
      const u = obj ? openAIUsage(obj['usage']) : null;
      if (u) this.usage = u;
      if (this.stripUsageChunk && u && Array.isArray(obj!['choices']) && (obj!['choices'] as unknown[]).length === 0) {
        dropped = true;
        continue;
      }
      keep.push(raw);
    }
    return dropped ? Buffer.concat(keep) : events;
  }
}
