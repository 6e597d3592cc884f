/** Responses request ↔ pivot request. */
import {
  InvalidRequest,
  UnsupportedContent,
  type ContentPart,
  type FilePart,
  type ImagePart,
  type Message,
  type PivotRequest,
  type Reasoning,
  type ReasoningEffort,
  type ResponseFormat,
  type TextPart,
  type ThinkingPart,
  type ToolResultPart,
} from '../pivot/types.js';
import { effortForBudget, isObject, mediaFromUrl, mediaToUrl } from '../pivot/util.js';
import { FORMAT, invalid, optBool, optNumber, optString, put, setIf, unsupported } from './common.js';
import { decodeToolChoice, decodeTools, encodeToolChoice, encodeTools, flatName } from './tools.js';

// ---------------------------------------------------------------- decoding

const STATEFUL =
  'continues a conversation OpenAI stored server-side; krouter can honour that only when the request goes to an openai-responses provider unchanged, and this route translates it for another kind of model. Send the whole conversation in `input` instead (Codex does with store: false)';

function mediaTypeFor(filename: string | undefined): string {
  if (filename === undefined) return 'application/octet-stream';
  const ext = /\.([a-z0-9]+)$/i.exec(filename)?.[1]?.toLowerCase();
  switch (ext) {
    case 'pdf':
      return 'application/pdf';
    case 'txt':
      return 'text/plain';
    case 'png':
      return 'image/png';
    case 'jpg':
    case 'jpeg':
      return 'image/jpeg';
    default:
      return 'application/octet-stream';
  }
}

function imagePart(c: Record<string, unknown>, where: string): ImagePart {
  if (typeof c['image_url'] === 'string') {
    const p: ImagePart = { type: 'image', source: mediaFromUrl(c['image_url']) };
    const d = c['detail'];
    // 'original' (full resolution, newer models) has no pivot equivalent; 'high' is the nearest.
    if (d === 'auto' || d === 'low' || d === 'high') p.detail = d;
    else if (d === 'original') p.detail = 'high';
    return p;
  }
  if (typeof c['file_id'] === 'string') throw unsupported('an input_image given by file_id (OpenAI file storage)', where);
  throw invalid('input_image needs image_url or file_id', where);
}

function filePart(c: Record<string, unknown>, where: string): FilePart {
  const filename = typeof c['filename'] === 'string' ? c['filename'] : undefined;
  let p: FilePart;
  if (typeof c['file_data'] === 'string') {
    const data = c['file_data'];
    p = { type: 'file', source: data.startsWith('data:') ? mediaFromUrl(data) : { kind: 'base64', mediaType: mediaTypeFor(filename), data } };
  } else if (typeof c['file_url'] === 'string') {
    p = { type: 'file', source: { kind: 'url', url: c['file_url'] } };
  } else if (typeof c['file_id'] === 'string') {
    throw unsupported('an input_file given by file_id (OpenAI file storage)', where);
  } else {
    throw invalid('input_file needs file_data, file_url or file_id', where);
  }
  if (filename !== undefined) p.filename = filename;
  return p;
}

/** A message's `content` → pivot parts. */
function contentParts(content: unknown, where: string): Array<TextPart | ImagePart | FilePart> {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw invalid('content must be a string or an array', where);
  return content.map((c: unknown, j) => {
    const cw = `${where}[${j}]`;
    if (!isObject(c)) throw invalid('a content part must be an object', cw);
    switch (c['type']) {
      case 'input_text':
      case 'output_text':
      case 'text':
        if (typeof c['text'] !== 'string') throw invalid('text must be a string', `${cw}.text`);
        return { type: 'text', text: c['text'] };
      case 'refusal':
        if (typeof c['refusal'] !== 'string') throw invalid('refusal must be a string', `${cw}.refusal`);
        return { type: 'text', text: c['refusal'] };
      case 'input_image':
        return imagePart(c, cw);
      case 'input_file':
        return filePart(c, cw);
      default:
        throw unsupported(`a content part of type ${JSON.stringify(c['type'])}`, cw);
    }
  });
}

/** A tool output (`output`: string or content list) → tool result content. */
function outputContent(output: unknown, where: string): Array<TextPart | ImagePart> {
  if (typeof output === 'string') return [{ type: 'text', text: output }];
  if (!Array.isArray(output)) throw invalid('output must be a string or an array', where);
  return contentParts(output, where).map((p, j) => {
    if (p.type === 'file') throw unsupported('a file inside a tool output', `${where}[${j}]`);
    return p;
  });
}

