import type { ContentPart, ImagePart, MediaSource, Message, PivotRequest, Reasoning, ReasoningEffort, ResponseFormat, TextPart, ToolChoice, ToolDef, ToolResultPart } from '../pivot/types.js';
import { InvalidRequest, UnsupportedContent } from '../pivot/types.js';
import { argsToObject, isObject, mediaFromUrl } from '../pivot/util.js';
import { geminiOnly, get, getObject, getString, mimeFromName } from './wire.js';

/**
 * Gemini generateContent requests ⇄ the pivot.
 *
 * The model and the stream flag live in the URL (`models/{model}:generateContent`
 * / `:streamGenerateContent?alt=sse`): the relay passes them to decodeRequest
 * as extra `model` / `stream` body fields, and builds the URL from
 * `req.model` / `req.stream` after encodeRequest (which never writes them).
 */

// ---------------------------------------------------------------- decoding

/** Thinking budgets krouter sends for an effort (Gemini 2.5 budgets; -1, dynamic, is decoded as medium). */
export const EFFORT_BUDGET: Record<ReasoningEffort, number> = { minimal: 512, low: 1024, medium: 8192, high: 24576 };

const THINKING_LEVELS: Record<string, ReasoningEffort> = { minimal: 'minimal', low: 'low', medium: 'medium', high: 'high' };

interface PendingCall {
  id: string;
  name: string;
}

function optNumber(o: Record<string, unknown>, key: string, where: string): number | undefined {
  const v = get(o, key);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidRequest(`${key} must be a number`, `${where}.${key}`);
  return v;
}

/** A Gemini OpenAPI-subset schema (`parameters`, `responseSchema`) as JSON Schema: upper-case type names (`OBJECT`) lower-cased. */
export function openApiToJsonSchema(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(openApiToJsonSchema);
  if (!isObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === 'type' && typeof x === 'string') out[k] = x.toLowerCase();
    else if (k === 'type' && Array.isArray(x)) out[k] = x.map((t) => (typeof t === 'string' ? t.toLowerCase() : t));
    else out[k] = openApiToJsonSchema(x);
  }
  return out;
}

function decodeMedia(kind: 'inlineData' | 'fileData', o: Record<string, unknown>, where: string): { mime: string; source: MediaSource } {
  if (kind === 'inlineData') {
    const mime = getString(o, 'mimeType');
    const data = getString(o, 'data');
    if (mime === undefined || data === undefined) throw new InvalidRequest('inlineData needs a mimeType and data', where);
    return { mime, source: { kind: 'base64', mediaType: mime, data } };
  }
  const uri = getString(o, 'fileUri');
  if (uri === undefined) throw new InvalidRequest('fileData needs a fileUri', where);
  const mime = getString(o, 'mimeType') ?? mimeFromName(uri) ?? '';
  return { mime, source: mediaFromUrl(uri) };
}

function mediaPart(mime: string, source: MediaSource): ContentPart {
  return mime.startsWith('image/') ? { type: 'image', source } : { type: 'file', source };
}

