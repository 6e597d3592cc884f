/**
 * A Responses SSE stream (from an OpenAI Responses provider) → pivot events.
 *
 * response.created → start; function_call / custom_tool_call items →
 * tool_call_start/delta/end (a custom tool's raw input is wrapped as the
 * arguments `{"input": "…"}` while it streams); text and refusal deltas →
 * text_delta; reasoning summary and reasoning text deltas → thinking_delta
 * (summary parts separated by a blank line); a finished reasoning item's
 * encrypted_content → redacted_thinking (family openai); response.completed
 * or .incomplete → usage, stop; response.failed and `error` → error. A stream
 * that ends without a terminal event ends with an error.
 */
import type { PivotUsage, StopReason, StreamDecoder, StreamEvent } from '../pivot/types.js';
import { isObject, num } from '../pivot/util.js';
import { decodeUsage, jsonStringPiece } from './common.js';
import { stopReasonOf } from './response.js';
import { flatName } from './tools.js';

interface Call {
  index: number;
  custom: boolean;
  args: string;
  ended: boolean;
}

interface Reasoning {
  thinking: boolean;
}

export class ResponsesStreamDecoder implements StreamDecoder {
  #started = false;
  #done = false;
  #nextIndex = 0;
  #refused = false;
  #calls = new Map<string, Call>();
  #reasoning = new Map<string, Reasoning>();
  /** message item id → text already delivered as deltas */
  #texts = new Map<string, boolean>();

  event(name: string | null, data: string): StreamEvent[] {
    if (this.#done) return [];
    const trimmed = data.trim();
    if (trimmed === '' || trimmed === '[DONE]') return [];
    let d: unknown;
    try {
      d = JSON.parse(trimmed);
    } catch {
      return [];
    }
    if (!isObject(d)) return [];
    const type = typeof d['type'] === 'string' ? d['type'] : name;
    const out: StreamEvent[] = [];
    switch (type) {
      case 'response.created':
      case 'response.in_progress':
      case 'response.queued':
        this.#start(isObject(d['response']) ? d['response'] : {}, out);
        break;
      case 'response.output_item.added':
        this.#start({}, out);
        if (isObject(d['item'])) this.#itemAdded(d['item'], d['output_index'], out);
        break;
      case 'response.output_text.delta':
      case 'response.refusal.delta':
        this.#start({}, out);
        if (type === 'response.refusal.delta') this.#refused = true;
        if (typeof d['delta'] === 'string' && d['delta'] !== '') {
          if (typeof d['item_id'] === 'string') this.#texts.set(d['item_id'], true);
          out.push({ type: 'text_delta', text: d['delta'] });
        }
        break;
      case 'response.reasoning_summary_part.added': {
        this.#start({}, out);
        const r = this.#reasoningOf(d['item_id']);
        if (r.thinking) out.push({ type: 'thinking_delta', text: '\n\n' });
        break;
      }
      case 'response.reasoning_summary_text.delta':
      case 'response.reasoning_text.delta':
        this.#start({}, out);
        if (typeof d['delta'] === 'string' && d['delta'] !== '') {
          this.#reasoningOf(d['item_id']).thinking = true;
          out.push({ type: 'thinking_delta', text: d['delta'] });
        }
        break;
      case 'response.function_call_arguments.delta':
      case 'response.custom_tool_call_input.delta': {
        const c = this.#callOf(d['item_id'], d['output_index']);
        if (c && typeof d['delta'] === 'string' && d['delta'] !== '') {
          const piece = c.custom ? jsonStringPiece(d['delta']) : d['delta'];
          c.args += piece;
          out.push({ type: 'tool_call_delta', index: c.index, argumentsDelta: piece });
        }
        break;
      }
      case 'response.output_item.done':
        this.#start({}, out);
        if (isObject(d['item'])) this.#itemDone(d['item'], d['output_index'], out);
        break;
      case 'response.completed':
      case 'response.incomplete':
      case 'response.failed':
        this.#start(isObject(d['response']) ? d['response'] : {}, out);
        this.#terminal(isObject(d['response']) ? d['response'] : {}, type, out);
        break;
      case 'error': {
        this.#done = true;
        const err = isObject(d['error']) ? d['error'] : d;
        out.push({ type: 'error', message: typeof err['message'] === 'string' ? err['message'] : 'the upstream stream reported an error', code: typeof err['code'] === 'string' ? err['code'] : 'upstream_error' });
        break;
      }
      default:
      // content_part.*, *.done, annotations, hosted tool progress: nothing the pivot needs
    }
    return out;
  }

  end(): StreamEvent[] {
    if (this.#done) return [];
    this.#done = true;
    return [{ type: 'error', message: 'the upstream Responses stream ended before response.completed', code: 'upstream_error' }];
  }

  #start(resp: Record<string, unknown>, out: StreamEvent[]): void {
    if (this.#started) return;
    this.#started = true;
    const e: Extract<StreamEvent, { type: 'start' }> = { type: 'start', id: typeof resp['id'] === 'string' ? resp['id'] : '', model: typeof resp['model'] === 'string' ? resp['model'] : '' };
    const created = num(resp['created_at']);
    if (created !== null) e.created = created;
    out.push(e);
  }

  #reasoningOf(id: unknown): Reasoning {
    const key = typeof id === 'string' ? id : '';
    let r = this.#reasoning.get(key);
    if (!r) {
      r = { thinking: false };
      this.#reasoning.set(key, r);
    }
    return r;
  }

  #callOf(itemId: unknown, outputIndex: unknown): Call | undefined {
    if (typeof itemId === 'string' && this.#calls.has(itemId)) return this.#calls.get(itemId);
    return typeof outputIndex === 'number' ? this.#calls.get(`#${outputIndex}`) : undefined;
  }

  #openCall(item: Record<string, unknown>, outputIndex: unknown, out: StreamEvent[]): Call | undefined {
    const existing = this.#callOf(item['id'], outputIndex);
    if (existing) return existing;
    if (typeof item['call_id'] !== 'string' || typeof item['name'] !== 'string') return undefined;
    const custom = item['type'] === 'custom_tool_call';
    const c: Call = { index: this.#nextIndex++, custom, args: '', ended: false };
    if (typeof item['id'] === 'string') this.#calls.set(item['id'], c);
    if (typeof outputIndex === 'number') this.#calls.set(`#${outputIndex}`, c);
    const ns = typeof item['namespace'] === 'string' ? item['namespace'] : undefined;
    out.push({ type: 'tool_call_start', index: c.index, id: item['call_id'], name: flatName(ns, item['name']) });
    if (custom) {
      c.args = '{"input":"';
      out.push({ type: 'tool_call_delta', index: c.index, argumentsDelta: c.args });
    }
    return c;
  }

  #itemAdded(item: Record<string, unknown>, outputIndex: unknown, out: StreamEvent[]): void {
    if (item['type'] !== 'function_call' && item['type'] !== 'custom_tool_call') return;
    const c = this.#openCall(item, outputIndex, out);
    const initial = item['type'] === 'function_call' ? item['arguments'] : item['input'];
    if (c && typeof initial === 'string' && initial !== '') {
      const piece = c.custom ? jsonStringPiece(initial) : initial;
      c.args += piece;
      out.push({ type: 'tool_call_delta', index: c.index, argumentsDelta: piece });
    }
  }

