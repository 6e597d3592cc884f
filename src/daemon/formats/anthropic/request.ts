/**
 * Anthropic Messages requests ⇄ pivot.
 *
 * Decisions the pivot contract leaves to this codec:
 * - Only custom tools (no `type`, or `type: 'custom'`) decode; Anthropic's
 *   server and versioned tools (`web_search_…`, `bash_…`, `text_editor_…`,
 *   `computer_…`, MCP servers) run inside Anthropic and cannot be carried to
 *   another provider: UnsupportedContent naming the tool and where.
 * - Content is always encoded as an array of blocks (never the string
 *   shorthand), system as an array of text blocks.
 * - max_tokens defaults to 8192 when the pivot has none (Anthropic requires it).
 * - Thinking: see planThinking below.
 */
import {
  InvalidRequest,
  UnsupportedContent,
  type ContentPart,
  type ImagePart,
  type Message,
  type PivotRequest,
  type Reasoning,
  type ReasoningEffort,
  type ResponseFormat,
  type TextPart,
  type ToolChoice,
  type ToolDef,
  type ToolResultPart,
} from '../pivot/types.js';
import { argsToObject, effortForBudget, isObject } from '../pivot/util.js';
import { put, toolUseId } from './common.js';

/** max_tokens when the pivot request has none (Anthropic requires the field). */
export const DEFAULT_MAX_TOKENS = 8192;

/** Thinking budget for a reasoning effort given without a budget. */
export const EFFORT_BUDGET: Record<ReasoningEffort, number> = { minimal: 1024, low: 2048, medium: 8192, high: 24576 };

/** Anthropic's smallest accepted budget_tokens. */
const MIN_BUDGET = 1024;

/** Room left for the answer when max_tokens has to be raised above the thinking budget. */
const ANSWER_ROOM = 4096;

// ---------------------------------------------------------------------------
// Decoding (client request → pivot)
// ---------------------------------------------------------------------------

type Obj = Record<string, unknown>;

function present(v: unknown): boolean {
  return v !== undefined && v !== null;
}

function reqString(o: Obj, k: string, where: string): string {
  const v = o[k];
  if (typeof v !== 'string') throw new InvalidRequest(`\`${k}\` must be a string`, where === '' ? k : `${where}.${k}`);
  return v;
}

function optNumber(o: Obj, k: string): number | undefined {
  const v = o[k];
  if (!present(v)) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidRequest(`\`${k}\` must be a number`, k);
  return v;
}

function cacheHint(b: Obj): Record<string, unknown> | undefined {
  const c = b['cache_control'];
  return isObject(c) ? c : undefined;
}

function withCache<T extends object>(part: T, b: Obj): T {
  const c = cacheHint(b);
  if (c) (part as T & { cacheControl?: Record<string, unknown> }).cacheControl = c;
  return part;
}

function decodeText(b: Obj, where: string): TextPart {
  return withCache({ type: 'text', text: reqString(b, 'text', where) }, b);
}

function decodeImage(b: Obj, where: string): ImagePart {
  const s = b['source'];
  if (!isObject(s)) throw new InvalidRequest('an image block needs a `source` object', `${where}.source`);
  if (s['type'] === 'base64') {
    return withCache({ type: 'image', source: { kind: 'base64', mediaType: reqString(s, 'media_type', `${where}.source`), data: reqString(s, 'data', `${where}.source`) } }, b);
  }
  if (s['type'] === 'url') return withCache({ type: 'image', source: { kind: 'url', url: reqString(s, 'url', `${where}.source`) } }, b);
  throw new UnsupportedContent(`an image with a ${JSON.stringify(s['type'])} source`, `${where}.source`, 'anthropic');
}

