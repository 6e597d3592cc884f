/**
 * Anthropic Messages streams ⇄ pivot stream events.
 *
 * Anthropic's event order: message_start, then per content block
 * content_block_start / content_block_delta… / content_block_stop (blocks one
 * after another, indexed from 0), then message_delta (stop_reason and
 * cumulative usage), then message_stop; `ping` may come anywhere, `error`
 * ends a stream that already started.
 */
import { randomUUID } from 'node:crypto';
import type { PivotRequest, PivotUsage, StopReason, StreamDecoder, StreamEncoder, StreamEvent } from '../pivot/types.js';
import { isObject, num, sseEvent } from '../pivot/util.js';
import {
  decodeStopReason,
  encodeStopReason,
  encodeUsage,
  errorStatus,
  mergePivotUsage,
  mergeWireUsage,
  messageId,
  readWireUsage,
  streamErrorType,
  toPivotUsage,
  toolUseId,
  type WireUsage,
} from './common.js';

// ---------------------------------------------------------------------------
// Decoder (upstream Anthropic stream → pivot events)
// ---------------------------------------------------------------------------

type BlockKind = { kind: 'text' } | { kind: 'thinking' } | { kind: 'tool'; tool: number } | { kind: 'other' };

class AnthropicStreamDecoder implements StreamDecoder {
  readonly #blocks = new Map<number, BlockKind>();
  #nextTool = 0;
  #usage: WireUsage | null = null;
  #finished = false;