  #itemDone(item: Record<string, unknown>, outputIndex: unknown, out: StreamEvent[]): void {
    switch (item['type']) {
      case 'function_call':
      case 'custom_tool_call': {
        const c = this.#openCall(item, outputIndex, out);
        if (!c || c.ended) return;
        const full = item['type'] === 'function_call' ? item['arguments'] : item['input'];
        // arguments that never streamed (a provider that sends only the finished item)
        if (typeof full === 'string' && full !== '' && (c.custom ? c.args === '{"input":"' : c.args === '')) {
          const piece = c.custom ? jsonStringPiece(full) : full;
          c.args += piece;
          out.push({ type: 'tool_call_delta', index: c.index, argumentsDelta: piece });
        }
        if (c.custom) out.push({ type: 'tool_call_delta', index: c.index, argumentsDelta: '"}' });
        c.ended = true;
        out.push({ type: 'tool_call_end', index: c.index });
        return;
      }
      case 'reasoning': {
        const r = this.#reasoningOf(item['id']);
        if (!r.thinking) {
          const texts = (Array.isArray(item['summary']) ? item['summary'] : []).filter((s: unknown): s is Record<string, unknown> => isObject(s) && typeof s['text'] === 'string').map((s) => s['text'] as string);
          const text = texts.join('\n\n');
          if (text !== '') {
            r.thinking = true;
            out.push({ type: 'thinking_delta', text });
          }
        }
        if (typeof item['encrypted_content'] === 'string' && item['encrypted_content'] !== '') out.push({ type: 'redacted_thinking', family: 'openai', data: item['encrypted_content'] });
        return;
      }
      case 'message': {
        if (typeof item['id'] === 'string' && this.#texts.get(item['id'])) return;
        if (!Array.isArray(item['content'])) return;
        for (const c of item['content'] as unknown[]) {
          if (!isObject(c)) continue;
          const t = c['type'] === 'output_text' ? c['text'] : c['type'] === 'refusal' ? c['refusal'] : undefined;
          if (c['type'] === 'refusal') this.#refused = true;
          if (typeof t === 'string' && t !== '') out.push({ type: 'text_delta', text: t });
        }
        return;
      }
      default:
    }
  }

  #terminal(resp: Record<string, unknown>, type: string, out: StreamEvent[]): void {
    this.#done = true;
    if (type === 'response.failed') {
      const err = isObject(resp['error']) ? resp['error'] : {};
      out.push({ type: 'error', message: typeof err['message'] === 'string' ? err['message'] : 'the upstream response failed', code: typeof err['code'] === 'string' ? err['code'] : 'upstream_error' });
      return;
    }
    // close calls a provider left open
    for (const c of new Set(this.#calls.values())) {
      if (c.ended) continue;
      if (c.custom) out.push({ type: 'tool_call_delta', index: c.index, argumentsDelta: '"}' });
      c.ended = true;
      out.push({ type: 'tool_call_end', index: c.index });
    }
    const usage: PivotUsage | null = decodeUsage(resp['usage']);
    if (usage) out.push({ type: 'usage', usage });
    const status = type === 'response.incomplete' ? 'incomplete' : (resp['status'] ?? 'completed');
    const reason: StopReason = stopReasonOf({ ...resp, status }, this.#nextIndex > 0, this.#refused);
    out.push({ type: 'stop', reason });
  }
}