function decodeFunctionResponse(fr: Record<string, unknown>, where: string, pending: PendingCall[]): ToolResultPart {
  const name = getString(fr, 'name');
  if (name === undefined) throw new InvalidRequest('functionResponse needs a name', `${where}.functionResponse.name`);
  const id = getString(fr, 'id');
  let callId: string;
  if (id !== undefined && id !== '') {
    callId = id;
    const k = pending.findIndex((c) => c.id === id);
    if (k >= 0) pending.splice(k, 1);
  } else {
    const k = pending.findIndex((c) => c.name === name);
    if (k < 0) throw new InvalidRequest(`functionResponse for ${name} has no id and answers no earlier unanswered functionCall of that name`, `${where}.functionResponse`);
    callId = pending[k]!.id;
    pending.splice(k, 1);
  }
  const content: Array<TextPart | ImagePart> = [];
  let isError = false;
  const response = get(fr, 'response');
  if (response !== undefined && response !== null) {
    if (!isObject(response)) throw new InvalidRequest('functionResponse.response must be a JSON object', `${where}.functionResponse.response`);
    const keys = Object.keys(response);
    const only = keys.length === 1 ? keys[0] : undefined;
    const inner = only === undefined ? undefined : response[only];
    // {output: "text"} / {error: ...} are Gemini's documented wrappers: carry the text itself (and the error flag).
    if (only === 'output' && typeof inner === 'string' && !looksLikeJsonObject(inner)) content.push({ type: 'text', text: inner });
    else if (only === 'error' && !(typeof inner === 'string' && looksLikeJsonObject(inner))) {
      isError = true;
      content.push({ type: 'text', text: typeof inner === 'string' ? inner : JSON.stringify(inner) });
    } else content.push({ type: 'text', text: JSON.stringify(response) });
  }
  const parts = get(fr, 'parts');
  if (Array.isArray(parts)) {
    parts.forEach((p: unknown, k) => {
      const pw = `${where}.functionResponse.parts[${k}]`;
      if (!isObject(p)) throw new InvalidRequest('a function response part must be an object', pw);
      const inline = getObject(p, 'inlineData');
      const file = getObject(p, 'fileData');
      const m = inline ? decodeMedia('inlineData', inline, pw) : file ? decodeMedia('fileData', file, pw) : undefined;
      if (m === undefined) throw new InvalidRequest('a function response part needs inlineData or fileData', pw);
      if (!m.mime.startsWith('image/')) throw geminiOnly(`a ${m.mime || 'non-image'} file in a function response`, pw);
      content.push({ type: 'image', source: m.source });
    });
  }
  if (content.length === 0) content.push({ type: 'text', text: '{}' });
  return { type: 'tool_result', callId, name, content, ...(isError ? { isError: true } : {}) };
}

function looksLikeJsonObject(s: string): boolean {
  const t = s.trim();
  if (!t.startsWith('{')) return false;
  try {
    return isObject(JSON.parse(t));
  } catch {
    return false;
  }
}

function decodePart(p: unknown, mi: number, pi: number, model: boolean, pending: PendingCall[]): ContentPart[] {
  const where = `contents[${mi}].parts[${pi}]`;
  if (!isObject(p)) throw new InvalidRequest('a part must be an object', where);
  const signature = getString(p, 'thoughtSignature');
  const sig = signature !== undefined && signature !== '' ? { family: 'gemini' as const, value: signature } : undefined;
  const text = get(p, 'text');
  if (text !== undefined) {
    if (typeof text !== 'string') throw new InvalidRequest('text must be a string', `${where}.text`);
    if (get(p, 'thought') === true) return text === '' && !sig ? [] : [{ type: 'thinking', text, ...(sig ? { signature: sig } : {}) }];
    // A signature on an ordinary text part rides on an empty thinking part just before it (re-attached by the encoder).
    // Empty text parts are dropped: other formats refuse empty text blocks.
    const rest: ContentPart[] = text === '' ? [] : [{ type: 'text', text }];
    return sig && model ? [{ type: 'thinking', text: '', signature: sig }, ...rest] : rest;
  }
  const inline = getObject(p, 'inlineData');
  if (inline) {
    const m = decodeMedia('inlineData', inline, `${where}.inlineData`);
    return [mediaPart(m.mime, m.source)];
  }
  const file = getObject(p, 'fileData');
  if (file) {
    const m = decodeMedia('fileData', file, `${where}.fileData`);
    return [mediaPart(m.mime, m.source)];
  }
  const fc = getObject(p, 'functionCall');
  if (fc) {
    if (!model) throw new InvalidRequest('functionCall parts belong in model turns', where);
    const name = getString(fc, 'name');
    if (name === undefined) throw new InvalidRequest('functionCall needs a name', `${where}.functionCall.name`);
    const args = get(fc, 'args');
    if (args !== undefined && args !== null && !isObject(args)) throw new InvalidRequest('functionCall.args must be a JSON object', `${where}.functionCall.args`);
    const given = getString(fc, 'id');
    const id = given !== undefined && given !== '' ? given : `call_${mi}_${pi}`;
    pending.push({ id, name });
    return [{ type: 'tool_call', id, name, arguments: JSON.stringify(args ?? {}), ...(sig ? { signature: sig } : {}) }];
  }
  const fr = getObject(p, 'functionResponse');
  if (fr) {
    if (model) throw new InvalidRequest('functionResponse parts belong in user turns', where);
    return [decodeFunctionResponse(fr, where, pending)];
  }
  if (get(p, 'executableCode') !== undefined) throw geminiOnly('an executableCode part', where);
  if (get(p, 'codeExecutionResult') !== undefined) throw geminiOnly('a codeExecutionResult part', where);
  const keys = Object.keys(p).filter((k) => !['thoughtSignature', 'thought_signature', 'thought', 'videoMetadata', 'video_metadata', 'partMetadata', 'part_metadata', 'mediaResolution', 'media_resolution'].includes(k));
  if (keys.length === 0) throw new InvalidRequest('a part needs content (text, inlineData, fileData, functionCall or functionResponse)', where);
  throw geminiOnly(`a ${keys.join('/')} part`, where);
}

