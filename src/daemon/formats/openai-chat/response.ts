/** OpenAI Chat Completions response (`chat.completion`) ⇄ pivot response. */
import { EMPTY_USAGE, InvalidRequest, type PivotRequest, type PivotResponse } from '../pivot/types.js';
import { isObject } from '../pivot/util.js';
import { decodeFinish, decodeUsage, encodeFinish, encodeUsage, geminiSignatureField, put, readGeminiSignature } from './common.js';

/** Message content as text: a string, or (some servers) an array of text parts. */
function contentText(c: unknown): string {
  if (typeof c === 'string') return c;
  if (!Array.isArray(c)) return '';
  return c.map((p) => (isObject(p) && typeof p['text'] === 'string' ? p['text'] : '')).join('');
}

export function decodeResponse(body: Record<string, unknown>): PivotResponse {
  const choices = body['choices'];
  if (!Array.isArray(choices)) throw new InvalidRequest('a chat completion needs choices', 'choices');
  const choice: unknown = choices[0];
  const parts: PivotResponse['parts'] = [];
  let refused = false;
  let finish: unknown = null;
  let matched: unknown = null;
  if (isObject(choice)) {
    finish = choice['finish_reason'];
    matched = choice['stop_reason'];
    const m = isObject(choice['message']) ? choice['message'] : {};
    const reasoning = m['reasoning_content'] ?? m['reasoning'];
    if (typeof reasoning === 'string' && reasoning !== '') parts.push({ type: 'thinking', text: reasoning });
    const text = contentText(m['content']);
    if (text !== '') parts.push({ type: 'text', text });
    if (typeof m['refusal'] === 'string' && m['refusal'] !== '') {
      refused = true;
      parts.push({ type: 'text', text: m['refusal'] });
    }
    const calls = m['tool_calls'];
    if (Array.isArray(calls)) {
      calls.forEach((tc, k) => {
        const where = `choices[0].message.tool_calls[${k}]`;
        if (!isObject(tc) || !isObject(tc['function'])) throw new InvalidRequest('a tool call needs a function', where);
        const fn = tc['function'];
        if (typeof fn['name'] !== 'string') throw new InvalidRequest('a tool call needs a name', `${where}.function.name`);
        const args = fn['arguments'];
        const signature = readGeminiSignature(tc);
        parts.push({
          type: 'tool_call',
          id: typeof tc['id'] === 'string' ? tc['id'] : `call_${k}`,
          name: fn['name'],
          // Arguments are JSON text; a server that sends an object gets it serialised.
          arguments: typeof args === 'string' ? args : args === undefined || args === null ? '' : JSON.stringify(args),
          ...(signature ? { signature } : {}),
        });
      });
    }
  }
  const stop = decodeFinish(finish, matched, refused);
  const res: PivotResponse = {
    id: typeof body['id'] === 'string' ? body['id'] : '',
    model: typeof body['model'] === 'string' ? body['model'] : '',
    parts,
    stopReason: stop.reason,
    usage: decodeUsage(body['usage']) ?? EMPTY_USAGE,
  };
  if (stop.stopSequence !== undefined) res.stopSequence = stop.stopSequence;
  if (typeof body['created'] === 'number') res.created = body['created'];
  return res;
}

export function encodeResponse(res: PivotResponse, _req: PivotRequest): Record<string, unknown> {
  let text = '';
  let thinking: string | undefined;
  const calls: Array<Record<string, unknown>> = [];
  for (const p of res.parts) {
    if (p.type === 'text') text += p.text;
    else if (p.type === 'thinking') thinking = (thinking ?? '') + p.text;
    else calls.push({ id: p.id, type: 'function', function: { name: p.name, arguments: p.arguments }, ...geminiSignatureField(p.signature) });
  }
  const refusal = res.stopReason === 'refusal';
  const message: Record<string, unknown> = {
    role: 'assistant',
    content: refusal || (text === '' && calls.length > 0) ? null : text,
  };
  put(message, 'reasoning_content', thinking);
  message['refusal'] = refusal ? text : null;
  if (calls.length > 0) message['tool_calls'] = calls;
  return {
    id: res.id,
    object: 'chat.completion',
    created: res.created ?? 0,
    model: res.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: encodeFinish(res.stopReason, calls.length > 0) }],
    usage: encodeUsage(res.usage),
  };
}