export function reasoningPart(item: Record<string, unknown>, where: string): ThinkingPart | null {
  const texts = (key: string, type: string): string[] => {
    const v = item[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw invalid(`${key} must be an array`, `${where}.${key}`);
    return v.filter((s: unknown): s is Record<string, unknown> => isObject(s) && (s['type'] === type || s['type'] === 'text') && typeof s['text'] === 'string').map((s) => s['text'] as string);
  };
  const summary = texts('summary', 'summary_text');
  const text = (summary.length > 0 ? summary : texts('content', 'reasoning_text')).join('\n\n');
  const enc = item['encrypted_content'];
  const id = typeof item['id'] === 'string' ? item['id'] : undefined;
  if (text === '' && typeof enc !== 'string') return null;
  const p: ThinkingPart = { type: 'thinking', text };
  if (typeof enc === 'string') p.redacted = { family: 'openai', data: enc };
  if (id !== undefined) p.itemId = id;
  return p;
}

function requireString(o: Record<string, unknown>, k: string, where: string): string {
  const v = o[k];
  if (typeof v !== 'string') throw invalid(`${k} must be a string`, `${where}.${k}`);
  return v;
}

function optNamespace(o: Record<string, unknown>): string | undefined {
  return typeof o['namespace'] === 'string' ? o['namespace'] : undefined;
}

/**
 * `input` items → system parts and messages. System/developer messages that
 * come before the conversation join `system`; later ones become user text
 * (the pivot has one system prompt, and hoisting a mid-conversation note
 * would rewrite the cached prefix). Consecutive items of one role share a
 * pivot message (a run of function calls is one assistant turn).
 */
function decodeInput(input: unknown): { system: TextPart[]; messages: Message[] } {
  const system: TextPart[] = [];
  const messages: Message[] = [];
  const callNames = new Map<string, string>();
  let started = false;
  const add = (role: 'user' | 'assistant', parts: ContentPart[]): void => {
    if (parts.length === 0) return;
    started = true;
    const last = messages[messages.length - 1];
    if (last && last.role === role) last.parts.push(...parts);
    else messages.push({ role, parts: [...parts] });
  };
  if (typeof input === 'string') {
    add('user', [{ type: 'text', text: input }]);
    return { system, messages };
  }
  if (!Array.isArray(input)) throw invalid('input must be a string or an array of items', 'input');
  input.forEach((item: unknown, i) => {
    const where = `input[${i}]`;
    if (!isObject(item)) throw invalid('an input item must be an object', where);
    const type = item['type'];
    if (type === 'message' || (type === undefined && item['role'] !== undefined)) {
      const role = item['role'];
      const parts = contentParts(item['content'], `${where}.content`);
      if (role === 'user' || role === 'assistant') {
        add(role, parts);
      } else if (role === 'system' || role === 'developer') {
        if (started) {
          add('user', parts);
        } else {
          parts.forEach((p, j) => {
            if (p.type !== 'text') throw unsupported(`${p.type === 'image' ? 'an image' : 'a file'} in a ${role} message`, `${where}.content[${j}]`);
            system.push(p);
          });
        }
      } else {
        throw invalid('role must be user, assistant, system or developer', `${where}.role`);
      }
      return;
    }
    switch (type) {
      case 'function_call':
      case 'custom_tool_call': {
        const callId = requireString(item, 'call_id', where);
        const name = flatName(optNamespace(item), requireString(item, 'name', where));
        const args = type === 'function_call' ? (typeof item['arguments'] === 'string' ? item['arguments'] : '') : JSON.stringify({ input: requireString(item, 'input', where) });
        callNames.set(callId, name);
        add('assistant', [{ type: 'tool_call', id: callId, name, arguments: args }]);
        return;
      }
      case 'function_call_output':
      case 'custom_tool_call_output': {
        const callId = requireString(item, 'call_id', where);
        const r: ToolResultPart = { type: 'tool_result', callId, content: outputContent(item['output'], `${where}.output`) };
        const name = callNames.get(callId);
        if (name !== undefined) r.name = name;
        add('user', [r]);
        return;
      }
      case 'reasoning': {
        const p = reasoningPart(item, where);
        if (p) add('assistant', [p]);
        return;
      }
      case 'item_reference':
      case undefined:
        throw unsupported('a reference to an item stored by OpenAI (item_reference)', where);
      case 'compaction':
      case 'compaction_summary':
        throw unsupported('an OpenAI compaction item (an encrypted summary of earlier turns)', where);
      default:
        throw unsupported(`an input item of type ${JSON.stringify(type)}`, where);
    }
  });
  return { system, messages };
}

const EFFORTS: ReadonlySet<string> = new Set(['minimal', 'low', 'medium', 'high']);

function decodeReasoning(raw: unknown): Reasoning | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isObject(raw)) throw invalid('reasoning must be an object', 'reasoning');
  const r: Reasoning = {};
  const effort = raw['effort'];
  if (effort === 'none') r.disabled = true;
  else if (typeof effort === 'string' && EFFORTS.has(effort)) r.effort = effort as ReasoningEffort;
  // 'xhigh' / 'max' are above the pivot's top level: the nearest it has.
  else if (effort === 'xhigh' || effort === 'max') r.effort = 'high';
  else if (effort !== undefined && effort !== null) throw invalid(`unknown reasoning effort ${JSON.stringify(effort)}`, 'reasoning.effort');
  const summary = raw['summary'] ?? raw['generate_summary'];
  if (summary === 'auto' || summary === 'concise' || summary === 'detailed') r.includeThoughts = true;
  return Object.keys(r).length > 0 ? r : undefined;
}

