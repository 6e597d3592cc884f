/** OpenAI Chat Completions request ⇄ pivot request. */
import {
  InvalidRequest,
  UnsupportedContent,
  type ContentPart,
  type FilePart,
  type ImagePart,
  type Message,
  type PivotRequest,
  type ReasoningEffort,
  type ResponseFormat,
  type TextPart,
  type ToolCallPart,
  type ToolChoice,
  type ToolDef,
  type ToolResultPart,
} from '../pivot/types.js';
import { effortForBudget, isObject, mediaFromUrl, mediaToUrl } from '../pivot/util.js';
import { geminiSignatureField, put, readGeminiSignature } from './common.js';

const FORMAT = 'openai-chat';

// ---------------------------------------------------------------------------
// Shape readers: each throws InvalidRequest naming where.

function obj(v: unknown, where: string, what = 'an object'): Record<string, unknown> {
  if (!isObject(v)) throw new InvalidRequest(`expected ${what}`, where);
  return v;
}

function str(v: unknown, where: string): string {
  if (typeof v !== 'string') throw new InvalidRequest('expected a string', where);
  return v;
}

/** Optional field: absent or null → undefined. */
function optStr(o: Record<string, unknown>, k: string, where: string): string | undefined {
  const v = o[k];
  return v === undefined || v === null ? undefined : str(v, where);
}

function optNum(o: Record<string, unknown>, k: string): number | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidRequest('expected a number', k);
  return v;
}

function optBool(o: Record<string, unknown>, k: string, where: string): boolean | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new InvalidRequest('expected a boolean', where);
  return v;
}

/** Content that may be a string or an array of `{type:'text', text}` parts (system, developer, tool). */
function textContent(v: unknown, where: string, extra?: (part: Record<string, unknown>, w: string) => TextPart | null): TextPart[] {
  if (typeof v === 'string') return [{ type: 'text', text: v }];
  if (!Array.isArray(v)) throw new InvalidRequest('expected a string or an array of content parts', where);
  return v.map((p, j) => {
    const w = `${where}[${j}]`;
    const part = obj(p, w, 'a content part');
    if (part['type'] === 'text') return { type: 'text', text: str(part['text'], `${w}.text`) };
    const t = extra?.(part, w);
    if (t) return t;
    throw new InvalidRequest(`unexpected content part type ${JSON.stringify(part['type'])}`, `${w}.type`);
  });
}

function userPart(p: unknown, w: string): TextPart | ImagePart | FilePart {
  const part = obj(p, w, 'a content part');
  switch (part['type']) {
    case 'text':
      return { type: 'text', text: str(part['text'], `${w}.text`) };
    case 'image_url': {
      const iu = part['image_url'];
      // Some clients send `image_url` as the bare URL string.
      const img = typeof iu === 'string' ? { url: iu } : obj(iu, `${w}.image_url`);
      const out: ImagePart = { type: 'image', source: mediaFromUrl(str(img['url'], `${w}.image_url.url`)) };
      const detail = img['detail'];
      if (detail === 'auto' || detail === 'low' || detail === 'high') out.detail = detail;
      else if (detail !== undefined && detail !== null) throw new InvalidRequest('detail must be auto, low or high', `${w}.image_url.detail`);
      return out;
    }
    case 'file': {
      const f = obj(part['file'], `${w}.file`);
      const filename = optStr(f, 'filename', `${w}.file.filename`);
      const data = optStr(f, 'file_data', `${w}.file.file_data`);
      if (data === undefined) {
        if (f['file_id'] !== undefined && f['file_id'] !== null) throw new UnsupportedContent('an uploaded file reference (file_id)', w, FORMAT);
        throw new InvalidRequest('a file part needs file_data', `${w}.file`);
      }
      const src = mediaFromUrl(data);
      // file_data is documented as a data: URL; bare base64 is accepted too.
      const source = src.kind === 'base64' ? src : { kind: 'base64' as const, mediaType: guessMediaType(filename), data };
      const out: FilePart = { type: 'file', source };
      if (filename !== undefined) out.filename = filename;
      return out;
    }
    case 'input_audio':
      throw new UnsupportedContent('audio input', w, FORMAT);
    default:
      throw new InvalidRequest(`unexpected content part type ${JSON.stringify(part['type'])}`, `${w}.type`);
  }
}

