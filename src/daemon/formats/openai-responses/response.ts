/** Whole Responses response objects ↔ pivot responses. */
import { EMPTY_USAGE, type PivotRequest, type PivotResponse, type StopReason, type TextPart, type ThinkingPart, type ToolCallPart } from '../pivot/types.js';
import { isObject, num } from '../pivot/util.js';
import { decodeUsage, encodeUsage, itemId, responseIds, terminalOf } from './common.js';
import { encodeFormat, encodeReasoning, reasoningPart } from './request.js';
import { callItem, callPrefix, echoTools, encodeToolChoice, flatName, originsByName, type ToolOrigin } from './tools.js';

/**
 * A Responses object → pivot. The stop reason: a failed response is 'error'
 * (returned, not thrown: the relay decides what a failure costs); an
 * incomplete one says why (max_output_tokens, content_filter; no reason →
 * max_tokens) and wins over tool calls, whose arguments may be cut off;
 * then function calls → tool_use, a refusal → refusal, else end.
 */
export function decodeResponse(body: Record<string, unknown>): PivotResponse {
  const parts: Array<TextPart | ThinkingPart | ToolCallPart> = [];
  let calls = false;
  let refused = false;
  const output = Array.isArray(body['output']) ? body['output'] : [];
  output.forEach((item: unknown, i) => {
    if (!isObject(item)) return;
    switch (item['type']) {
      case 'message':
        if (!Array.isArray(item['content'])) return;
        for (const c of item['content'] as unknown[]) {
          if (!isObject(c)) continue;
          if (c['type'] === 'output_text' && typeof c['text'] === 'string') parts.push({ type: 'text', text: c['text'] });
          else if (c['type'] === 'refusal' && typeof c['refusal'] === 'string') {
            parts.push({ type: 'text', text: c['refusal'] });
            refused = true;
          }
        }
        return;
      case 'reasoning': {
        let p: ThinkingPart | null = null;
        try {
          p = reasoningPart(item, `output[${i}]`);
        } catch {
          p = null;
        }
        if (p) parts.push(p);
        return;
      }
      case 'function_call':
      case 'custom_tool_call': {
        if (typeof item['call_id'] !== 'string' || typeof item['name'] !== 'string') return;
        const ns = typeof item['namespace'] === 'string' ? item['namespace'] : undefined;
        const args = item['type'] === 'function_call' ? (typeof item['arguments'] === 'string' ? item['arguments'] : '') : JSON.stringify({ input: typeof item['input'] === 'string' ? item['input'] : '' });
        parts.push({ type: 'tool_call', id: item['call_id'], name: flatName(ns, item['name']), arguments: args });
        calls = true;
        return;
      }
      default:
      // hosted tool calls (web search …) only appear when such tools were sent; krouter sends none
    }
  });
  const res: PivotResponse = {
    id: typeof body['id'] === 'string' ? body['id'] : '',
    model: typeof body['model'] === 'string' ? body['model'] : '',
    parts,
    stopReason: stopReasonOf(body, calls, refused),
    usage: decodeUsage(body['usage']) ?? EMPTY_USAGE,
  };
  const created = num(body['created_at']);
  if (created !== null) res.created = created;
  return res;
}

export function stopReasonOf(body: Record<string, unknown>, calls: boolean, refused: boolean): StopReason {
  const status = body['status'];
  if (status === 'failed' || status === 'cancelled' || (isObject(body['error']) && status !== 'completed')) return 'error';
  if (status === 'incomplete') {
    const details = isObject(body['incomplete_details']) ? body['incomplete_details'] : {};
    return details['reason'] === 'content_filter' ? 'content_filter' : 'max_tokens';
  }
  if (calls) return 'tool_use';
  if (refused) return 'refusal';
  return 'end';
}

export function messageItem(id: string, text: string, status: string): Record<string, unknown> {
  return { id, type: 'message', status, content: status === 'in_progress' ? [] : [outputText(text)], role: 'assistant' };
}

