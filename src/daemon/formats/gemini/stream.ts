import type { PivotRequest, PivotUsage, SignatureFamily, StopReason, StreamDecoder, StreamEncoder, StreamEvent } from '../pivot/types.js';
import { EMPTY_USAGE } from '../pivot/types.js';
import { isObject, sseEvent } from '../pivot/util.js';
import { encodeToolCall } from './request.js';
import { callId, firstCandidate, outputParts, stopOf } from './response.js';
import { decodeUsage, encodeFinishReason, encodeUsage, errorBody, get, getNumber, getString, mergeUsage, sameUsage } from './wire.js';

/**
 * streamGenerateContent?alt=sse: every SSE `data:` is a whole
 * GenerateContentResponse chunk; no event names, no [DONE]. The last chunk
 * carries finishReason and the final usageMetadata.
 */

const GEMINI: SignatureFamily = 'gemini';

class GeminiStreamDecoder implements StreamDecoder {
  #started = false;
  #stopped = false;
  #failed = false;
  #calls = 0;
  #id = '';
  #usage: PivotUsage | null = null;

  event(_name: string | null, data: string): StreamEvent[] {
    if (this.#failed) return [];
    const text = data.trim();
    if (text === '' || text === '[DONE]') return [];
    let chunk: unknown;
    try {
      chunk = JSON.parse(text);
    } catch {
      this.#failed = true;
      return [{ type: 'error', code: 'upstream_bad_stream', message: 'The Gemini upstream sent a stream chunk that is not JSON.' }];
    }
    if (!isObject(chunk)) return [];
    const err = get(chunk, 'error');
    if (isObject(err)) {
      this.#failed = true;
      const status = getNumber(err, 'code');
      return [{ type: 'error', code: getString(err, 'status') ?? 'UNKNOWN', message: getString(err, 'message') ?? 'The Gemini upstream reported an error.', ...(status !== undefined ? { status } : {}) }];
    }
    const out: StreamEvent[] = [];
    if (!this.#started) {
      this.#started = true;
      this.#id = getString(chunk, 'responseId') ?? '';
      out.push({ type: 'start', id: this.#id, model: getString(chunk, 'modelVersion') ?? '' });
    }
    const candidate = firstCandidate(chunk);
    if (!this.#stopped) {
      for (const p of outputParts(candidate)) {
        if (p.kind === 'call') {
          const index = this.#calls++;
          const id = callId(p.id, this.#id, index);
          out.push({ type: 'tool_call_start', index, id, name: p.name, ...(p.signature !== undefined ? { signature: { family: GEMINI, value: p.signature } } : {}) });
          out.push({ type: 'tool_call_delta', index, argumentsDelta: JSON.stringify(p.args) });
          out.push({ type: 'tool_call_end', index });
          continue;
        }
        if (p.kind === 'thought' && p.text !== '') out.push({ type: 'thinking_delta', text: p.text });
        if (p.signature !== undefined) out.push({ type: 'thinking_signature', family: GEMINI, signature: p.signature });
        if (p.kind === 'text' && p.text !== '') out.push({ type: 'text_delta', text: p.text });
      }
    }
    const um = get(chunk, 'usageMetadata');
    if (isObject(um)) {
      const usage = decodeUsage(um);
      if (this.#usage === null || !sameUsage(this.#usage, usage)) {
        this.#usage = usage;
        out.push({ type: 'usage', usage });
      }
    }
    if (!this.#stopped) {
      const reason = stopOf(chunk, candidate, this.#calls > 0);
      if (reason !== undefined) {
        this.#stopped = true;
        out.push({ type: 'stop', reason });
      }
    }
    return out;
  }

  end(): StreamEvent[] {
    if (this.#failed || this.#stopped) return [];
    if (!this.#started) return [{ type: 'error', code: 'upstream_empty_stream', message: 'The Gemini upstream ended the stream without sending anything.' }];
    this.#stopped = true;
    return [{ type: 'stop', reason: this.#calls > 0 ? 'tool_use' : 'end' }];
  }
}

interface OpenCall {
  id: string;
  name: string;
  signature?: { family: SignatureFamily; value: string };
  args: string;
}

class GeminiStreamEncoder implements StreamEncoder {
  readonly #includeThoughts: boolean;
  #model: string;
  #id = '';
  #calls = new Map<number, OpenCall>();
  #usage: PivotUsage = EMPTY_USAGE;
  /** The stop reason while the final chunk is held for usage that may still come. */
  #stop: StopReason | null = null;
  #done = false;

  constructor(req: PivotRequest) {
    this.#includeThoughts = req.reasoning?.includeThoughts === true;
    this.#model = req.model;
  }

  #chunk(parts: Array<Record<string, unknown>>, finishReason?: string): string {
    const candidate: Record<string, unknown> = { content: { role: 'model', parts } };
    if (finishReason !== undefined) candidate['finishReason'] = finishReason;
    candidate['index'] = 0;
    const body: Record<string, unknown> = { candidates: [candidate] };
    if (finishReason !== undefined) {
      const usage = encodeUsage(this.#usage);
      if (usage) body['usageMetadata'] = usage;
    }
    body['modelVersion'] = this.#model;
    if (this.#id !== '') body['responseId'] = this.#id;
    return sseEvent(null, body);
  }

  #flushCall(index: number): string {
    const c = this.#calls.get(index);
    if (!c) return '';
    this.#calls.delete(index);
    const part = encodeToolCall({ type: 'tool_call', id: c.id, name: c.name, arguments: c.args, ...(c.signature ? { signature: c.signature } : {}) }, `tool call ${index}`, true);
    return this.#chunk([part]);
  }

  #flushCalls(): string {
    let out = '';
    for (const index of [...this.#calls.keys()].sort((a, b) => a - b)) out += this.#flushCall(index);
    return out;
  }

  #final(): string {
    const reason = this.#stop;
    if (reason === null) return '';
    this.#stop = null;
    this.#done = true;
    return this.#chunk([{ text: '' }], encodeFinishReason(reason));
  }

  event(e: StreamEvent): string {
    if (this.#done) return '';
    switch (e.type) {
      case 'start':
        if (e.id !== '') this.#id = e.id;
        if (e.model !== '') this.#model = e.model;
        if (e.usage) this.#usage = mergeUsage(this.#usage, e.usage);
        return '';
      case 'text_delta':
        return e.text === '' ? '' : this.#chunk([{ text: e.text }]);
      case 'thinking_delta':
        return !this.#includeThoughts || e.text === '' ? '' : this.#chunk([{ text: e.text, thought: true }]);
      case 'thinking_signature':
        // Gemini carries a bare signature on an otherwise empty part.
        return e.family === GEMINI ? this.#chunk([{ text: '', thoughtSignature: e.signature }]) : '';
      case 'redacted_thinking':
        return '';
      case 'tool_call_start':
        this.#calls.set(e.index, { id: e.id, name: e.name, ...(e.signature ? { signature: e.signature } : {}), args: '' });
        return '';
      case 'tool_call_delta': {
        const c = this.#calls.get(e.index);
        if (c) c.args += e.argumentsDelta;
        return '';
      }
      case 'tool_call_end':
        return this.#flushCall(e.index);
      case 'usage':
        this.#usage = mergeUsage(this.#usage, e.usage);
        return this.#final();
      case 'stop': {
        if (this.#stop !== null) return '';
        const calls = this.#flushCalls();
        this.#stop = e.reason;
        return calls;
      }
      case 'error':
        this.#done = true;
        this.#calls.clear();
        return sseEvent(null, errorBody(e.status ?? 502, e.code, e.message));
    }
  }

  end(): string {
    if (this.#done) return '';
    const out = this.#flushCalls() + this.#final();
    this.#done = true;
    return out;
  }
}

export function streamDecoder(): StreamDecoder {
  return new GeminiStreamDecoder();
}

export function streamEncoder(req: PivotRequest): StreamEncoder {
  return new GeminiStreamEncoder(req);
}