function decodeFormat(text: unknown): ResponseFormat | undefined {
  if (!isObject(text) || !isObject(text['format'])) return undefined;
  const f = text['format'];
  switch (f['type']) {
    case 'text':
      return { type: 'text' };
    case 'json_object':
      return { type: 'json_object' };
    case 'json_schema': {
      if (!isObject(f['schema'])) throw invalid('json_schema needs a schema object', 'text.format.schema');
      const r: ResponseFormat = { type: 'json_schema', name: typeof f['name'] === 'string' ? f['name'] : 'response', schema: f['schema'] };
      if (typeof f['strict'] === 'boolean') r.strict = f['strict'];
      if (typeof f['description'] === 'string') r.description = f['description'];
      return r;
    }
    default:
      throw invalid(`unknown text.format type ${JSON.stringify(f['type'])}`, 'text.format.type');
  }
}

/**
 * A Responses request → pivot. Hints dropped: store, include, metadata,
 * prompt_cache_key, prompt_cache_retention, service_tier, truncation,
 * text.verbosity, top_logprobs, safety_identifier (when `user` is given).
 */
export function decodeRequest(body: Record<string, unknown>): PivotRequest {
  if (body['previous_response_id'] !== undefined && body['previous_response_id'] !== null) throw new InvalidRequest(`previous_response_id ${STATEFUL}`, 'previous_response_id');
  if (body['conversation'] !== undefined && body['conversation'] !== null) throw new InvalidRequest(`conversation ${STATEFUL}`, 'conversation');
  if (body['background'] === true) throw new InvalidRequest('background mode needs responses stored by OpenAI to poll; krouter only runs it when the request goes to an openai-responses provider unchanged. Send it without background', 'background');
  if (body['prompt'] !== undefined && body['prompt'] !== null) throw unsupported('a stored prompt template (prompt)', 'prompt');
  const model = body['model'];
  if (typeof model !== 'string' || model === '') throw invalid('model must be a non-empty string', 'model');
  if (body['input'] === undefined || body['input'] === null) throw invalid('input is required', 'input');
  const { system, messages } = decodeInput(body['input']);
  const instructions = optString(body, 'instructions', 'instructions');
  if (instructions !== undefined && instructions !== '') system.unshift({ type: 'text', text: instructions });
  const { choice, tools } = decodeToolChoice(body['tool_choice'], decodeTools(body['tools']));
  const req: PivotRequest = { model, system, messages, tools, stream: optBool(body, 'stream', 'stream') ?? false };
  // a choice among no tools (all of them hosted ones krouter dropped) means nothing to another model
  if (choice && tools.length > 0) req.toolChoice = choice;
  setIf(req, 'parallelToolCalls', optBool(body, 'parallel_tool_calls', 'parallel_tool_calls'));
  setIf(req, 'maxTokens', optNumber(body, 'max_output_tokens', 'max_output_tokens'));
  setIf(req, 'temperature', optNumber(body, 'temperature', 'temperature'));
  setIf(req, 'topP', optNumber(body, 'top_p', 'top_p'));
  setIf(req, 'reasoning', decodeReasoning(body['reasoning']));
  setIf(req, 'responseFormat', decodeFormat(body['text']));
  setIf(req, 'user', optString(body, 'user', 'user') ?? optString(body, 'safety_identifier', 'safety_identifier'));
  return req;
}

// ---------------------------------------------------------------- encoding

/**
 * Pivot reasoning → `reasoning`. `disabled` writes nothing: 'none' is
 * refused by the older reasoning models, which cannot turn it off anyway,
 * and the newer ones default to it.
 */
export function encodeReasoning(r: Reasoning | undefined): Record<string, unknown> | undefined {
  if (!r || r.disabled) return undefined;
  const o: Record<string, unknown> = {};
  put(o, 'effort', r.effort ?? (r.budgetTokens !== undefined && r.budgetTokens > 0 ? effortForBudget(r.budgetTokens) : undefined));
  if (r.includeThoughts) o['summary'] = 'auto';
  return Object.keys(o).length > 0 ? o : undefined;
}