/** A `document` block: PDFs (base64 or URL) become file parts; plain-text documents are content, so text parts. */
function decodeDocument(b: Obj, where: string): ContentPart[] {
  const s = b['source'];
  if (!isObject(s)) throw new InvalidRequest('a document block needs a `source` object', `${where}.source`);
  const title = typeof b['title'] === 'string' ? b['title'] : undefined;
  switch (s['type']) {
    case 'base64': {
      const part = withCache({ type: 'file' as const, source: { kind: 'base64' as const, mediaType: reqString(s, 'media_type', `${where}.source`), data: reqString(s, 'data', `${where}.source`) } }, b);
      return [title === undefined ? part : { ...part, filename: title }];
    }
    case 'url': {
      const part = withCache({ type: 'file' as const, source: { kind: 'url' as const, url: reqString(s, 'url', `${where}.source`) } }, b);
      return [title === undefined ? part : { ...part, filename: title }];
    }
    case 'text':
      return [withCache({ type: 'text', text: reqString(s, 'data', `${where}.source`) }, b)];
    case 'content': {
      const items = s['content'];
      if (typeof items === 'string') return [withCache({ type: 'text', text: items }, b)];
      if (!Array.isArray(items)) throw new InvalidRequest('a content document needs a `content` array', `${where}.source.content`);
      return items.map((it, k) => {
        const w = `${where}.source.content[${k}]`;
        if (!isObject(it)) throw new InvalidRequest('a content block must be an object', w);
        if (it['type'] === 'text') return decodeText(it, w);
        if (it['type'] === 'image') return decodeImage(it, w);
        throw new UnsupportedContent(`a ${JSON.stringify(it['type'])} block in a document`, w, 'anthropic');
      });
    }
    default:
      throw new UnsupportedContent(`a document with a ${JSON.stringify(s['type'])} source`, `${where}.source`, 'anthropic');
  }
}

function decodeToolResult(b: Obj, where: string, names: Map<string, string>): ContentPart {
  const callId = reqString(b, 'tool_use_id', where);
  const raw = b['content'];
  let content: Array<TextPart | ImagePart> = [];
  if (typeof raw === 'string') content = [{ type: 'text', text: raw }];
  else if (Array.isArray(raw)) {
    content = raw.map((it, k) => {
      const w = `${where}.content[${k}]`;
      if (!isObject(it)) throw new InvalidRequest('a tool_result content block must be an object', w);
      if (it['type'] === 'text') return decodeText(it, w);
      if (it['type'] === 'image') return decodeImage(it, w);
      throw new UnsupportedContent(`a ${JSON.stringify(it['type'])} block in a tool_result`, w, 'anthropic');
    });
  } else if (present(raw)) throw new InvalidRequest('tool_result `content` must be a string or an array of blocks', `${where}.content`);
  const name = names.get(callId);
  const part: ToolResultPart = name === undefined ? { type: 'tool_result', callId, content } : { type: 'tool_result', callId, name, content };
  if (typeof b['is_error'] === 'boolean') part.isError = b['is_error'];
  return withCache(part, b);
}

function decodeBlock(b: unknown, where: string, names: Map<string, string>): ContentPart[] {
  if (!isObject(b)) throw new InvalidRequest('a content block must be an object', where);
  const type = b['type'];
  if (typeof type !== 'string') throw new InvalidRequest('a content block needs a string `type`', `${where}.type`);
  switch (type) {
    case 'text':
      return [decodeText(b, where)];
    case 'image':
      return [decodeImage(b, where)];
    case 'document':
      return decodeDocument(b, where);
    case 'tool_use': {
      const id = reqString(b, 'id', where);
      const name = reqString(b, 'name', where);
      const input = b['input'];
      if (present(input) && !isObject(input)) throw new InvalidRequest('tool_use `input` must be an object', `${where}.input`);
      names.set(id, name);
      return [{ type: 'tool_call', id, name, arguments: JSON.stringify(input ?? {}) }];
    }
    case 'tool_result':
      return [decodeToolResult(b, where, names)];
    case 'thinking': {
      const text = reqString(b, 'thinking', where);
      const sig = b['signature'];
      return [typeof sig === 'string' && sig !== '' ? { type: 'thinking', text, signature: { family: 'anthropic', value: sig } } : { type: 'thinking', text }];
    }
    case 'redacted_thinking':
      return [{ type: 'thinking', text: '', redacted: { family: 'anthropic', data: reqString(b, 'data', where) } }];
    default:
      // server_tool_use, web_search_tool_result, web_fetch_tool_result, code_execution_tool_result,
      // mcp_tool_use, mcp_tool_result, container_upload, search_result, …
      throw new UnsupportedContent(`a ${type} block`, where, 'anthropic');
  }
}