function guessMediaType(filename: string | undefined): string {
  return filename !== undefined && /\.pdf$/i.test(filename) ? 'application/pdf' : 'application/octet-stream';
}

function decodeToolCall(tc: unknown, w: string): ToolCallPart {
  const call = obj(tc, w, 'a tool call');
  if (call['type'] !== undefined && call['type'] !== 'function') throw new UnsupportedContent(`a ${String(call['type'])} tool call`, w, FORMAT);
  const fn = obj(call['function'], `${w}.function`);
  const args = fn['arguments'];
  const part: ToolCallPart = {
    type: 'tool_call',
    id: str(call['id'], `${w}.id`),
    name: str(fn['name'], `${w}.function.name`),
    arguments: args === undefined || args === null ? '' : str(args, `${w}.function.arguments`),
  };
  const signature = readGeminiSignature(call);
  if (signature) part.signature = signature;
  return part;
}

function decodeAssistant(m: Record<string, unknown>, where: string): ContentPart[] {
  const parts: ContentPart[] = [];
  // DeepSeek (and servers copying it) put the model's reasoning here; OpenRouter says `reasoning`.
  const reasoning = m['reasoning_content'] ?? m['reasoning'];
  if (typeof reasoning === 'string' && reasoning !== '') parts.push({ type: 'thinking', text: reasoning });
  const content = m['content'];
  if (content !== undefined && content !== null) {
    const refusalPart = (part: Record<string, unknown>, w: string): TextPart | null =>
      part['type'] === 'refusal' ? { type: 'text', text: str(part['refusal'], `${w}.refusal`) } : null;
    parts.push(...textContent(content, `${where}.content`, refusalPart));
  }
  const refusal = optStr(m, 'refusal', `${where}.refusal`);
  if (refusal !== undefined) parts.push({ type: 'text', text: refusal });
  if (m['function_call'] !== undefined && m['function_call'] !== null) {
    throw new InvalidRequest('the legacy function_call is not supported; use tool_calls', `${where}.function_call`);
  }
  const calls = m['tool_calls'];
  if (calls !== undefined && calls !== null) {
    if (!Array.isArray(calls)) throw new InvalidRequest('expected an array', `${where}.tool_calls`);
    calls.forEach((tc, k) => parts.push(decodeToolCall(tc, `${where}.tool_calls[${k}]`)));
  }
  return parts;
}

function decodeMessages(raw: unknown, system: TextPart[]): Message[] {
  if (!Array.isArray(raw)) throw new InvalidRequest('messages must be an array', 'messages');
  const out: Message[] = [];
  const callNames = new Map<string, string>();
  // The user message that tool results (and a user message right after them) merge into.
  let toolTurn: Message | null = null;
  raw.forEach((rm, i) => {
    const where = `messages[${i}]`;
    const m = obj(rm, where, 'a message');
    const role = m['role'];
    if (role === undefined || role === null) throw new InvalidRequest('a message needs a role', `${where}.role`);
    switch (role) {
      case 'system':
      case 'developer':
        system.push(...textContent(m['content'], `${where}.content`));
        return;
      case 'user': {
        const c = m['content'];
        let parts: ContentPart[];
        if (typeof c === 'string') parts = [{ type: 'text', text: c }];
        else if (Array.isArray(c)) parts = c.map((p, j) => userPart(p, `${where}.content[${j}]`));
        else throw new InvalidRequest('expected a string or an array of content parts', `${where}.content`);
        if (toolTurn) {
          toolTurn.parts.push(...parts);
          toolTurn = null;
        } else out.push({ role: 'user', parts });
        return;
      }
      case 'assistant': {
        const parts = decodeAssistant(m, where);
        for (const p of parts) if (p.type === 'tool_call') callNames.set(p.id, p.name);
        out.push({ role: 'assistant', parts });
        toolTurn = null;
        return;
      }
      case 'tool': {
        const callId = str(m['tool_call_id'], `${where}.tool_call_id`);
        const result: ToolResultPart = { type: 'tool_result', callId, content: textContent(m['content'], `${where}.content`) };
        const name = callNames.get(callId);
        if (name !== undefined) result.name = name;
        if (!toolTurn) {
          toolTurn = { role: 'user', parts: [] };
          out.push(toolTurn);
        }
        toolTurn.parts.push(result);
        return;
      }
      case 'function':
        throw new InvalidRequest('the legacy function role is not supported; use tool messages', `${where}.role`);
      default:
        throw new InvalidRequest(`unknown role ${JSON.stringify(role)}`, `${where}.role`);
    }
  });
  return out;
}

