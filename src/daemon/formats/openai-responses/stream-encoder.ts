/**
 * Pivot events → a Responses SSE stream for the client (Codex and the
 * OpenAI SDKs). Every event is `event: TYPE` + `data: {type,
 * sequence_number, …}` with sequence numbers counting from 0, and the stream
 * ends with exactly one of response.completed / response.incomplete /
 * response.failed, whose response object carries every finished item.
 *
 * Items: text → a message item (output_item.added, content_part.added,
 * output_text.delta…, output_text.done, content_part.done,
 * output_item.done); thinking → a reasoning item with one summary part
 * (encrypted_content from an OpenAI redacted_thinking on its done event);
 * tool calls → function_call items with argument deltas. A call to a custom
 * (freeform) tool of the client is sent whole when it ends, as a
 * custom_tool_call item: its input is a JSON string inside the pivot
 * arguments and is only known once they are complete.
 *
 * The stop may come before the usage: the terminal event waits for a usage
 * event (or end()) unless usage was already seen.
 */
import type { PivotRequest, PivotUsage, StopReason, StreamEncoder, StreamEvent } from '../pivot/types.js';
import { sseEvent } from '../pivot/util.js';
import { customInput, callItem, callPrefix, originsByName, type ToolOrigin } from './tools.js';
import { encodeUsage, itemId, mergeUsage, responseIds, terminalOf } from './common.js';
import { messageItem, outputText, reasoningItem, responseObject } from './response.js';

interface OpenText {
  kind: 'message';
  id: string;
  index: number;
  text: string;
}

interface OpenReasoning {
  kind: 'reasoning';
  id: string;
  index: number;
  text: string;
  summaryOpen: boolean;
  encrypted?: string;
}

interface OpenCall {
  callId: string;
  name: string;
  origin: ToolOrigin | undefined;
  args: string;
  /** Output index; custom calls get theirs when they are sent, at their end. */
  index: number;
  id: string;
}

export class ResponsesStreamEncoder implements StreamEncoder {
  readonly #req: PivotRequest;
  readonly #origins: Map<string, ToolOrigin>;
  #seq = 0;
  #started = false;
  #finished = false;
  #responseId = 'resp_krouter';
  #stem = 'krouter';
  #created = 0;
  #model: string;
  #nextIndex = 0;
  /** Finished items by output index. */
  #items: Array<Record<string, unknown> | undefined> = [];
  #open: OpenText | OpenReasoning | null = null;
  #calls = new Map<number, OpenCall>();
  #usage: PivotUsage | null = null;
  #usageEventSeen = false;
  #stop: StopReason | null = null;

  constructor(req: PivotRequest) {
    this.#req = req;
    this.#origins = originsByName(req.tools);
    this.#model = req.model;
  }