function decodeSystem(v: unknown): TextPart[] {
  if (!present(v)) return [];
  if (typeof v === 'string') return v === '' ? [] : [{ type: 'text', text: v }];
  if (!Array.isArray(v)) throw new InvalidRequest('`system` must be a string or an array of text blocks', 'system');
  return v.map((b, i) => {
    const w = `system[${i}]`;
    if (!isObject(b) || b['type'] !== 'text') throw new InvalidRequest('system blocks must be text blocks', w);
    return decodeText(b, w);
  });
}

/**
 * Messages, and the system text found among them: a mid-conversation
 * `role: "system"` message (Claude Code sends one, under the
 * mid-conversation-system beta) joins the system prompt, as the OpenAI chat
 * decoder does with system messages, since the pivot keeps system text apart.
 */
function decodeMessages(v: unknown): { messages: Message[]; system: TextPart[] } {
  if (!Array.isArray(v)) throw new InvalidRequest('`messages` must be an array', 'messages');
  const names = new Map<string, string>();
  const messages: Message[] = [];
  const system: TextPart[] = [];
  v.forEach((m, i) => {
    const w = `messages[${i}]`;
    if (!isObject(m)) throw new InvalidRequest('a message must be an object', w);
    const role = m['role'];
    const c = m['content'];
    if (role === 'system') {
      if (typeof c === 'string') system.push({ type: 'text', text: c });
      else if (Array.isArray(c)) system.push(...decodeSystem(c).map((p) => ({ type: 'text' as const, text: p.text })));
      else throw new InvalidRequest('`content` must be a string or an array of text blocks', `${w}.content`);
      return;
    }
    if (role !== 'user' && role !== 'assistant') throw new InvalidRequest("`role` must be 'user', 'assistant' or 'system'", `${w}.role`);
    if (typeof c === 'string') messages.push({ role, parts: [{ type: 'text', text: c }] });
    else if (!Array.isArray(c)) throw new InvalidRequest('`content` must be a string or an array of blocks', `${w}.content`);
    else messages.push({ role, parts: c.flatMap((b, j) => decodeBlock(b, `${w}.content[${j}]`, names)) });
  });
  return { messages, system };
}

function decodeTools(v: unknown): ToolDef[] {
  if (!present(v)) return [];
  if (!Array.isArray(v)) throw new InvalidRequest('`tools` must be an array', 'tools');
  return v.map((t, i) => {
    const w = `tools[${i}]`;
    if (!isObject(t)) throw new InvalidRequest('a tool must be an object', w);
    const type = t['type'];
    if (present(type) && type !== 'custom') {
      throw new UnsupportedContent(`the Anthropic server tool ${JSON.stringify(type)}${typeof t['name'] === 'string' ? ` (${t['name']})` : ''}`, w, 'anthropic');
    }
    const name = reqString(t, 'name', w);
    const schema = t['input_schema'];
    if (!isObject(schema)) throw new InvalidRequest('a tool needs an `input_schema` object', `${w}.input_schema`);
    const def: ToolDef = typeof t['description'] === 'string' ? { name, description: t['description'], parameters: schema } : { name, parameters: schema };
    if (typeof t['strict'] === 'boolean') def.strict = t['strict'];
    return withCache(def, t);
  });
}