function decodeContents(contents: unknown): Message[] {
  if (!Array.isArray(contents)) throw new InvalidRequest('contents must be an array', 'contents');
  if (contents.length === 0) throw new InvalidRequest('contents must not be empty', 'contents');
  const pending: PendingCall[] = [];
  return contents.map((c: unknown, mi): Message => {
    if (!isObject(c)) throw new InvalidRequest('a content must be an object', `contents[${mi}]`);
    const role = get(c, 'role') ?? 'user';
    if (role !== 'user' && role !== 'model' && role !== 'function') throw new InvalidRequest(`role must be user or model, not ${JSON.stringify(role)}`, `contents[${mi}].role`);
    const parts = get(c, 'parts');
    if (!Array.isArray(parts)) throw new InvalidRequest('parts must be an array', `contents[${mi}].parts`);
    const model = role === 'model';
    return { role: model ? 'assistant' : 'user', parts: parts.flatMap((p: unknown, pi) => decodePart(p, mi, pi, model, pending)) };
  });
}

function decodeSystem(si: unknown): TextPart[] {
  if (si === undefined || si === null) return [];
  if (typeof si === 'string') return [{ type: 'text', text: si }];
  if (!isObject(si)) throw new InvalidRequest('systemInstruction must be a Content object', 'systemInstruction');
  const parts = get(si, 'parts');
  if (!Array.isArray(parts)) throw new InvalidRequest('systemInstruction.parts must be an array', 'systemInstruction.parts');
  return parts.map((p: unknown, i): TextPart => {
    const where = `systemInstruction.parts[${i}]`;
    if (!isObject(p)) throw new InvalidRequest('a part must be an object', where);
    const text = get(p, 'text');
    if (typeof text !== 'string') throw geminiOnly('a non-text system instruction part', where);
    return { type: 'text', text };
  });
}