function decodeTools(raw: unknown): ToolDef[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new InvalidRequest('tools must be an array', 'tools');
  return raw.map((t, i) => {
    const where = `tools[${i}]`;
    const tool = obj(t, where, 'a tool');
    if (tool['type'] !== 'function') throw new UnsupportedContent(`a ${JSON.stringify(tool['type'])} tool`, `${where}.type`, FORMAT);
    const fn = obj(tool['function'], `${where}.function`);
    const params = fn['parameters'];
    const def: ToolDef = {
      name: str(fn['name'], `${where}.function.name`),
      // A function without parameters takes none: the empty object schema.
      parameters: params === undefined || params === null ? { type: 'object', properties: {} } : obj(params, `${where}.function.parameters`),
    };
    const description = optStr(fn, 'description', `${where}.function.description`);
    if (description !== undefined) def.description = description;
    const strict = optBool(fn, 'strict', `${where}.function.strict`);
    if (strict !== undefined) def.strict = strict;
    return def;
  });
}

function decodeToolChoice(v: unknown): ToolChoice | undefined {
  if (v === undefined || v === null) return undefined;
  if (v === 'auto' || v === 'none' || v === 'required') return { type: v };
  if (isObject(v)) {
    if (v['type'] === 'function') {
      const fn = obj(v['function'], 'tool_choice.function');
      return { type: 'tool', name: str(fn['name'], 'tool_choice.function.name') };
    }
    if (v['type'] === 'allowed_tools' || v['type'] === 'custom') throw new UnsupportedContent(`an ${String(v['type'])} tool choice`, 'tool_choice', FORMAT);
  }
  throw new InvalidRequest('tool_choice must be auto, none, required or {type: "function", function: {name}}', 'tool_choice');
}

function decodeResponseFormat(v: unknown): ResponseFormat | undefined {
  if (v === undefined || v === null) return undefined;
  const rf = obj(v, 'response_format');
  switch (rf['type']) {
    case 'text':
      return { type: 'text' };
    case 'json_object':
      return { type: 'json_object' };
    case 'json_schema': {
      const js = obj(rf['json_schema'], 'response_format.json_schema');
      const schema = js['schema'];
      const out: ResponseFormat = {
        type: 'json_schema',
        name: str(js['name'], 'response_format.json_schema.name'),
        schema: schema === undefined || schema === null ? {} : obj(schema, 'response_format.json_schema.schema'),
      };
      const strict = optBool(js, 'strict', 'response_format.json_schema.strict');
      if (strict !== undefined) out.strict = strict;
      const description = optStr(js, 'description', 'response_format.json_schema.description');
      if (description !== undefined) out.description = description;
      return out;
    }
    default:
      throw new InvalidRequest('response_format.type must be text, json_object or json_schema', 'response_format.type');
  }
}

function decodeEffort(v: unknown): PivotRequest['reasoning'] {
  if (v === undefined || v === null) return undefined;
  switch (v) {
    case 'minimal':
    case 'low':
    case 'medium':
    case 'high':
      return { effort: v as ReasoningEffort };
    case 'none':
      return { disabled: true };
    case 'xhigh':
      // Newer than the pivot's scale: the closest it holds.
      return { effort: 'high' };
    default:
      throw new InvalidRequest('reasoning_effort must be none, minimal, low, medium, high or xhigh', 'reasoning_effort');
  }
}

