/**
 * Responses tools ↔ pivot tools.
 *
 * - `function` tools map one to one.
 * - `custom` (freeform) tools — Codex's `apply_patch` — become a function
 *   tool taking one string parameter `input`; the grammar, when given, is
 *   appended to the description so the model still sees it. Their calls are
 *   `{"input": "…"}` in the pivot and `custom_tool_call` items on the wire.
 * - `namespace` tools are flattened: each child becomes `<namespace>__<name>`
 *   (calls carry `namespace` + `name` on the wire).
 * - `web_search` (any version) is dropped: it is a capability the hosted
 *   OpenAI model runs itself, which Codex offers by default, and no other
 *   model can run it; refusing it would refuse every default Codex request.
 *   Forcing it with `tool_choice` is refused. `tool_search` is dropped too:
 *   deferred tools (`defer_loading`) are simply all offered up front.
 * - Every other hosted tool (file_search, code_interpreter, computer use,
 *   image_generation, mcp, local_shell, shell, apply_patch …) is refused:
 *   the target model cannot run it and the client would wait for results
 *   that never come.
 *
 * Where a pivot tool came from is recorded against the ToolDef object (a
 * WeakMap), so the response and stream encoders can answer a custom or
 * namespaced tool in its own item shape. A request whose ToolDefs were
 * deep-copied loses that and gets plain `function_call` items back.
 */
import type { ToolChoice, ToolDef } from '../pivot/types.js';
import { isObject } from '../pivot/util.js';
import { invalid, put, unsupported } from './common.js';

export interface ToolOrigin {
  kind: 'function' | 'custom';
  /** The wire name (inside its namespace, when it has one). */
  name: string;
  namespace?: string;
  /** Custom tools: the client's own description and `format`, to echo back. */
  description?: string;
  format?: Record<string, unknown>;
}

const origins = new WeakMap<ToolDef, ToolOrigin>();

export function originOf(t: ToolDef): ToolOrigin | undefined {
  return origins.get(t);
}

/** The pivot name of a tool (or call) that lives in a namespace. */
export function flatName(namespace: string | undefined, name: string): string {
  return namespace === undefined || namespace === '' ? name : `${namespace}__${name}`;
}

/** Pivot tool name → origin, for the tools that need their own shape on the way back. */
export function originsByName(tools: ToolDef[]): Map<string, ToolOrigin> {
  const m = new Map<string, ToolOrigin>();
  for (const t of tools) {
    const o = origins.get(t);
    if (o) m.set(t.name, o);
  }
  return m;
}

const DROPPED = new Set(['web_search', 'web_search_preview', 'web_search_2025_08_26', 'web_search_preview_2025_03_11', 'tool_search']);

const INPUT_SCHEMA_DESCRIPTION = 'The raw input for this tool, as plain text.';

function customToolDef(t: Record<string, unknown>, name: string, where: string): ToolDef {
  const description = typeof t['description'] === 'string' ? t['description'] : undefined;
  const format = isObject(t['format']) ? t['format'] : undefined;
  let full = description;
  if (format && format['type'] === 'grammar' && typeof format['definition'] === 'string') {
    const syntax = typeof format['syntax'] === 'string' ? format['syntax'] : 'grammar';
    const g = `The \`input\` string must match this ${syntax} grammar:\n${format['definition']}`;
    full = full === undefined || full === '' ? g : `${full}\n\n${g}`;
  } else if (format && format['type'] !== 'text') {
    throw unsupported(`a custom tool input format of type ${JSON.stringify(format['type'])}`, `${where}.format`);
  }
  const def: ToolDef = {
    name,
    ...(full !== undefined ? { description: full } : {}),
    parameters: { type: 'object', properties: { input: { type: 'string', description: INPUT_SCHEMA_DESCRIPTION } }, required: ['input'], additionalProperties: false },
  };
  return def;
}

function functionToolDef(t: Record<string, unknown>, name: string, where: string): ToolDef {
  const params = t['parameters'];
  if (params !== undefined && params !== null && !isObject(params)) throw invalid('parameters must be a JSON Schema object', `${where}.parameters`);
  const def: ToolDef = { name, parameters: isObject(params) ? params : { type: 'object', properties: {} } };
  if (typeof t['description'] === 'string') def.description = t['description'];
  if (typeof t['strict'] === 'boolean') def.strict = t['strict'];
  return def;
}

function toolName(t: Record<string, unknown>, where: string): string {
  const name = t['name'];
  if (typeof name !== 'string' || name === '') throw invalid('a tool needs a name', `${where}.name`);
  return name;
}