  event(e: StreamEvent): string {
    if (this.#finished) return '';
    let s = '';
    if (!this.#started && e.type !== 'start') s += this.#begin();
    switch (e.type) {
      case 'start':
        if (e.usage) this.#usage = mergeUsage(this.#usage, e.usage);
        if (this.#started) return s;
        {
          const { responseId, stem } = responseIds(e.id);
          this.#responseId = responseId;
          this.#stem = stem;
        }
        if (e.created !== undefined) this.#created = e.created;
        if (e.model !== '') this.#model = e.model;
        return s + this.#begin();
      case 'text_delta': {
        if (e.text === '') return s;
        let m = this.#open;
        if (m?.kind !== 'message') {
          s += this.#closeOpen();
          m = { kind: 'message', id: itemId('msg', this.#stem, this.#nextIndex), index: this.#nextIndex++, text: '' };
          this.#open = m;
          s += this.#emit('response.output_item.added', { output_index: m.index, item: messageItem(m.id, '', 'in_progress') });
          s += this.#emit('response.content_part.added', { item_id: m.id, output_index: m.index, content_index: 0, part: outputText('') });
        }
        m.text += e.text;
        return s + this.#emit('response.output_text.delta', { item_id: m.id, output_index: m.index, content_index: 0, delta: e.text, logprobs: [] });
      }
      case 'thinking_delta': {
        if (e.text === '') return s;
        let r = this.#open;
        // a reasoning item that already has its encrypted content is finished: new thinking is a new item
        if (r?.kind !== 'reasoning' || r.encrypted !== undefined) {
          s += this.#closeOpen();
          r = this.#openReasoning();
          s += this.#emit('response.output_item.added', { output_index: r.index, item: reasoningItem(r.id, '', undefined) });
        }
        if (!r.summaryOpen) {
          r.summaryOpen = true;
          s += this.#emit('response.reasoning_summary_part.added', { item_id: r.id, output_index: r.index, summary_index: 0, part: { type: 'summary_text', text: '' } });
        }
        r.text += e.text;
        return s + this.#emit('response.reasoning_summary_text.delta', { item_id: r.id, output_index: r.index, summary_index: 0, delta: e.text });
      }
      case 'redacted_thinking': {
        if (e.family !== 'openai') return s;
        let r = this.#open;
        if (r?.kind !== 'reasoning' || r.encrypted !== undefined) {
          s += this.#closeOpen();
          r = this.#openReasoning();
          s += this.#emit('response.output_item.added', { output_index: r.index, item: reasoningItem(r.id, '', undefined) });
        }
        r.encrypted = e.data;
        return s;
      }
      case 'thinking_signature':
        // signatures of other families never reach an OpenAI client
        return s;
      case 'tool_call_start': {
        s += this.#closeOpen();
        const origin = this.#origins.get(e.name);
        const custom = origin?.kind === 'custom';
        const index = custom ? -1 : this.#nextIndex++;
        const c: OpenCall = { callId: e.id, name: e.name, origin, args: '', index, id: custom ? '' : itemId(callPrefix(origin), this.#stem, index) };
        this.#calls.set(e.index, c);
        if (!custom) s += this.#emit('response.output_item.added', { output_index: c.index, item: callItem(c.id, c.callId, c.name, '', origin, 'in_progress') });
        return s;
      }
      case 'tool_call_delta': {
        const c = this.#calls.get(e.index);
        if (!c || e.argumentsDelta === '') return s;
        c.args += e.argumentsDelta;
        if (c.index >= 0) s += this.#emit('response.function_call_arguments.delta', { item_id: c.id, output_index: c.index, delta: e.argumentsDelta });
        return s;
      }
      case 'tool_call_end':
        return s + this.#closeCall(e.index);
      case 'usage':
        this.#usage = mergeUsage(this.#usage, e.usage);
        this.#usageEventSeen = true;
        return s + (this.#stop !== null ? this.#finish() : '');
      case 'stop':
        this.#stop = e.reason;
        return s + (this.#usageEventSeen ? this.#finish() : '');
      case 'error':
        return s + this.#fail(e.code, e.message);
    }
  }

  end(): string {
    if (this.#finished) return '';
    const s = this.#started ? '' : this.#begin();
    if (this.#stop !== null) return s + this.#finish();
    return s + this.#fail('upstream_error', 'The upstream model stream ended before the response was finished.');
  }

  #emit(type: string, fields: Record<string, unknown>): string {
    return sseEvent(type, { type, sequence_number: this.#seq++, ...fields });
  }

  #snapshot(status: string, usage: Record<string, unknown> | null, incomplete: Record<string, unknown> | null, error: Record<string, unknown> | null): Record<string, unknown> {
    const output = this.#items.filter((i): i is Record<string, unknown> => i !== undefined);
    return responseObject({ id: this.#responseId, createdAt: this.#created, status, model: this.#model, output, usage, incomplete, error }, this.#req);
  }

  #begin(): string {
    this.#started = true;
    const r = this.#snapshot('in_progress', null, null, null);
    return this.#emit('response.created', { response: r }) + this.#emit('response.in_progress', { response: r });
  }

  #openReasoning(): OpenReasoning {
    const r: OpenReasoning = { kind: 'reasoning', id: itemId('rs', this.#stem, this.#nextIndex), index: this.#nextIndex++, text: '', summaryOpen: false };
    this.#open = r;
    return r;
  }

  #closeOpen(): string {
    const o = this.#open;
    if (!o) return '';
    this.#open = null;
    let s = '';
    if (o.kind === 'message') {
      s += this.#emit('response.output_text.done', { item_id: o.id, output_index: o.index, content_index: 0, text: o.text, logprobs: [] });
      s += this.#emit('response.content_part.done', { item_id: o.id, output_index: o.index, content_index: 0, part: outputText(o.text) });
      const item = messageItem(o.id, o.text, 'completed');
      this.#items[o.index] = item;
      return s + this.#emit('response.output_item.done', { output_index: o.index, item });
    }
    if (o.summaryOpen) {
      s += this.#emit('response.reasoning_summary_text.done', { item_id: o.id, output_index: o.index, summary_index: 0, text: o.text });
      s += this.#emit('response.reasoning_summary_part.done', { item_id: o.id, output_index: o.index, summary_index: 0, part: { type: 'summary_text', text: o.text } });
    }
    const item = reasoningItem(o.id, o.text, o.encrypted);
    this.#items[o.index] = item;
    return s + this.#emit('response.output_item.done', { output_index: o.index, item });
  }

  #closeCall(index: number): string {
    const c = this.#calls.get(index);
    if (!c) return '';
    this.#calls.delete(index);
    let s = '';
    if (c.index < 0) {
      // a custom tool call, sent whole
      c.index = this.#nextIndex++;
      c.id = itemId('ctc', this.#stem, c.index);
      const input = customInput(c.args);
      s += this.#emit('response.output_item.added', { output_index: c.index, item: callItem(c.id, c.callId, c.name, '{"input":""}', c.origin, 'in_progress') });
      s += this.#emit('response.custom_tool_call_input.delta', { item_id: c.id, output_index: c.index, delta: input });
      s += this.#emit('response.custom_tool_call_input.done', { item_id: c.id, output_index: c.index, input });
    } else {
      s += this.#emit('response.function_call_arguments.done', { item_id: c.id, output_index: c.index, name: c.origin?.name ?? c.name, arguments: c.args });
    }
    const item = callItem(c.id, c.callId, c.name, c.args, c.origin, 'completed');
    this.#items[c.index] = item;
    return s + this.#emit('response.output_item.done', { output_index: c.index, item });
  }

  #closeAll(): string {
    let s = this.#closeOpen();
    for (const k of [...this.#calls.keys()].sort((a, b) => a - b)) s += this.#closeCall(k);
    return s;
  }

  #finish(): string {
    let s = this.#closeAll();
    this.#finished = true;
    const reason = this.#stop ?? 'end';
    const t = terminalOf(reason);
    const usage = encodeUsage(this.#usage ?? undefined);
    if (t.status === 'failed') {
      const r = this.#snapshot('failed', usage, null, { code: 'server_error', message: 'The model stopped with an error.' });
      return s + this.#emit('response.failed', { response: r });
    }
    const r = this.#snapshot(t.status, usage, t.incomplete, null);
    s += this.#emit(t.status === 'completed' ? 'response.completed' : 'response.incomplete', { response: r });
    return s;
  }

  #fail(code: string, message: string): string {
    this.#finished = true;
    const usage = this.#usage ? encodeUsage(this.#usage) : null;
    const r = this.#snapshot('failed', usage, null, { code: failedCode(code), message });
    return this.#emit('response.failed', { response: r });
  }
}

/** `response.failed` carries one of OpenAI's documented error codes; an upstream's own code is folded into the nearest. */
function failedCode(code: string): string {
  if (/rate|quota|exhausted|429/i.test(code)) return 'rate_limit_exceeded';
  if (/invalid_prompt/i.test(code)) return 'invalid_prompt';
  return 'server_error';
}