export function decodeRequest(body: Record<string, unknown>): PivotRequest {
  const model = str(body['model'], 'model');
  if (body['functions'] !== undefined && body['functions'] !== null) throw new InvalidRequest('the legacy functions parameter is not supported; use tools', 'functions');
  const n = optNum(body, 'n');
  if (n !== undefined && n !== 1) throw new UnsupportedContent('several choices (n > 1)', 'n', FORMAT);
  const system: TextPart[] = [];
  const messages = decodeMessages(body['messages'], system);
  const req: PivotRequest = { model, system, messages, tools: decodeTools(body['tools']), stream: optBool(body, 'stream', 'stream') ?? false };
  const toolChoice = decodeToolChoice(body['tool_choice']);
  if (toolChoice) req.toolChoice = toolChoice;
  const parallel = optBool(body, 'parallel_tool_calls', 'parallel_tool_calls');
  if (parallel !== undefined) req.parallelToolCalls = parallel;
  const maxTokens = optNum(body, 'max_completion_tokens') ?? optNum(body, 'max_tokens');
  if (maxTokens !== undefined) req.maxTokens = maxTokens;
  const temperature = optNum(body, 'temperature');
  if (temperature !== undefined) req.temperature = temperature;
  const topP = optNum(body, 'top_p');
  if (topP !== undefined) req.topP = topP;
  const stop = body['stop'];
  if (typeof stop === 'string') req.stop = [stop];
  else if (Array.isArray(stop)) req.stop = stop.map((s, i) => str(s, `stop[${i}]`));
  else if (stop !== undefined && stop !== null) throw new InvalidRequest('stop must be a string or an array of strings', 'stop');
  const seed = optNum(body, 'seed');
  if (seed !== undefined) req.seed = seed;
  const presence = optNum(body, 'presence_penalty');
  if (presence !== undefined) req.presencePenalty = presence;
  const frequency = optNum(body, 'frequency_penalty');
  if (frequency !== undefined) req.frequencyPenalty = frequency;
  const reasoning = decodeEffort(body['reasoning_effort']);
  if (reasoning) req.reasoning = reasoning;
  const responseFormat = decodeResponseFormat(body['response_format']);
  if (responseFormat) req.responseFormat = responseFormat;
  const so = body['stream_options'];
  if (so !== undefined && so !== null) {
    const includeUsage = optBool(obj(so, 'stream_options'), 'include_usage', 'stream_options.include_usage');
    if (includeUsage !== undefined) req.streamUsage = includeUsage;
  }
  const user = optStr(body, 'user', 'user');
  if (user !== undefined) req.user = user;
  return req;
}

// ---------------------------------------------------------------------------
// Encoding. Keys are written in a fixed order; undefined fields are left out.

/** One text part → a string; anything else → an array of parts. */
function contentOf(parts: Array<Record<string, unknown>>): string | Array<Record<string, unknown>> {
  const only = parts[0];
  if (parts.length === 1 && only && only['type'] === 'text') return only['text'] as string;
  return parts;
}

function textItem(text: string): Record<string, unknown> {
  return { type: 'text', text };
}

function encodeUserPart(p: TextPart | ImagePart | FilePart, where: string): Record<string, unknown> {
  switch (p.type) {
    case 'text':
      return textItem(p.text);
    case 'image': {
      const iu: Record<string, unknown> = { url: mediaToUrl(p.source) };
      put(iu, 'detail', p.detail);
      return { type: 'image_url', image_url: iu };
    }
    case 'file': {
      if (p.source.kind !== 'base64') throw new UnsupportedContent('a file given by URL', where, FORMAT);
      const f: Record<string, unknown> = {};
      put(f, 'filename', p.filename);
      f['file_data'] = mediaToUrl(p.source);
      return { type: 'file', file: f };
    }
  }
}

function encodeToolResult(r: ToolResultPart, where: string): Record<string, unknown> {
  const items = r.content.map((c, k) => {
    if (c.type !== 'text') throw new UnsupportedContent('an image in a tool result', `${where}.content[${k}]`, FORMAT);
    return textItem(c.text);
  });
  return { role: 'tool', tool_call_id: r.callId, content: items.length === 0 ? '' : contentOf(items) };
}

function encodeUser(m: Message, i: number, out: Array<Record<string, unknown>>): void {
  const rest: Array<Record<string, unknown>> = [];
  let results = 0;
  m.parts.forEach((p, j) => {
    const where = `messages[${i}].content[${j}]`;
    switch (p.type) {
      case 'tool_result':
        // Tool messages go before the user's other content of the same turn.
        out.push(encodeToolResult(p, where));
        results++;
        return;
      case 'thinking':
        return;
      case 'tool_call':
        throw new UnsupportedContent('a tool call in a user message', where, FORMAT);
      default:
        rest.push(encodeUserPart(p, where));
    }
  });
  if (rest.length > 0 || results === 0) out.push({ role: 'user', content: rest.length === 0 ? '' : contentOf(rest) });
}