function decodeToolChoice(v: unknown): { toolChoice?: ToolChoice; parallel?: boolean } {
  if (!present(v)) return {};
  if (!isObject(v)) throw new InvalidRequest('`tool_choice` must be an object', 'tool_choice');
  let toolChoice: ToolChoice;
  switch (v['type']) {
    case 'auto':
      toolChoice = { type: 'auto' };
      break;
    case 'any':
      toolChoice = { type: 'required' };
      break;
    case 'none':
      toolChoice = { type: 'none' };
      break;
    case 'tool':
      toolChoice = { type: 'tool', name: reqString(v, 'name', 'tool_choice') };
      break;
    default:
      throw new InvalidRequest("`tool_choice.type` must be 'auto', 'any', 'tool' or 'none'", 'tool_choice.type');
  }
  return v['disable_parallel_tool_use'] === true ? { toolChoice, parallel: false } : { toolChoice };
}

/** Anthropic effort levels → pivot; `xhigh` and `max` have no pivot level above high. */
function decodeEffort(v: unknown): ReasoningEffort | undefined {
  switch (v) {
    case 'low':
    case 'medium':
    case 'high':
      return v;
    case 'xhigh':
    case 'max':
      return 'high';
    default:
      return undefined;
  }
}

function decodeReasoning(thinking: unknown, outputConfig: unknown): Reasoning | undefined {
  const effort = isObject(outputConfig) ? decodeEffort(outputConfig['effort']) : undefined;
  if (!present(thinking)) return effort === undefined ? undefined : { effort };
  if (!isObject(thinking)) throw new InvalidRequest('`thinking` must be an object', 'thinking');
  const r: Reasoning = {};
  switch (thinking['type']) {
    case 'enabled': {
      const b = thinking['budget_tokens'];
      if (typeof b !== 'number' || !Number.isInteger(b) || b < 0) throw new InvalidRequest('`thinking.budget_tokens` must be a non-negative integer', 'thinking.budget_tokens');
      if (effort !== undefined) r.effort = effort;
      r.budgetTokens = b;
      r.includeThoughts = true;
      return r;
    }
    case 'adaptive':
      // The model decides how much to think; `display: 'omitted'` asks for signatures without thinking text.
      if (effort !== undefined) r.effort = effort;
      r.includeThoughts = thinking['display'] !== 'omitted';
      return r;
    case 'disabled':
      return { disabled: true };
    default:
      throw new InvalidRequest("`thinking.type` must be 'enabled', 'adaptive' or 'disabled'", 'thinking.type');
  }
}

/** Anthropic structured output (`output_config.format`, or the older beta `output_format`). */
function decodeResponseFormat(body: Obj): ResponseFormat | undefined {
  const oc = body['output_config'];
  const f = isObject(oc) && isObject(oc['format']) ? oc['format'] : isObject(body['output_format']) ? body['output_format'] : undefined;
  if (!f || f['type'] !== 'json_schema' || !isObject(f['schema'])) return undefined;
  return { type: 'json_schema', name: 'response', schema: f['schema'] };
}

export function decodeRequest(body: Obj): PivotRequest {
  const model = reqString(body, 'model', '');
  const maxTokens = body['max_tokens'];
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) throw new InvalidRequest('`max_tokens` is required and must be a positive integer', 'max_tokens');
  const decoded = decodeMessages(body['messages']);
  const req: PivotRequest = { model, system: [...decodeSystem(body['system']), ...decoded.system], messages: decoded.messages, tools: decodeTools(body['tools']), stream: false };
  const mcp = body['mcp_servers'];
  if (Array.isArray(mcp) && mcp.length > 0) throw new UnsupportedContent('MCP servers run by Anthropic', 'mcp_servers', 'anthropic');
  const tc = decodeToolChoice(body['tool_choice']);
  put(req, 'toolChoice', tc.toolChoice);
  put(req, 'parallelToolCalls', tc.parallel);
  req.maxTokens = maxTokens;
  put(req, 'temperature', optNumber(body, 'temperature'));
  put(req, 'topP', optNumber(body, 'top_p'));
  put(req, 'topK', optNumber(body, 'top_k'));
  const stop = body['stop_sequences'];
  if (present(stop)) {
    if (!Array.isArray(stop) || !stop.every((s): s is string => typeof s === 'string')) throw new InvalidRequest('`stop_sequences` must be an array of strings', 'stop_sequences');
    if (stop.length > 0) req.stop = stop;
  }
  put(req, 'reasoning', decodeReasoning(body['thinking'], body['output_config']));
  put(req, 'responseFormat', decodeResponseFormat(body));
  req.stream = body['stream'] === true;
  const meta = body['metadata'];
  if (isObject(meta) && typeof meta['user_id'] === 'string') req.user = meta['user_id'];
  return req;
}

