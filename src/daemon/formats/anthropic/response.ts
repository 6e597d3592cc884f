/** Anthropic Messages whole (non-stream) responses ⇄ pivot. */
import { EMPTY_USAGE, type PivotRequest, type PivotResponse, type ThinkingPart, type ToolCallPart, type TextPart } from '../pivot/types.js';
import { argsToObject, isObject } from '../pivot/util.js';
import { decodeStopReason, encodeStopReason, encodeUsage, messageId, readWireUsage, toPivotUsage, toolUseId } from './common.js';

type OutPart = TextPart | ThinkingPart | ToolCallPart;

/** One response content block → pivot part; server-tool blocks (which a pivot request never asks for) are skipped. */
function decodeContentBlock(b: unknown): OutPart | null {
  if (!isObject(b)) return null;
  switch (b['type']) {
    case 'text':
      return typeof b['text'] === 'string' ? { type: 'text', text: b['text'] } : null;
    case 'thinking': {
      const text = typeof b['thinking'] === 'string' ? b['thinking'] : '';
      const sig = b['signature'];
      return typeof sig === 'string' && sig !== '' ? { type: 'thinking', text, signature: { family: 'anthropic', value: sig } } : { type: 'thinking', text };
    }
    case 'redacted_thinking':
      return typeof b['data'] === 'string' ? { type: 'thinking', text: '', redacted: { family: 'anthropic', data: b['data'] } } : null;
    case 'tool_use':
      if (typeof b['id'] !== 'string' || typeof b['name'] !== 'string') return null;
      return { type: 'tool_call', id: b['id'], name: b['name'], arguments: JSON.stringify(b['input'] ?? {}) };
    default:
      return null;
  }
}

export function decodeResponse(body: Record<string, unknown>): PivotResponse {
  const content = body['content'];
  // Not a message (an error body, another format): the relay treats the answer as a bad upstream.
  if (!Array.isArray(content)) throw new Error('the body has no `content` array');
  const parts = content.flatMap((b) => {
    const p = decodeContentBlock(b);
    return p === null ? [] : [p];
  });
  const stop = body['stop_reason'];
  const res: PivotResponse = {
    id: typeof body['id'] === 'string' ? body['id'] : '',
    model: typeof body['model'] === 'string' ? body['model'] : '',
    parts,
    stopReason: decodeStopReason(stop),
    usage: EMPTY_USAGE,
  };
  if (typeof body['stop_sequence'] === 'string') res.stopSequence = body['stop_sequence'];
  const w = readWireUsage(body['usage']);
  res.usage = w ? toPivotUsage(w) : EMPTY_USAGE;
  return res;
}

/** Tool-call arguments as Anthropic's `input` object; arguments that are not JSON (cut off by max_tokens) become `{}`. */
function toolInput(args: string): Record<string, unknown> {
  try {
    return argsToObject(args);
  } catch {
    return {};
  }
}

/** A pivot part → Anthropic block, or null: thinking goes out only with an Anthropic signature (never invented). */
export function encodeContentBlock(p: OutPart): Record<string, unknown> | null {
  switch (p.type) {
    case 'text':
      return p.text === '' ? null : { type: 'text', text: p.text };
    case 'thinking':
      if (p.redacted) return p.redacted.family === 'anthropic' ? { type: 'redacted_thinking', data: p.redacted.data } : null;
      return p.signature?.family === 'anthropic' ? { type: 'thinking', thinking: p.text, signature: p.signature.value } : null;
    case 'tool_call':
      return { type: 'tool_use', id: toolUseId(p.id), name: p.name, input: toolInput(p.arguments) };
  }
}

export function encodeResponse(res: PivotResponse, req: PivotRequest): Record<string, unknown> {
  const content = res.parts.flatMap((p) => {
    const b = encodeContentBlock(p);
    return b === null ? [] : [b];
  });
  const hadTools = res.parts.some((p) => p.type === 'tool_call');
  return {
    id: messageId(res.id),
    type: 'message',
    role: 'assistant',
    model: res.model === '' ? req.model : res.model,
    content,
    stop_reason: encodeStopReason(res.stopReason, hadTools),
    stop_sequence: res.stopSequence ?? null,
    usage: encodeUsage(res.usage),
  };
}