export function outputText(text: string): Record<string, unknown> {
  return { type: 'output_text', annotations: [], logprobs: [], text };
}

/** A reasoning item; `encrypted` only ever comes from OpenAI (family-bound). */
export function reasoningItem(id: string, text: string, encrypted: string | undefined): Record<string, unknown> {
  const o: Record<string, unknown> = { id, type: 'reasoning', summary: text === '' ? [] : [{ type: 'summary_text', text }] };
  if (encrypted !== undefined) o['encrypted_content'] = encrypted;
  return o;
}

/** Pivot parts → output items: a run of text is one message; ids derive from the response id and the position. */
function outputItems(parts: PivotResponse['parts'], stem: string, origins: Map<string, ToolOrigin>): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let text: string[] | null = null;
  const flush = (): void => {
    if (text === null) return;
    const id = itemId('msg', stem, out.length);
    out.push({ id, type: 'message', status: 'completed', content: text.map(outputText), role: 'assistant' });
    text = null;
  };
  for (const p of parts) {
    if (p.type === 'text') {
      (text ??= []).push(p.text);
      continue;
    }
    flush();
    if (p.type === 'thinking') {
      const enc = p.redacted?.family === 'openai' ? p.redacted.data : undefined;
      if (p.text === '' && enc === undefined) continue;
      out.push(reasoningItem(p.itemId ?? itemId('rs', stem, out.length), p.text, enc));
    } else {
      const origin = origins.get(p.name);
      out.push(callItem(itemId(callPrefix(origin), stem, out.length), p.id, p.name, p.arguments, origin, 'completed'));
    }
  }
  flush();
  return out;
}

export interface ResponseFields {
  id: string;
  createdAt: number;
  status: string;
  model: string;
  output: Record<string, unknown>[];
  usage: Record<string, unknown> | null;
  incomplete: Record<string, unknown> | null;
  error: Record<string, unknown> | null;
}

/** A response object, echoing the request's parameters the way the API does. */
export function responseObject(f: ResponseFields, req: PivotRequest): Record<string, unknown> {
  const instructions = req.system.map((s) => s.text).join('\n\n');
  const reasoning = encodeReasoning(req.reasoning);
  return {
    id: f.id,
    object: 'response',
    created_at: f.createdAt,
    status: f.status,
    error: f.error,
    incomplete_details: f.incomplete,
    instructions: instructions === '' ? null : instructions,
    max_output_tokens: req.maxTokens ?? null,
    model: f.model,
    output: f.output,
    parallel_tool_calls: req.parallelToolCalls ?? true,
    previous_response_id: null,
    reasoning: { effort: reasoning?.['effort'] ?? null, summary: reasoning?.['summary'] ?? null },
    store: false,
    temperature: req.temperature ?? null,
    text: { format: encodeFormat(req.responseFormat) ?? { type: 'text' } },
    tool_choice: encodeToolChoice(req.toolChoice) ?? 'auto',
    tools: echoTools(req.tools),
    top_p: req.topP ?? null,
    truncation: 'disabled',
    usage: f.usage,
    user: req.user ?? null,
    metadata: {},
  };
}

/**
 * Pivot → a whole response object. Tool calls to the client's custom tools
 * come back as `custom_tool_call` items, namespaced ones with `namespace`.
 * A pivot 'error' stop becomes status 'failed'.
 */
export function encodeResponse(res: PivotResponse, req: PivotRequest): Record<string, unknown> {
  const { responseId, stem } = responseIds(res.id);
  const t = terminalOf(res.stopReason);
  return responseObject(
    {
      id: responseId,
      createdAt: res.created ?? 0,
      status: t.status,
      model: res.model === '' ? req.model : res.model,
      output: outputItems(res.parts, stem, originsByName(req.tools)),
      usage: encodeUsage(res.usage),
      incomplete: t.incomplete,
      error: t.status === 'failed' ? { code: 'server_error', message: 'The model stopped with an error.' } : null,
    },
    req,
  );
}