  event(name: string | null, data: string): StreamEvent[] {
    if (this.#finished || data.trim() === '') return [];
    // Not JSON is not an Anthropic stream: throwing lets the relay treat it as a bad upstream.
    const d: unknown = JSON.parse(data);
    if (!isObject(d)) return [];
    const type = typeof d['type'] === 'string' ? d['type'] : name;
    switch (type) {
      case 'message_start':
        return this.#messageStart(d['message']);
      case 'content_block_start':
        return this.#blockStart(d);
      case 'content_block_delta':
        return this.#blockDelta(d);
      case 'content_block_stop': {
        const b = this.#blocks.get(num(d['index']) ?? -1);
        return b?.kind === 'tool' ? [{ type: 'tool_call_end', index: b.tool }] : [];
      }
      case 'message_delta':
        return this.#messageDelta(d);
      case 'message_stop':
        this.#finished = true;
        return [];
      case 'error': {
        this.#finished = true;
        const err = isObject(d['error']) ? d['error'] : {};
        const code = typeof err['type'] === 'string' ? err['type'] : 'api_error';
        const message = typeof err['message'] === 'string' ? err['message'] : 'The upstream reported an error mid-stream.';
        const status = errorStatus(code);
        return [status === undefined ? { type: 'error', message, code } : { type: 'error', message, code, status }];
      }
      default:
        // ping, and event types newer than this codec.
        return [];
    }
  }

  end(): StreamEvent[] {
    if (this.#finished) return [];
    this.#finished = true;
    return [{ type: 'error', message: 'The upstream stream ended before message_stop; the answer is incomplete.', code: 'upstream_error' }];
  }

  #messageStart(m: unknown): StreamEvent[] {
    const msg = isObject(m) ? m : {};
    this.#usage = readWireUsage(msg['usage']);
    const id = typeof msg['id'] === 'string' ? msg['id'] : '';
    const model = typeof msg['model'] === 'string' ? msg['model'] : '';
    return [this.#usage ? { type: 'start', id, model, usage: toPivotUsage(this.#usage) } : { type: 'start', id, model }];
  }

  #blockStart(d: Record<string, unknown>): StreamEvent[] {
    const index = num(d['index']) ?? this.#blocks.size;
    const cb = isObject(d['content_block']) ? d['content_block'] : {};
    switch (cb['type']) {
      case 'text': {
        this.#blocks.set(index, { kind: 'text' });
        const t = cb['text'];
        return typeof t === 'string' && t !== '' ? [{ type: 'text_delta', text: t }] : [];
      }
      case 'thinking': {
        this.#blocks.set(index, { kind: 'thinking' });
        const out: StreamEvent[] = [];
        const t = cb['thinking'];
        if (typeof t === 'string' && t !== '') out.push({ type: 'thinking_delta', text: t });
        const s = cb['signature'];
        if (typeof s === 'string' && s !== '') out.push({ type: 'thinking_signature', family: 'anthropic', signature: s });
        return out;
      }
      case 'redacted_thinking':
        this.#blocks.set(index, { kind: 'other' });
        return typeof cb['data'] === 'string' ? [{ type: 'redacted_thinking', family: 'anthropic', data: cb['data'] }] : [];
      case 'tool_use': {
        const tool = this.#nextTool++;
        this.#blocks.set(index, { kind: 'tool', tool });
        const out: StreamEvent[] = [{ type: 'tool_call_start', index: tool, id: typeof cb['id'] === 'string' ? cb['id'] : '', name: typeof cb['name'] === 'string' ? cb['name'] : '' }];
        const input = cb['input'];
        if (isObject(input) && Object.keys(input).length > 0) out.push({ type: 'tool_call_delta', index: tool, argumentsDelta: JSON.stringify(input) });
        return out;
      }
      default:
        // server_tool_use, web_search_tool_result, …: never asked for by a pivot request.
        this.#blocks.set(index, { kind: 'other' });
        return [];
    }
  }

  #blockDelta(d: Record<string, unknown>): StreamEvent[] {
    const b = this.#blocks.get(num(d['index']) ?? -1);
    const delta = isObject(d['delta']) ? d['delta'] : {};
    switch (delta['type']) {
      case 'text_delta': {
        const t = delta['text'];
        return typeof t === 'string' && t !== '' && b?.kind !== 'other' ? [{ type: 'text_delta', text: t }] : [];
      }
      case 'thinking_delta': {
        const t = delta['thinking'];
        return typeof t === 'string' && t !== '' ? [{ type: 'thinking_delta', text: t }] : [];
      }
      case 'signature_delta': {
        const s = delta['signature'];
        return typeof s === 'string' && s !== '' ? [{ type: 'thinking_signature', family: 'anthropic', signature: s }] : [];
      }
      case 'input_json_delta': {
        const p = delta['partial_json'];
        return b?.kind === 'tool' && typeof p === 'string' && p !== '' ? [{ type: 'tool_call_delta', index: b.tool, argumentsDelta: p }] : [];
      }
      default:
        // citations_delta and newer delta types.
        return [];
    }
  }

  #messageDelta(d: Record<string, unknown>): StreamEvent[] {
    const out: StreamEvent[] = [];
    const delta = isObject(d['delta']) ? d['delta'] : {};
    if (typeof delta['stop_reason'] === 'string') {
      const seq = delta['stop_sequence'];
      const reason = decodeStopReason(delta['stop_reason']);
      out.push(typeof seq === 'string' ? { type: 'stop', reason, stopSequence: seq } : { type: 'stop', reason });
    }
    const w = readWireUsage(d['usage']);
    if (w) {
      // message_delta usage is cumulative; input counts, when absent, are message_start's.
      this.#usage = mergeWireUsage(this.#usage, w);
      if (this.#usage) out.push({ type: 'usage', usage: toPivotUsage(this.#usage) });
    }
    return out;
  }
}

// ---------------------------------------------------------------------------
// Encoder (pivot events → client Anthropic stream)
// ---------------------------------------------------------------------------

interface ToolState {
  id: string;
  name: string;
  /** Argument text received while the tool waited for its turn. */
  buffered: string;
  ended: boolean;
  state: 'queued' | 'open' | 'closed';
}

type Open = { kind: 'text'; index: number } | { kind: 'thinking'; index: number } | { kind: 'tool'; index: number; tool: number } | null;