function decodeTools(tools: unknown): ToolDef[] {
  if (tools === undefined || tools === null) return [];
  if (!Array.isArray(tools)) throw new InvalidRequest('tools must be an array', 'tools');
  const out: ToolDef[] = [];
  tools.forEach((t: unknown, i) => {
    if (!isObject(t)) throw new InvalidRequest('a tool must be an object', `tools[${i}]`);
    for (const key of Object.keys(t)) {
      if (key !== 'functionDeclarations' && key !== 'function_declarations') throw geminiOnly(`the ${key} tool`, `tools[${i}]`);
    }
    const decls = get(t, 'functionDeclarations');
    if (decls === undefined) return;
    if (!Array.isArray(decls)) throw new InvalidRequest('functionDeclarations must be an array', `tools[${i}].functionDeclarations`);
    decls.forEach((d: unknown, j) => {
      const where = `tools[${i}].functionDeclarations[${j}]`;
      if (!isObject(d)) throw new InvalidRequest('a function declaration must be an object', where);
      const name = getString(d, 'name');
      if (name === undefined || name === '') throw new InvalidRequest('a function declaration needs a name', `${where}.name`);
      const description = getString(d, 'description');
      const jsonSchema = get(d, 'parametersJsonSchema');
      const openApi = get(d, 'parameters');
      const params = isObject(jsonSchema) ? jsonSchema : isObject(openApi) ? (openApiToJsonSchema(openApi) as Record<string, unknown>) : { type: 'object', properties: {} };
      out.push({ name, ...(description !== undefined ? { description } : {}), parameters: params });
    });
  });
  return out;
}

function decodeToolChoice(tc: unknown): ToolChoice | undefined {
  if (!isObject(tc)) return undefined;
  const fcc = getObject(tc, 'functionCallingConfig');
  if (!fcc) return undefined;
  const mode = getString(fcc, 'mode')?.toUpperCase();
  const allowed = get(fcc, 'allowedFunctionNames');
  switch (mode) {
    case 'AUTO':
    case 'VALIDATED':
      return { type: 'auto' };
    case 'NONE':
      return { type: 'none' };
    case 'ANY':
      if (Array.isArray(allowed) && allowed.length === 1 && typeof allowed[0] === 'string') return { type: 'tool', name: allowed[0] };
      return { type: 'required' };
    default:
      return undefined;
  }
}

function decodeThinking(tc: Record<string, unknown>): Reasoning | undefined {
  const r: Reasoning = {};
  const budget = optNumber(tc, 'thinkingBudget', 'generationConfig.thinkingConfig');
  if (budget === 0) r.disabled = true;
  else if (budget !== undefined && budget < 0) r.effort = 'medium';
  else if (budget !== undefined) r.budgetTokens = Math.round(budget);
  const level = getString(tc, 'thinkingLevel')?.toLowerCase();
  if (level !== undefined && THINKING_LEVELS[level] !== undefined && budget === undefined) r.effort = THINKING_LEVELS[level];
  const include = get(tc, 'includeThoughts');
  if (typeof include === 'boolean') r.includeThoughts = include;
  return Object.keys(r).length > 0 ? r : undefined;
}

function decodeResponseFormat(gc: Record<string, unknown>): ResponseFormat | undefined {
  const mime = getString(gc, 'responseMimeType');
  if (mime === 'text/x.enum') throw geminiOnly('responseMimeType text/x.enum', 'generationConfig.responseMimeType');
  if (mime !== 'application/json') return undefined;
  const jsonSchema = get(gc, 'responseJsonSchema');
  if (isObject(jsonSchema)) return { type: 'json_schema', name: 'response', schema: jsonSchema };
  const schema = get(gc, 'responseSchema');
  if (isObject(schema)) return { type: 'json_schema', name: 'response', schema: openApiToJsonSchema(schema) as Record<string, unknown> };
  return { type: 'json_object' };
}