export function encodeFormat(f: ResponseFormat | undefined): Record<string, unknown> | undefined {
  if (!f) return undefined;
  if (f.type !== 'json_schema') return { type: f.type };
  const o: Record<string, unknown> = { type: 'json_schema', name: f.name };
  put(o, 'description', f.description);
  o['schema'] = f.schema;
  put(o, 'strict', f.strict);
  return o;
}

function encodeImage(p: ImagePart): Record<string, unknown> {
  return { type: 'input_image', image_url: mediaToUrl(p.source), detail: p.detail ?? 'auto' };
}

function encodeFile(p: FilePart): Record<string, unknown> {
  if (p.source.kind === 'url') {
    const o: Record<string, unknown> = { type: 'input_file', file_url: p.source.url };
    put(o, 'filename', p.filename);
    return o;
  }
  const fallback = p.source.mediaType === 'application/pdf' ? 'document.pdf' : 'file';
  return { type: 'input_file', filename: p.filename ?? fallback, file_data: mediaToUrl(p.source) };
}

function encodeToolOutput(p: ToolResultPart): unknown {
  if (p.content.every((c) => c.type === 'text')) return p.content.map((c) => (c as TextPart).text).join('\n');
  return p.content.map((c) => (c.type === 'text' ? { type: 'input_text', text: c.text } : encodeImage(c)));
}

function encodeReasoningItem(p: ThinkingPart): Record<string, unknown> | null {
  if (p.redacted?.family !== 'openai') return null;
  const o: Record<string, unknown> = { type: 'reasoning' };
  put(o, 'id', p.itemId);
  o['summary'] = p.text === '' ? [] : [{ type: 'summary_text', text: p.text }];
  o['encrypted_content'] = p.redacted.data;
  return o;
}

/** Messages → `input` items, in order; thinking from other families (or without encrypted content) is dropped. */
function encodeInput(messages: Message[]): Record<string, unknown>[] {
  const items: Record<string, unknown>[] = [];
  messages.forEach((m, i) => {
    let content: Record<string, unknown>[] = [];
    const flush = (): void => {
      if (content.length > 0) items.push({ type: 'message', role: m.role, content });
      content = [];
    };
    m.parts.forEach((p, j) => {
      const where = `messages[${i}].parts[${j}]`;
      switch (p.type) {
        case 'text':
          content.push({ type: m.role === 'assistant' ? 'output_text' : 'input_text', text: p.text });
          break;
        case 'image':
          if (m.role === 'assistant') throw new UnsupportedContent('an image in an assistant message', where, FORMAT);
          content.push(encodeImage(p));
          break;
        case 'file':
          if (m.role === 'assistant') throw new UnsupportedContent('a file in an assistant message', where, FORMAT);
          content.push(encodeFile(p));
          break;
        case 'tool_call':
          flush();
          items.push({ type: 'function_call', call_id: p.id, name: p.name, arguments: p.arguments });
          break;
        case 'tool_result':
          flush();
          items.push({ type: 'function_call_output', call_id: p.callId, output: encodeToolOutput(p) });
          break;
        case 'thinking': {
          const r = encodeReasoningItem(p);
          if (r) {
            flush();
            items.push(r);
          }
          break;
        }
      }
    });
    flush();
  });
  return items;
}

/**
 * Pivot → Responses request, keys in a fixed order. Dropped (the API has
 * no such parameter): stop, seed, top_k, presence/frequency penalties.
 */
export function encodeRequest(req: PivotRequest): Record<string, unknown> {
  const o: Record<string, unknown> = { model: req.model };
  const instructions = req.system.map((s) => s.text).join('\n\n');
  if (instructions !== '') o['instructions'] = instructions;
  o['input'] = encodeInput(req.messages);
  if (req.tools.length > 0) o['tools'] = encodeTools(req.tools);
  put(o, 'tool_choice', encodeToolChoice(req.toolChoice));
  put(o, 'parallel_tool_calls', req.parallelToolCalls);
  put(o, 'max_output_tokens', req.maxTokens);
  put(o, 'temperature', req.temperature);
  put(o, 'top_p', req.topP);
  const reasoning = encodeReasoning(req.reasoning);
  if (reasoning) {
    o['reasoning'] = reasoning;
    // store is false: encrypted reasoning is how thinking survives to the next turn
    o['include'] = ['reasoning.encrypted_content'];
  }
  const format = encodeFormat(req.responseFormat);
  if (format) o['text'] = { format };
  put(o, 'user', req.user);
  o['stream'] = req.stream;
  o['store'] = false;
  return o;
}