/**
 * Blocks are written one after another, as Anthropic does: a block opens on
 * the first event of its kind and closes when the kind changes. Tool calls
 * whose arguments interleave (possible in the pivot, never on Anthropic's
 * wire) are queued and written in turn, so the output stays sequential.
 */
class AnthropicStreamEncoder implements StreamEncoder {
  readonly #req: PivotRequest;
  #started = false;
  #nextBlock = 0;
  #open: Open = null;
  readonly #tools = new Map<number, ToolState>();
  readonly #queue: number[] = [];
  #hadTools = false;
  #usage: PivotUsage | null = null;
  #pending: { reason: StopReason; stopSequence?: string } | null = null;
  #done = false;
  #thinking: string[] = [];

  constructor(req: PivotRequest) {
    this.#req = req;
  }

  event(e: StreamEvent): string {
    if (this.#done) return '';
    // Unsigned thinking is held until an Anthropic signature arrives for it; it is dropped otherwise, since Anthropic
    // refuses a thinking block without its own signature when the client sends the conversation back.
    if (e.type !== 'thinking_delta' && e.type !== 'thinking_signature') this.#thinking = [];
    switch (e.type) {
      case 'start':
        if (e.usage) this.#usage = mergePivotUsage(this.#usage, e.usage);
        return this.#start(e.id, e.model);
      case 'text_delta':
        if (e.text === '') return '';
        return this.#start() + this.#openKind('text') + this.#delta({ type: 'text_delta', text: e.text });
      case 'thinking_delta':
        if (e.text !== '') this.#thinking.push(e.text);
        return '';
      case 'thinking_signature': {
        // A signature only ever goes back to the family that issued it.
        if (e.family !== 'anthropic' || e.signature === '') return '';
        const held = this.#thinking;
        this.#thinking = [];
        let out = this.#start() + this.#openKind('thinking');
        for (const text of held) out += this.#delta({ type: 'thinking_delta', thinking: text });
        return out + this.#delta({ type: 'signature_delta', signature: e.signature });
      }
      case 'redacted_thinking': {
        if (e.family !== 'anthropic') return '';
        const out = this.#start() + this.#closeAll();
        const index = this.#nextBlock++;
        return (
          out +
          sseEvent('content_block_start', { type: 'content_block_start', index, content_block: { type: 'redacted_thinking', data: e.data } }) +
          sseEvent('content_block_stop', { type: 'content_block_stop', index })
        );
      }
      case 'tool_call_start':
        return this.#toolStart(e.index, e.id, e.name);
      case 'tool_call_delta':
        return this.#toolDelta(e.index, e.argumentsDelta);
      case 'tool_call_end':
        return this.#toolEnd(e.index);
      case 'usage':
        this.#usage = mergePivotUsage(this.#usage, e.usage);
        // OpenAI sends usage after the finish reason: the held message_delta can go now, with it.
        return this.#pending ? this.#finish() : '';
      case 'stop': {
        const out = this.#start() + this.#closeAll();
        if (!this.#pending) this.#pending = e.stopSequence === undefined ? { reason: e.reason } : { reason: e.reason, stopSequence: e.stopSequence };
        return out;
      }
      case 'error':
        this.#done = true;
        return sseEvent('error', { type: 'error', error: { type: streamErrorType(e.code, e.status), message: e.message } });
    }
  }

  end(): string {
    if (this.#done) return '';
    const out = this.#start() + this.#closeAll();
    if (!this.#pending) this.#pending = { reason: 'end' };
    return out + this.#finish();
  }

  /** message_start, once; synthesized when the upstream gave no start event. */
  #start(id?: string, model?: string): string {
    if (this.#started) return '';
    this.#started = true;
    const message = {
      id: id !== undefined && id !== '' ? messageId(id) : `msg_${randomUUID().replace(/-/g, '')}`,
      type: 'message',
      role: 'assistant',
      model: model !== undefined && model !== '' ? model : this.#req.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: encodeUsage(this.#usage, 0),
    };
    return sseEvent('message_start', { type: 'message_start', message });
  }

  #delta(delta: Record<string, unknown>): string {
    return sseEvent('content_block_delta', { type: 'content_block_delta', index: this.#open?.index ?? 0, delta });
  }

  /** Makes a text or thinking block the open one (closing what else is open). */
  #openKind(kind: 'text' | 'thinking'): string {
    if (this.#open?.kind === kind) return '';
    const out = this.#closeAll();
    const index = this.#nextBlock++;
    this.#open = { kind, index };
    const block = kind === 'text' ? { type: 'text', text: '' } : { type: 'thinking', thinking: '', signature: '' };
    return out + sseEvent('content_block_start', { type: 'content_block_start', index, content_block: block });
  }

  #closeOpen(): string {
    const o = this.#open;
    if (!o) return '';
    this.#open = null;
    if (o.kind === 'tool') {
      const t = this.#tools.get(o.tool);
      if (t) t.state = 'closed';
    }
    return sseEvent('content_block_stop', { type: 'content_block_stop', index: o.index });
  }

  /** Closes the open block and writes out every queued tool call. */
  #closeAll(): string {
    let out = this.#closeOpen();
    for (let i = this.#queue.shift(); i !== undefined; i = this.#queue.shift()) out += this.#openTool(i) + this.#closeOpen();
    return out;
  }

  #openTool(i: number): string {
    const t = this.#tools.get(i);
    if (!t) return '';
    const index = this.#nextBlock++;
    this.#open = { kind: 'tool', index, tool: i };
    t.state = 'open';
    let out = sseEvent('content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: toolUseId(t.id), name: t.name, input: {} } });
    if (t.buffered !== '') {
      out += this.#delta({ type: 'input_json_delta', partial_json: t.buffered });
      t.buffered = '';
    }
    return out;
  }

  /** After the open tool closed: the queued tools take their turn (those already ended are written whole). */
  #promote(): string {
    let out = '';
    while (this.#open === null && this.#queue.length > 0) {
      const i = this.#queue.shift()!;
      out += this.#openTool(i);
      if (this.#tools.get(i)?.ended) out += this.#closeOpen();
    }
    return out;
  }

  #toolStart(i: number, id: string, name: string): string {
    if (this.#tools.has(i)) return '';
    this.#hadTools = true;
    this.#tools.set(i, { id, name, buffered: '', ended: false, state: 'queued' });
    let out = this.#start();
    if (this.#open?.kind === 'tool') {
      this.#queue.push(i);
      return out;
    }
    out += this.#closeAll();
    return out + this.#openTool(i);
  }

  #toolDelta(i: number, args: string): string {
    const t = this.#tools.get(i);
    if (!t || args === '') return '';
    if (t.state === 'open') return this.#delta({ type: 'input_json_delta', partial_json: args });
    if (t.state === 'queued') t.buffered += args;
    return '';
  }

  #toolEnd(i: number): string {
    const t = this.#tools.get(i);
    if (!t) return '';
    t.ended = true;
    if (t.state !== 'open') return '';
    return this.#closeOpen() + this.#promote();
  }

  /** message_delta (stop reason and the final usage), then the one message_stop. */
  #finish(): string {
    const p = this.#pending ?? { reason: 'end' as const };
    this.#done = true;
    return (
      sseEvent('message_delta', {
        type: 'message_delta',
        delta: { stop_reason: encodeStopReason(p.reason, this.#hadTools), stop_sequence: p.stopSequence ?? null },
        usage: encodeUsage(this.#usage),
      }) + sseEvent('message_stop', { type: 'message_stop' })
    );
  }
}

export function anthropicStreamDecoder(): StreamDecoder {
  return new AnthropicStreamDecoder();
}

export function anthropicStreamEncoder(req: PivotRequest): StreamEncoder {
  return new AnthropicStreamEncoder(req);
}