export function decodeRequest(body: Record<string, unknown>): PivotRequest {
  const model = body['model'];
  if (typeof model !== 'string' || model === '') throw new InvalidRequest('model is required', 'model');
  const req: PivotRequest = {
    model,
    system: decodeSystem(get(body, 'systemInstruction')),
    messages: decodeContents(get(body, 'contents')),
    tools: decodeTools(get(body, 'tools')),
    stream: body['stream'] === true,
  };
  const toolChoice = decodeToolChoice(get(body, 'toolConfig'));
  if (toolChoice) req.toolChoice = toolChoice;
  const gcRaw = get(body, 'generationConfig');
  if (gcRaw !== undefined && gcRaw !== null && !isObject(gcRaw)) throw new InvalidRequest('generationConfig must be an object', 'generationConfig');
  const gc: Record<string, unknown> = isObject(gcRaw) ? gcRaw : {};
  const w = 'generationConfig';
  const candidates = optNumber(gc, 'candidateCount', w);
  if (candidates !== undefined && candidates > 1) throw new InvalidRequest('candidateCount above 1 is not supported', `${w}.candidateCount`);
  const maxTokens = optNumber(gc, 'maxOutputTokens', w);
  if (maxTokens !== undefined) req.maxTokens = maxTokens;
  const temperature = optNumber(gc, 'temperature', w);
  if (temperature !== undefined) req.temperature = temperature;
  const topP = optNumber(gc, 'topP', w);
  if (topP !== undefined) req.topP = topP;
  const topK = optNumber(gc, 'topK', w);
  if (topK !== undefined) req.topK = topK;
  const stop = get(gc, 'stopSequences');
  if (stop !== undefined && stop !== null) {
    if (!Array.isArray(stop) || !stop.every((s) => typeof s === 'string')) throw new InvalidRequest('stopSequences must be an array of strings', `${w}.stopSequences`);
    if (stop.length > 0) req.stop = stop as string[];
  }
  const seed = optNumber(gc, 'seed', w);
  if (seed !== undefined) req.seed = seed;
  const presence = optNumber(gc, 'presencePenalty', w);
  if (presence !== undefined) req.presencePenalty = presence;
  const frequency = optNumber(gc, 'frequencyPenalty', w);
  if (frequency !== undefined) req.frequencyPenalty = frequency;
  const modalities = get(gc, 'responseModalities');
  if (Array.isArray(modalities)) {
    for (const m of modalities) if (typeof m !== 'string' || m.toUpperCase() !== 'TEXT') throw geminiOnly(`response modality ${String(m)}`, `${w}.responseModalities`);
  }
  const responseFormat = decodeResponseFormat(gc);
  if (responseFormat) req.responseFormat = responseFormat;
  const tc = getObject(gc, 'thinkingConfig');
  const reasoning = tc ? decodeThinking(tc) : undefined;
  if (reasoning) req.reasoning = reasoning;
  // safetySettings, cachedContent, labels, speechConfig, mediaResolution, logprobs: hints, dropped.
  return req;
}

// ---------------------------------------------------------------- encoding

const WEB_SCHEMES = new Set(['http:', 'https:', 'gs:']);

/** An image or file as a Gemini part: base64 → inlineData; http(s)/gs URL → fileData (Gemini fetches public and signed URLs, File API and Cloud Storage URIs). */
export function encodeMedia(kind: 'image' | 'file', source: MediaSource, where: string, filename?: string): Record<string, unknown> {
  const src = source.kind === 'url' ? mediaFromUrl(source.url) : source;
  if (src.kind === 'base64') return { inlineData: { mimeType: src.mediaType, data: src.data } };
  let scheme = '';
  try {
    scheme = new URL(src.url).protocol;
  } catch {
    // not an absolute URL
  }
  if (!WEB_SCHEMES.has(scheme)) throw new UnsupportedContent(`${kind === 'image' ? 'an image' : 'a file'} URL that is not http(s) or gs`, where, 'gemini');
  const guessed = (filename !== undefined ? mimeFromName(filename) : undefined) ?? mimeFromName(src.url);
  const mimeType = guessed ?? (kind === 'image' ? 'image/jpeg' : 'application/pdf');
  return { fileData: { mimeType, fileUri: src.url } };
}

function toolResultName(req: PivotRequest, part: ToolResultPart, mi: number): string | undefined {
  if (part.name !== undefined && part.name !== '') return part.name;
  for (let i = mi; i >= 0; i--) {
    for (const p of req.messages[i]!.parts) if (p.type === 'tool_call' && p.id === part.callId) return p.name;
  }
  return undefined;
}