function encodeAssistant(m: Message, i: number, out: Array<Record<string, unknown>>): void {
  const text: Array<Record<string, unknown>> = [];
  const calls: Array<Record<string, unknown>> = [];
  m.parts.forEach((p, j) => {
    const where = `messages[${i}].content[${j}]`;
    switch (p.type) {
      case 'text':
        text.push(textItem(p.text));
        return;
      case 'tool_call':
        calls.push({ id: p.id, type: 'function', function: { name: p.name, arguments: p.arguments }, ...geminiSignatureField(p.signature) });
        return;
      case 'thinking':
        // Chat completions take no thinking as input.
        return;
      default:
        throw new UnsupportedContent(`${p.type === 'image' ? 'an image' : p.type === 'file' ? 'a file' : 'a tool result'} in an assistant message`, where, FORMAT);
    }
  });
  if (text.length === 0 && calls.length === 0) return;
  const msg: Record<string, unknown> = { role: 'assistant', content: text.length === 0 ? null : contentOf(text) };
  if (calls.length > 0) msg['tool_calls'] = calls;
  out.push(msg);
}

function encodeTool(t: ToolDef): Record<string, unknown> {
  const fn: Record<string, unknown> = { name: t.name };
  put(fn, 'description', t.description);
  fn['parameters'] = t.parameters;
  put(fn, 'strict', t.strict);
  return { type: 'function', function: fn };
}

function encodeToolChoice(c: ToolChoice | undefined): unknown {
  if (!c) return undefined;
  return c.type === 'tool' ? { type: 'function', function: { name: c.name } } : c.type;
}

function encodeResponseFormat(rf: ResponseFormat | undefined): unknown {
  if (!rf) return undefined;
  if (rf.type !== 'json_schema') return { type: rf.type };
  const js: Record<string, unknown> = { name: rf.name };
  put(js, 'description', rf.description);
  js['schema'] = rf.schema;
  put(js, 'strict', rf.strict);
  return { type: 'json_schema', json_schema: js };
}

/** Effort as chat completions takes it; a bare budget maps onto the effort scale. */
export function effortOf(r: PivotRequest['reasoning']): ReasoningEffort | undefined {
  if (!r || r.disabled) return undefined;
  if (r.effort) return r.effort;
  if (r.budgetTokens === undefined) return undefined;
  return effortForBudget(r.budgetTokens);
}

export function encodeRequest(req: PivotRequest): Record<string, unknown> {
  const messages: Array<Record<string, unknown>> = [];
  if (req.system.length > 0) messages.push({ role: 'system', content: contentOf(req.system.map((p) => textItem(p.text))) });
  req.messages.forEach((m, i) => (m.role === 'user' ? encodeUser(m, i, messages) : encodeAssistant(m, i, messages)));
  const out: Record<string, unknown> = { model: req.model, messages };
  const hasTools = req.tools.length > 0;
  // OpenAI refuses tool_choice and parallel_tool_calls without tools.
  if (hasTools) {
    out['tools'] = req.tools.map(encodeTool);
    put(out, 'tool_choice', encodeToolChoice(req.toolChoice));
    put(out, 'parallel_tool_calls', req.parallelToolCalls);
  }
  const effort = effortOf(req.reasoning);
  // OpenAI's reasoning models refuse max_tokens; everything that takes reasoning_effort takes max_completion_tokens.
  put(out, effort === undefined ? 'max_tokens' : 'max_completion_tokens', req.maxTokens);
  put(out, 'temperature', req.temperature);
  put(out, 'top_p', req.topP);
  put(out, 'stop', req.stop && req.stop.length > 0 ? [...req.stop] : undefined);
  put(out, 'seed', req.seed);
  put(out, 'presence_penalty', req.presencePenalty);
  put(out, 'frequency_penalty', req.frequencyPenalty);
  put(out, 'reasoning_effort', effort);
  put(out, 'response_format', encodeResponseFormat(req.responseFormat));
  if (req.stream) {
    out['stream'] = true;
    // Always: the relay needs usage whatever the client asked for.
    out['stream_options'] = { include_usage: true };
  }
  put(out, 'user', req.user);
  return out;
}