// ---------------------------------------------------------------------------
// Encoding (pivot → upstream Anthropic request)
// ---------------------------------------------------------------------------

type Block = Record<string, unknown>;

function withCacheControl(block: Block, part: { cacheControl?: Record<string, unknown> }): Block {
  if (part.cacheControl) block['cache_control'] = part.cacheControl;
  return block;
}

function encodeImage(p: ImagePart): Block {
  const source = p.source.kind === 'base64' ? { type: 'base64', media_type: p.source.mediaType, data: p.source.data } : { type: 'url', url: p.source.url };
  return withCacheControl({ type: 'image', source }, p);
}

function encodeText(p: TextPart): Block {
  return withCacheControl({ type: 'text', text: p.text }, p);
}

function encodeFile(p: Extract<ContentPart, { type: 'file' }>, where: string): Block {
  const s = p.source;
  let block: Block;
  if (s.kind === 'url') block = { type: 'document', source: { type: 'url', url: s.url } };
  else if (s.mediaType === 'application/pdf') block = { type: 'document', source: { type: 'base64', media_type: s.mediaType, data: s.data } };
  else if (s.mediaType === 'text/plain') block = { type: 'document', source: { type: 'text', media_type: 'text/plain', data: Buffer.from(s.data, 'base64').toString('utf8') } };
  else if (/^image\/(jpeg|png|gif|webp)$/.test(s.mediaType)) return encodeImage({ type: 'image', source: s, ...(p.cacheControl ? { cacheControl: p.cacheControl } : {}) });
  else throw new UnsupportedContent(`a ${s.mediaType} file`, where, 'anthropic');
  if (p.filename !== undefined && block['type'] === 'document') block['title'] = p.filename;
  return withCacheControl(block, p);
}

/** One pivot part → zero or one Anthropic block (empty text and other families' thinking are dropped). */
function encodePart(p: ContentPart, where: string): Block | null {
  switch (p.type) {
    case 'text':
      return p.text === '' ? null : encodeText(p);
    case 'image':
      return encodeImage(p);
    case 'file':
      return encodeFile(p, where);
    case 'tool_call': {
      let input: Record<string, unknown>;
      try {
        input = argsToObject(p.arguments);
      } catch {
        throw new InvalidRequest('tool call arguments are not valid JSON', `${where}.arguments`);
      }
      return { type: 'tool_use', id: toolUseId(p.id), name: p.name, input };
    }
    case 'tool_result': {
      const b: Block = { type: 'tool_result', tool_use_id: toolUseId(p.callId) };
      const content = p.content.flatMap((c) => (c.type === 'text' ? (c.text === '' ? [] : [encodeText(c)]) : [encodeImage(c)]));
      if (content.length > 0) b['content'] = content;
      if (p.isError !== undefined) b['is_error'] = p.isError;
      return withCacheControl(b, p);
    }
    case 'thinking':
      // A signature only ever goes back to the family that issued it; none is ever invented.
      if (p.redacted) return p.redacted.family === 'anthropic' ? { type: 'redacted_thinking', data: p.redacted.data } : null;
      if (p.signature?.family === 'anthropic') return { type: 'thinking', thinking: p.text, signature: p.signature.value };
      return null;
  }
}

/**
 * Messages: content always as block arrays; empty messages dropped; adjacent
 * same-role messages merged (Anthropic requires alternation), with a user
 * message's tool_result blocks first.
 */