function encodeToolResult(req: PivotRequest, part: ToolResultPart, mi: number, where: string): Record<string, unknown> {
  const name = toolResultName(req, part, mi);
  if (name === undefined) throw new InvalidRequest(`tool result ${JSON.stringify(part.callId)} names no function and answers no earlier tool call`, where);
  const texts: string[] = [];
  const media: Array<Record<string, unknown>> = [];
  part.content.forEach((c, k) => {
    if (c.type === 'text') texts.push(c.text);
    else if (c.source.kind === 'base64') media.push({ inlineData: { mimeType: c.source.mediaType, data: c.source.data } });
    else {
      const src = mediaFromUrl(c.source.url);
      if (src.kind !== 'base64') throw new UnsupportedContent('an image URL inside a tool result', `${where}.content[${k}]`, 'gemini');
      media.push({ inlineData: { mimeType: src.mediaType, data: src.data } });
    }
  });
  const text = texts.join('\n');
  let value: unknown = text;
  if (texts.length > 0 && looksLikeJsonObject(text)) value = JSON.parse(text.trim());
  let response: Record<string, unknown>;
  if (part.isError) response = { error: value };
  else if (isObject(value)) response = value;
  else response = texts.length > 0 ? { output: text } : {};
  const fr: Record<string, unknown> = {};
  if (part.callId !== '') fr['id'] = part.callId;
  fr['name'] = name;
  fr['response'] = response;
  if (media.length > 0) fr['parts'] = media;
  return { functionResponse: fr };
}

/** A tool call as a functionCall part. Invalid argument JSON is a 400 in a request; in a response (`lenient`) it becomes `{}`. */
export function encodeToolCall(p: Extract<ContentPart, { type: 'tool_call' }>, where: string, lenient = false): Record<string, unknown> {
  let args: Record<string, unknown>;
  try {
    args = argsToObject(p.arguments);
  } catch {
    if (!lenient) throw new InvalidRequest('tool call arguments are not valid JSON', `${where}.arguments`);
    args = {};
  }
  const fc: Record<string, unknown> = { name: p.name, args };
  if (p.id !== '') fc['id'] = p.id;
  const out: Record<string, unknown> = { functionCall: fc };
  if (p.signature?.family === 'gemini') out['thoughtSignature'] = p.signature.value;
  return out;
}

/**
 * Assistant/user output parts as Gemini parts. Thinking is sent only with a
 * Gemini signature (other families' thinking, unsigned thinking and redacted
 * thinking are dropped); an empty signed thinking part is the pivot's
 * spelling of a signature on an ordinary part: it goes on the text part right
 * after it, else on an empty text part.
 */
export function encodeParts(parts: ContentPart[], where: (j: number) => string, req: PivotRequest | null, mi: number, includeUnsignedThoughts = false): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  let carried: string | undefined;
  parts.forEach((p, j) => {
    switch (p.type) {
      case 'text': {
        if (p.text === '' && carried === undefined) return;
        const tp: Record<string, unknown> = { text: p.text };
        if (carried !== undefined) tp['thoughtSignature'] = carried;
        carried = undefined;
        out.push(tp);
        return;
      }
      case 'thinking': {
        const sig = p.signature?.family === 'gemini' ? p.signature.value : undefined;
        if (sig === undefined) {
          if (includeUnsignedThoughts && p.text !== '') out.push({ text: p.text, thought: true });
          return;
        }
        if (p.text === '') {
          // Gemini puts a bare signature on an ordinary part (the next text, or an empty one), not on a thought part.
          if (parts[j + 1]?.type === 'text') carried = sig;
          else out.push({ text: '', thoughtSignature: sig });
          return;
        }
        out.push({ text: p.text, thought: true, thoughtSignature: sig });
        return;
      }
      case 'image':
        out.push(encodeMedia('image', p.source, where(j)));
        return;
      case 'file':
        out.push(encodeMedia('file', p.source, where(j), p.filename));
        return;
      case 'tool_call':
        out.push(encodeToolCall(p, where(j), req === null));
        return;
      case 'tool_result':
        if (req === null) throw new InvalidRequest('a tool result cannot be part of a response', where(j));
        out.push(encodeToolResult(req, p, mi, where(j)));
        return;
    }
  });
  return out;
}

