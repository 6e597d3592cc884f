import type { PivotRequest, PivotResponse, SignatureFamily, StopReason, TextPart, ThinkingPart, ToolCallPart } from '../pivot/types.js';
import { isObject } from '../pivot/util.js';
import { encodeParts } from './request.js';
import { decodeFinishReason, decodeUsage, encodeFinishReason, encodeUsage, get, getObject, getString, idFragment } from './wire.js';

/** One output part of a Gemini candidate, as the response and stream decoders see it. */
export type OutputPart =
  | { kind: 'thought'; text: string; signature?: string }
  | { kind: 'text'; text: string; signature?: string }
  | { kind: 'call'; id: string | undefined; name: string; args: unknown; signature?: string };

/** The first candidate's output parts; parts the pivot has no output form for (inlineData, executableCode…) are skipped. */
export function outputParts(candidate: Record<string, unknown> | undefined): OutputPart[] {
  const content = candidate ? getObject(candidate, 'content') : undefined;
  const parts = content ? get(content, 'parts') : undefined;
  if (!Array.isArray(parts)) return [];
  const out: OutputPart[] = [];
  for (const p of parts) {
    if (!isObject(p)) continue;
    const s = getString(p, 'thoughtSignature');
    const sig = s !== undefined && s !== '' ? { signature: s } : {};
    const text = get(p, 'text');
    const fc = getObject(p, 'functionCall');
    if (typeof text === 'string') out.push({ kind: get(p, 'thought') === true ? 'thought' : 'text', text, ...sig });
    else if (fc) out.push({ kind: 'call', id: getString(fc, 'id') || undefined, name: getString(fc, 'name') ?? '', args: get(fc, 'args') ?? {}, ...sig });
    else if (s !== undefined && s !== '') out.push({ kind: 'text', text: '', ...sig });
  }
  return out;
}

/** A call id: Gemini's own, else `call_<responseId>_<n>` (deterministic, and distinct across turns when the response has an id). */
export function callId(given: string | undefined, responseId: string, n: number): string {
  if (given !== undefined) return given;
  const frag = idFragment(responseId);
  return frag === '' ? `call_${n}` : `call_${frag}_${n}`;
}

export function firstCandidate(body: Record<string, unknown>): Record<string, unknown> | undefined {
  const c = get(body, 'candidates');
  return Array.isArray(c) && isObject(c[0]) ? c[0] : undefined;
}

/** Stop reason of a chunk or response, or undefined when it has none yet. */
export function stopOf(body: Record<string, unknown>, candidate: Record<string, unknown> | undefined, sawCall: boolean): StopReason | undefined {
  const reason = candidate ? getString(candidate, 'finishReason') : undefined;
  if (reason !== undefined && reason !== '' && reason !== 'FINISH_REASON_UNSPECIFIED') return decodeFinishReason(reason, sawCall);
  if (candidate === undefined) {
    const pf = getObject(body, 'promptFeedback');
    const block = pf ? getString(pf, 'blockReason') : undefined;
    if (block !== undefined && block !== '' && block !== 'BLOCK_REASON_UNSPECIFIED') return 'content_filter';
  }
  return undefined;
}

const GEMINI: SignatureFamily = 'gemini';

export function decodeResponse(body: Record<string, unknown>): PivotResponse {
  const id = getString(body, 'responseId') ?? '';
  const candidate = firstCandidate(body);
  const parts: Array<TextPart | ThinkingPart | ToolCallPart> = [];
  let calls = 0;
  for (const p of outputParts(candidate)) {
    const signature = p.signature !== undefined ? { family: GEMINI, value: p.signature } : undefined;
    if (p.kind === 'thought') {
      if (p.text !== '' || signature) parts.push({ type: 'thinking', text: p.text, ...(signature ? { signature } : {}) });
    }
    else if (p.kind === 'text') {
      if (signature) parts.push({ type: 'thinking', text: '', signature });
      if (p.text !== '') parts.push({ type: 'text', text: p.text });
    } else {
      parts.push({ type: 'tool_call', id: callId(p.id, id, calls++), name: p.name, arguments: JSON.stringify(p.args), ...(signature ? { signature } : {}) });
    }
  }
  const res: PivotResponse = {
    id,
    model: getString(body, 'modelVersion') ?? '',
    parts,
    stopReason: stopOf(body, candidate, calls > 0) ?? (calls > 0 ? 'tool_use' : 'end'),
    usage: decodeUsage(get(body, 'usageMetadata')),
  };
  const createTime = getString(body, 'createTime');
  const created = createTime !== undefined ? Date.parse(createTime) : NaN;
  if (Number.isFinite(created)) res.created = Math.floor(created / 1000);
  return res;
}

export function encodeResponse(res: PivotResponse, req: PivotRequest): Record<string, unknown> {
  const includeThoughts = req.reasoning?.includeThoughts === true;
  const parts = encodeParts(res.parts, (j) => `parts[${j}]`, null, 0, includeThoughts);
  const body: Record<string, unknown> = {
    candidates: [{ content: { role: 'model', parts }, finishReason: encodeFinishReason(res.stopReason), index: 0 }],
  };
  const usage = encodeUsage(res.usage);
  if (usage) body['usageMetadata'] = usage;
  body['modelVersion'] = res.model !== '' ? res.model : req.model;
  body['responseId'] = res.id;
  return body;
}