function encodeMessages(messages: Message[]): Array<{ role: 'user' | 'assistant'; content: Block[] }> {
  const out: Array<{ role: 'user' | 'assistant'; content: Block[] }> = [];
  messages.forEach((m, i) => {
    const blocks = m.parts.flatMap((p, j) => {
      const b = encodePart(p, `messages[${i}].parts[${j}]`);
      return b === null ? [] : [b];
    });
    if (blocks.length === 0) return;
    const last = out[out.length - 1];
    if (last && last.role === m.role) last.content.push(...blocks);
    else out.push({ role: m.role, content: blocks });
  });
  for (const m of out) {
    if (m.role !== 'user') continue;
    const results = m.content.filter((b) => b['type'] === 'tool_result');
    if (results.length > 0 && results.length < m.content.length) m.content = [...results, ...m.content.filter((b) => b['type'] !== 'tool_result')];
  }
  return out;
}

function responseFormatInstruction(f: ResponseFormat | undefined): string | null {
  if (!f || f.type === 'text') return null;
  if (f.type === 'json_object') return 'Respond with only a JSON object.';
  return `Respond with only a JSON object that matches this JSON Schema: ${JSON.stringify(f.schema)}`;
}

function encodeSystem(req: PivotRequest): Block[] {
  const blocks = req.system.filter((p) => p.text !== '').map(encodeText);
  const json = responseFormatInstruction(req.responseFormat);
  if (json !== null) blocks.push({ type: 'text', text: json });
  return blocks;
}

function encodeTool(t: ToolDef): Block {
  const b: Block = { name: t.name };
  put(b, 'description', t.description);
  // Anthropic requires an object schema; OpenAI allows a function without parameters.
  b['input_schema'] = t.parameters['type'] === undefined ? { type: 'object', properties: {}, ...t.parameters } : t.parameters;
  // `strict` is not sent: models before structured outputs reject the field, and it is a guarantee, not content.
  return withCacheControl(b, t);
}

function encodeToolChoice(req: PivotRequest, hasTools: boolean): Block | undefined {
  if (!hasTools) return undefined;
  const disableParallel = req.parallelToolCalls === false;
  const c = req.toolChoice;
  let b: Block;
  if (!c) {
    if (!disableParallel) return undefined;
    b = { type: 'auto' };
  } else if (c.type === 'required') b = { type: 'any' };
  else if (c.type === 'tool') b = { type: 'tool', name: c.name };
  else b = { type: c.type };
  if (disableParallel && b['type'] !== 'none') b['disable_parallel_tool_use'] = true;
  return b;
}

/**
 * Claude models from 4.7 on accept only adaptive thinking (`thinking.type:
 * 'enabled'` with budget_tokens is a 400) and no sampling parameters. Known by
 * the model id (also inside Bedrock/Vertex ids); anything unrecognised is
 * treated as an older model.
 */
export function requiresAdaptiveThinking(model: string): boolean {
  const m = /claude-(?:opus|sonnet|haiku)-(\d+)(?:-(\d{1,2}))?(?!\d)/.exec(model) ?? /claude-(\d+)(?:-(\d{1,2}))?-(?:opus|sonnet|haiku)/.exec(model);
  if (!m) return false;
  const major = Number(m[1]);
  const minor = m[2] === undefined ? 0 : Number(m[2]);
  return major > 4 || (major === 4 && minor >= 7);
}


interface ThinkingPlan {
  thinking?: Block;
  outputConfig?: Block;
  budget?: number;
}

/**
 * What to send for the pivot's reasoning:
 * - disabled, budget 0, or nothing asked (no budget, no effort, no
 *   includeThoughts) → no `thinking` (Anthropic's default is off);
 * - a forced tool choice (any/tool) → no thinking: Anthropic refuses the pair,
 *   and the forced tool is what the client relies on;
 * - a tool loop whose last assistant turn carries no Anthropic thinking block
 *   (history from another provider) → no thinking: Anthropic requires that turn
 *   to start with its own signed thinking block, which is never invented;
 * - older models: `{type:'enabled', budget_tokens}` with the budget (at least
 *   1024), or the effort's budget (EFFORT_BUDGET; medium when only
 *   includeThoughts was asked);
 * - models from 4.7 on: `{type:'adaptive'}` (display 'summarized' when thoughts
 *   are asked for) and `output_config.effort` from the effort or the budget.
 */