function encodeThinking(r: Reasoning): Record<string, unknown> | undefined {
  const tc: Record<string, unknown> = {};
  if (r.disabled) tc['thinkingBudget'] = 0;
  else if (r.budgetTokens !== undefined) tc['thinkingBudget'] = r.budgetTokens;
  else if (r.effort !== undefined) tc['thinkingBudget'] = EFFORT_BUDGET[r.effort];
  if (r.includeThoughts !== undefined && !r.disabled) tc['includeThoughts'] = r.includeThoughts;
  return Object.keys(tc).length > 0 ? tc : undefined;
}

function encodeToolChoice(tc: ToolChoice): Record<string, unknown> {
  switch (tc.type) {
    case 'auto':
      return { functionCallingConfig: { mode: 'AUTO' } };
    case 'none':
      return { functionCallingConfig: { mode: 'NONE' } };
    case 'required':
      return { functionCallingConfig: { mode: 'ANY' } };
    case 'tool':
      return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [tc.name] } };
  }
}

export function encodeRequest(req: PivotRequest): Record<string, unknown> {
  const contents: Array<{ role: string; parts: Array<Record<string, unknown>> }> = [];
  req.messages.forEach((m, mi) => {
    const role = m.role === 'assistant' ? 'model' : 'user';
    const parts = encodeParts(m.parts, (j) => `messages[${mi}].parts[${j}]`, req, mi);
    if (parts.length === 0) return;
    // Gemini wants one turn per role: consecutive same-role messages (e.g. one
    // OpenAI `tool` message per call) become one content, so a function-call
    // turn is answered by exactly one turn holding all its responses.
    const last = contents[contents.length - 1];
    if (last !== undefined && last.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  });
  const body: Record<string, unknown> = { contents };
  const system = req.system.filter((t) => t.text !== '');
  if (system.length > 0) body['systemInstruction'] = { parts: system.map((t) => ({ text: t.text })) };
  if (req.tools.length > 0) {
    body['tools'] = [
      {
        functionDeclarations: req.tools.map((t) => {
          const d: Record<string, unknown> = { name: t.name };
          if (t.description !== undefined) d['description'] = t.description;
          d['parametersJsonSchema'] = t.parameters;
          return d;
        }),
      },
    ];
  }
  if (req.toolChoice) body['toolConfig'] = encodeToolChoice(req.toolChoice);
  const gc: Record<string, unknown> = {};
  if (req.stop !== undefined && req.stop.length > 0) gc['stopSequences'] = req.stop;
  if (req.temperature !== undefined) gc['temperature'] = req.temperature;
  if (req.topP !== undefined) gc['topP'] = req.topP;
  if (req.topK !== undefined) gc['topK'] = req.topK;
  if (req.maxTokens !== undefined) gc['maxOutputTokens'] = req.maxTokens;
  if (req.presencePenalty !== undefined) gc['presencePenalty'] = req.presencePenalty;
  if (req.frequencyPenalty !== undefined) gc['frequencyPenalty'] = req.frequencyPenalty;
  if (req.seed !== undefined) gc['seed'] = req.seed;
  const rf = req.responseFormat;
  if (rf !== undefined && rf.type !== 'text') {
    gc['responseMimeType'] = 'application/json';
    if (rf.type === 'json_schema') gc['responseJsonSchema'] = rf.schema;
  }
  const thinking = req.reasoning ? encodeThinking(req.reasoning) : undefined;
  if (thinking) gc['thinkingConfig'] = thinking;
  if (Object.keys(gc).length > 0) body['generationConfig'] = gc;
  // parallelToolCalls, user, streamUsage, cache hints, tool `strict`: no Gemini equivalent (hints, dropped).
  return body;
}