/** `tools` → pivot tools (see the module comment for what each type becomes). */
export function decodeTools(raw: unknown): ToolDef[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw invalid('tools must be an array', 'tools');
  const out: ToolDef[] = [];
  raw.forEach((t: unknown, i) => {
    const where = `tools[${i}]`;
    if (!isObject(t)) throw invalid('a tool must be an object', where);
    const type = t['type'];
    if (type === 'function') {
      out.push(functionToolDef(t, toolName(t, where), where));
    } else if (type === 'custom') {
      const name = toolName(t, where);
      const def = customToolDef(t, name, where);
      origins.set(def, customOrigin(t, name));
      out.push(def);
    } else if (type === 'namespace') {
      const ns = toolName(t, where);
      const children = t['tools'];
      if (!Array.isArray(children)) throw invalid('a namespace tool needs a tools array', `${where}.tools`);
      children.forEach((c: unknown, j) => {
        const cw = `${where}.tools[${j}]`;
        if (!isObject(c)) throw invalid('a tool must be an object', cw);
        const name = toolName(c, cw);
        if (c['type'] === 'custom') {
          const def = customToolDef(c, flatName(ns, name), cw);
          origins.set(def, { ...customOrigin(c, name), namespace: ns });
          out.push(def);
        } else if (c['type'] === 'function' || c['type'] === undefined) {
          const def = functionToolDef(c, flatName(ns, name), cw);
          origins.set(def, { kind: 'function', name, namespace: ns });
          out.push(def);
        } else {
          throw unsupported(`a namespace member tool of type ${JSON.stringify(c['type'])}`, cw);
        }
      });
    } else if (typeof type === 'string' && DROPPED.has(type)) {
      // dropped on purpose: see the module comment
    } else {
      throw unsupported(`the hosted tool ${JSON.stringify(type)} (it runs inside OpenAI's API)`, where);
    }
  });
  return out;
}

function customOrigin(t: Record<string, unknown>, name: string): ToolOrigin {
  const o: ToolOrigin = { kind: 'custom', name };
  if (typeof t['description'] === 'string') o.description = t['description'];
  if (isObject(t['format'])) o.format = t['format'];
  return o;
}

/** `tool_choice` → pivot choice; `allowed_tools` narrows the tool list itself. */
export function decodeToolChoice(raw: unknown, tools: ToolDef[]): { choice?: ToolChoice; tools: ToolDef[] } {
  if (raw === undefined || raw === null) return { tools };
  if (raw === 'auto' || raw === 'none' || raw === 'required') return { choice: { type: raw }, tools };
  if (!isObject(raw)) throw invalid('tool_choice must be "auto", "none", "required" or an object', 'tool_choice');
  const type = raw['type'];
  if (type === 'function' || type === 'custom') {
    if (typeof raw['name'] !== 'string') throw invalid('tool_choice needs the tool name', 'tool_choice.name');
    return { choice: { type: 'tool', name: raw['name'] }, tools };
  }
  if (type === 'allowed_tools') {
    const allowed = raw['tools'];
    if (!Array.isArray(allowed)) throw invalid('allowed_tools needs a tools array', 'tool_choice.tools');
    const names = new Set<string>();
    allowed.forEach((a: unknown, i) => {
      if (!isObject(a)) throw invalid('an allowed tool must be an object', `tool_choice.tools[${i}]`);
      if ((a['type'] === 'function' || a['type'] === 'custom') && typeof a['name'] === 'string') names.add(a['name']);
      else if (typeof a['type'] === 'string' && DROPPED.has(a['type'])) return;
      else throw unsupported(`an allowed tool of type ${JSON.stringify(a['type'])}`, `tool_choice.tools[${i}]`);
    });
    const mode = raw['mode'] === 'required' ? 'required' : 'auto';
    return { choice: { type: mode }, tools: tools.filter((t) => names.has(t.name) || names.has(originOf(t)?.name ?? t.name)) };
  }
  throw unsupported(`a tool_choice of type ${JSON.stringify(type)}`, 'tool_choice');
}

/** Pivot tools → Responses function tools (`strict` always written: Responses defaults it to true, the other formats to false). */
export function encodeTools(tools: ToolDef[]): Record<string, unknown>[] {
  return tools.map((t) => {
    const o: Record<string, unknown> = { type: 'function', name: t.name };
    put(o, 'description', t.description);
    o['parameters'] = t.parameters;
    o['strict'] = t.strict ?? false;
    return o;
  });
}

/** The tools as the client declared them, for the request echo inside a response object. */
export function echoTools(tools: ToolDef[]): Record<string, unknown>[] {
  const fns = encodeTools(tools);
  return tools.map((t, i) => {
    const o = originOf(t);
    if (o?.kind !== 'custom' || o.namespace !== undefined) return fns[i]!;
    const c: Record<string, unknown> = { type: 'custom', name: o.name };
    put(c, 'description', o.description);
    put(c, 'format', o.format);
    return c;
  });
}

export function encodeToolChoice(c: ToolChoice | undefined): unknown {
  if (c === undefined) return undefined;
  return c.type === 'tool' ? { type: 'function', name: c.name } : c.type;
}

/** Arguments JSON of a custom tool call → its raw input (the arguments themselves when the model did not follow the schema). */
export function customInput(args: string): string {
  try {
    const v: unknown = JSON.parse(args);
    if (isObject(v) && typeof v['input'] === 'string') return v['input'];
  } catch {
    // not JSON: the raw text is the best input there is
  }
  return args;
}

/** The item id prefix of a tool call answered to the client. */
export function callPrefix(origin: ToolOrigin | undefined): 'fc' | 'ctc' {
  return origin?.kind === 'custom' ? 'ctc' : 'fc';
}

/** A tool call as a Responses output item (`id` made with callPrefix). */
export function callItem(id: string, callId: string, name: string, args: string, origin: ToolOrigin | undefined, status: string): Record<string, unknown> {
  if (origin?.kind === 'custom') {
    const o: Record<string, unknown> = { id, type: 'custom_tool_call', status, call_id: callId, name: origin.name, input: customInput(args) };
    put(o, 'namespace', origin.namespace);
    return o;
  }
  const o: Record<string, unknown> = { id, type: 'function_call', status, arguments: args, call_id: callId, name: origin?.name ?? name };
  put(o, 'namespace', origin?.namespace);
  return o;
}
