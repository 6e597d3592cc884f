/** OpenAI Chat Completions stream (`chat.completion.chunk` SSE) ⇄ pivot stream events. */
import type { PivotRequest, PivotUsage, StreamDecoder, StreamEncoder, StreamEvent } from '../pivot/types.js';
import { isObject, sseEvent } from '../pivot/util.js';
import { decodeFinish, decodeUsage, encodeFinish, encodeUsage, errorType, geminiSignatureField, mergeUsage, readError, readGeminiSignature } from './common.js';

/**
 * Decodes an upstream chat-completions stream. Tool calls get pivot indexes
 * 0, 1, … in order of appearance; an upstream that leaves out `index` (or
 * reuses one for a call with a new id) still gets one call per id.
 */
export class OpenAIChatStreamDecoder implements StreamDecoder {
  private started = false;
  private stopped = false;
  private refused = false;
  private readonly byUpstreamIndex = new Map<number, number>();
  private readonly ids: string[] = [];
  private readonly open = new Set<number>();
  private last: number | null = null;

  event(_name: string | null, data: string): StreamEvent[] {
    const trimmed = data.trim();
    if (trimmed === '' || trimmed === '[DONE]') return [];
    let chunk: unknown;
    try {
      chunk = JSON.parse(trimmed);
    } catch {
      return [{ type: 'error', message: 'the upstream sent a stream event that is not JSON', code: 'upstream_bad_stream' }];
    }
    if (!isObject(chunk)) return [];
    if (chunk['error'] !== undefined && chunk['error'] !== null) {
      const e = readError(chunk['error']);
      const out: StreamEvent = { type: 'error', message: e.message, code: e.code };
      const status = isObject(chunk['error']) ? chunk['error']['status'] : undefined;
      if (typeof status === 'number') out.status = status;
      return [out];
    }
    const out: StreamEvent[] = [];
    // Azure opens with a prompt-filter chunk (id "", model "", created 0, no choices): the start comes from the first real chunk.
    const placeholder = chunk['id'] === '' && (chunk['model'] === '' || chunk['model'] === undefined) && !(Array.isArray(chunk['choices']) && chunk['choices'].length > 0);
    if (!this.started && !placeholder) {
      this.started = true;
      const start: StreamEvent = {
        type: 'start',
        id: typeof chunk['id'] === 'string' ? chunk['id'] : '',
        model: typeof chunk['model'] === 'string' ? chunk['model'] : '',
      };
      if (typeof chunk['created'] === 'number') start.created = chunk['created'];
      out.push(start);
    }
    const choices = chunk['choices'];
    const choice: unknown = Array.isArray(choices) ? choices.find((c) => isObject(c) && (c['index'] ?? 0) === 0) : undefined;
    if (isObject(choice) && !this.stopped) {
      if (isObject(choice['delta'])) this.delta(choice['delta'], out);
      const finish = choice['finish_reason'];
      if (finish !== undefined && finish !== null) {
        out.push(...this.closeCalls());
        const stop = decodeFinish(finish, choice['stop_reason'], this.refused);
        const ev: StreamEvent = { type: 'stop', reason: stop.reason };
        if (stop.stopSequence !== undefined) ev.stopSequence = stop.stopSequence;
        out.push(ev);
        this.stopped = true;
      }
    }
    // Groq reports usage under x_groq.
    const groq = chunk['x_groq'];
    const usage = decodeUsage(chunk['usage']) ?? (isObject(groq) ? decodeUsage(groq['usage']) : null);
    if (usage) out.push({ type: 'usage', usage });
    return out;
  }

  end(): StreamEvent[] {
    return this.stopped ? [] : this.closeCalls();
  }