function planThinking(req: PivotRequest, messages: Array<{ role: string; content: Block[] }>): ThinkingPlan {
  const r = req.reasoning;
  if (!r || r.disabled === true || r.budgetTokens === 0) return {};
  const budgetGiven = r.budgetTokens !== undefined && r.budgetTokens > 0 ? r.budgetTokens : undefined;
  if (budgetGiven === undefined && r.effort === undefined && r.includeThoughts !== true) return {};
  if (req.tools.length > 0 && (req.toolChoice?.type === 'required' || req.toolChoice?.type === 'tool')) return {};
  const lastAssistant = [...messages].reverse().find((m) => m.role === 'assistant');
  if (lastAssistant && lastAssistant.content.some((b) => b['type'] === 'tool_use')) {
    const first = lastAssistant.content[0]?.['type'];
    if (first !== 'thinking' && first !== 'redacted_thinking') return {};
  }
  if (requiresAdaptiveThinking(req.model)) {
    const thinking: Block = { type: 'adaptive' };
    if (r.includeThoughts === true) thinking['display'] = 'summarized';
    const effort = r.effort !== undefined ? (r.effort === 'minimal' ? 'low' : r.effort) : budgetGiven !== undefined ? effortForBudget(budgetGiven) : undefined;
    return effort === undefined ? { thinking } : { thinking, outputConfig: { effort } };
  }
  const budget = budgetGiven !== undefined ? Math.max(MIN_BUDGET, budgetGiven) : EFFORT_BUDGET[r.effort ?? 'medium'];
  return { thinking: { type: 'enabled', budget_tokens: budget }, budget };
}

export function encodeRequest(req: PivotRequest): Record<string, unknown> {
  const messages = encodeMessages(req.messages);
  const system = encodeSystem(req);
  const tools = req.tools.map(encodeTool);
  const plan = planThinking(req, messages);
  const adaptiveOnly = requiresAdaptiveThinking(req.model);
  const thinkingOn = plan.thinking !== undefined;

  let maxTokens = req.maxTokens ?? DEFAULT_MAX_TOKENS;
  if (plan.budget !== undefined && maxTokens <= plan.budget) maxTokens = plan.budget + ANSWER_ROOM;

  // Sampling: Anthropic's temperature is 0..1 (OpenAI's goes to 2); newer models refuse temperature with
  // top_p; thinking allows only temperature 1 and top_p ≥ 0.95, no top_k; 4.7+ models take none of them.
  let temperature = req.temperature === undefined ? undefined : Math.min(1, Math.max(0, req.temperature));
  let topP = req.topP;
  let topK = req.topK;
  if (adaptiveOnly) {
    temperature = topP = topK = undefined;
  } else if (thinkingOn) {
    if (temperature !== 1) temperature = undefined;
    if (topP !== undefined && topP < 0.95) topP = undefined;
    topK = undefined;
  }
  if (temperature !== undefined && topP !== undefined) topP = undefined;

  const out: Record<string, unknown> = { model: req.model, max_tokens: maxTokens };
  if (system.length > 0) out['system'] = system;
  out['messages'] = messages;
  if (tools.length > 0) out['tools'] = tools;
  put(out, 'tool_choice', encodeToolChoice(req, tools.length > 0));
  put(out, 'thinking', plan.thinking);
  put(out, 'output_config', plan.outputConfig);
  put(out, 'temperature', temperature);
  put(out, 'top_p', topP);
  put(out, 'top_k', topK);
  if (req.stop && req.stop.length > 0) out['stop_sequences'] = req.stop;
  if (req.user !== undefined) out['metadata'] = { user_id: req.user };
  if (req.stream) out['stream'] = true;
  return out;
}