  private delta(d: Record<string, unknown>, out: StreamEvent[]): void {
    // DeepSeek says reasoning_content; OpenRouter, Ollama and others say reasoning.
    const reasoning = d['reasoning_content'] ?? d['reasoning'];
    if (typeof reasoning === 'string' && reasoning !== '') out.push({ type: 'thinking_delta', text: reasoning });
    if (typeof d['content'] === 'string' && d['content'] !== '') out.push({ type: 'text_delta', text: d['content'] });
    if (typeof d['refusal'] === 'string' && d['refusal'] !== '') {
      this.refused = true;
      out.push({ type: 'text_delta', text: d['refusal'] });
    }
    const calls = d['tool_calls'];
    if (!Array.isArray(calls)) return;
    for (const tc of calls) {
      if (!isObject(tc)) continue;
      const fn = isObject(tc['function']) ? tc['function'] : {};
      const upstream = typeof tc['index'] === 'number' ? tc['index'] : null;
      const id = typeof tc['id'] === 'string' && tc['id'] !== '' ? tc['id'] : null;
      let i: number | undefined;
      if (upstream !== null) {
        i = this.byUpstreamIndex.get(upstream);
        if (i !== undefined && id !== null && this.ids[i] !== id) i = undefined;
      } else if (id !== null) {
        const k = this.ids.indexOf(id);
        i = k === -1 ? undefined : k;
      } else {
        i = this.last ?? undefined;
      }
      if (i === undefined) {
        i = this.ids.length;
        this.ids.push(id ?? `call_${i}`);
        if (upstream !== null) this.byUpstreamIndex.set(upstream, i);
        this.open.add(i);
        const signature = readGeminiSignature(tc);
        out.push({ type: 'tool_call_start', index: i, id: this.ids[i]!, name: typeof fn['name'] === 'string' ? fn['name'] : '', ...(signature ? { signature } : {}) });
      }
      this.last = i;
      const args = fn['arguments'];
      if (typeof args === 'string' && args !== '' && this.open.has(i)) out.push({ type: 'tool_call_delta', index: i, argumentsDelta: args });
    }
  }

  private closeCalls(): StreamEvent[] {
    const out: StreamEvent[] = [...this.open].sort((a, b) => a - b).map((index) => ({ type: 'tool_call_end', index }));
    this.open.clear();
    return out;
  }
}

/**
 * Encodes pivot events as a chat-completions stream. Usage (which may arrive
 * before or after the stop, or in several pieces) is sent once, as the
 * `choices: []` chunk after the finish chunk, and only when the client asked
 * for it; then `data: [DONE]`.
 */
export class OpenAIChatStreamEncoder implements StreamEncoder {
  private id = '';
  private model: string;
  private created = 0;
  private started = false;
  private stopped = false;
  private failed = false;
  private ended = false;
  private usage: PivotUsage | null = null;
  /** Pivot tool-call index → chat index (0, 1, … in order of start). */
  private readonly calls = new Map<number, number>();

  constructor(private readonly req: PivotRequest) {
    this.model = req.model;
  }

  event(e: StreamEvent): string {
    if (this.failed || this.ended) return '';
    switch (e.type) {
      case 'start':
        if (this.started) return '';
        this.started = true;
        this.id = e.id;
        this.model = e.model;
        this.created = e.created ?? 0;
        if (e.usage) this.usage = mergeUsage(this.usage, e.usage);
        return this.chunk({ role: 'assistant', content: '' });
      case 'text_delta':
        return this.content({ content: e.text }, e.text);
      case 'thinking_delta':
        return this.content({ reasoning_content: e.text }, e.text);
      case 'tool_call_start': {
        if (this.stopped || this.calls.has(e.index)) return '';
        const index = this.calls.size;
        this.calls.set(e.index, index);
        return this.begin() + this.chunk({ tool_calls: [{ index, id: e.id, type: 'function', function: { name: e.name, arguments: '' }, ...geminiSignatureField(e.signature) }] });
      }
      case 'tool_call_delta': {
        const index = this.calls.get(e.index);
        if (this.stopped || index === undefined || e.argumentsDelta === '') return '';
        return this.chunk({ tool_calls: [{ index, function: { arguments: e.argumentsDelta } }] });
      }
      case 'usage':
        this.usage = mergeUsage(this.usage, e.usage);
        return '';
      case 'stop':
        if (this.stopped) return '';
        this.stopped = true;
        return this.begin() + this.chunk({}, encodeFinish(e.reason, this.calls.size > 0));
      case 'error':
        this.failed = true;
        return sseEvent(null, { error: { message: e.message, type: errorType(e.status), code: e.code } });
      default:
        // thinking_signature, redacted_thinking, tool_call_end: nothing to say in this format.
        return '';
    }
  }

  end(): string {
    if (this.ended) return '';
    this.ended = true;
    let out = '';
    if (!this.failed && this.usage && this.req.streamUsage) {
      out += sseEvent(null, { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices: [], usage: encodeUsage(this.usage) });
    }
    return out + sseEvent(null, '[DONE]');
  }

  /** A content delta; the role chunk first if no start event came. */
  private content(delta: Record<string, unknown>, text: string): string {
    if (this.stopped || text === '') return '';
    return this.begin() + this.chunk(delta);
  }

  private begin(): string {
    if (this.started) return '';
    this.started = true;
    return this.chunk({ role: 'assistant', content: '' });
  }

  private chunk(delta: Record<string, unknown>, finish: string | null = null): string {
    return sseEvent(null, {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    });
  }
}
