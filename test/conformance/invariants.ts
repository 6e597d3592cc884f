/**
 * Structural invariants of a client stream, per format, checked on every
 * stream the suite produces (golden cases and property runs). Each checker
 * returns the violations it found (empty when the stream is well formed).
 *
 * - OpenAI chat: data-only chunks of one completion, the role first, one
 *   finish_reason, tool-call indexes 0, 1, … each introduced with id, type and
 *   name, a usage chunk (choices: []) only after the finish, exactly one
 *   `data: [DONE]` and it is last.
 * - OpenAI Responses: `event:` equals data.type, sequence_number counts from
 *   0 without gaps, response.created then response.in_progress first, items
 *   added with output_index 0, 1, … and each done once, deltas only inside an
 *   open item, *.done texts equal their deltas, exactly one terminal event
 *   (response.completed / incomplete / failed) and it is last, and its output
 *   lists the finished items.
 * - Anthropic: `event:` equals data.type, message_start first, blocks opened
 *   with index 0, 1, … one at a time, deltas of the open block's kind only,
 *   each block closed, a thinking block signed, message_delta once after the
 *   blocks, exactly one terminal (message_stop or error) and it is last.
 * - Gemini: data-only chunks; every chunk's candidate is the model's; the
 *   last chunk (and only it) has finishReason, unless the stream ends with an
 *   error object (then that is last).
 */
import type { FormatId } from '../../src/daemon/formats/pivot/types.js';
import type { Json, SseEvent } from './harness.js';

type Obj = { [k: string]: Json };

function isObj(v: Json | undefined): v is Obj {
  return v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v);
}

function obj(v: Json | undefined): Obj {
  return isObj(v) ? v : {};
}

function arr(v: Json | undefined): Json[] {
  return Array.isArray(v) ? v : [];
}

export function checkStream(format: FormatId, events: SseEvent[]): string[] {
  switch (format) {
    case 'openai-chat':
      return checkChat(events);
    case 'openai-responses':
      return checkResponses(events);
    case 'anthropic':
      return checkAnthropic(events);
    case 'gemini':
      return checkGemini(events);
  }
}

function checkChat(events: SseEvent[]): string[] {
  const v: string[] = [];
  const done = events.filter(([, d]) => d === '[DONE]').length;
  if (done !== 1) v.push(`expected exactly one [DONE], found ${done}`);
  if (events.length === 0 || events[events.length - 1]![1] !== '[DONE]') v.push('[DONE] is not the last event');
  let id: Json | undefined;
  let finishes = 0;
  let usageChunks = 0;
  let errored = false;
  let first = true;
  const seen = new Set<number>();
  events.forEach(([name, data], i) => {
    if (name !== null) v.push(`#${i}: chat streams have no event names (got ${name})`);
    if (data === '[DONE]') return;
    if (!isObj(data)) return void v.push(`#${i}: data is not a JSON object`);
    if (errored) v.push(`#${i}: a chunk after the error`);
    if (data['error'] !== undefined) {
      errored = true;
      if (!isObj(data['error']) || typeof data['error']['message'] !== 'string') v.push(`#${i}: an error chunk needs error.message`);
      return;
    }
    if (data['object'] !== 'chat.completion.chunk') v.push(`#${i}: object is ${JSON.stringify(data['object'])}`);
    if (id === undefined) id = data['id'];
    else if (data['id'] !== id) v.push(`#${i}: id changed from ${JSON.stringify(id)} to ${JSON.stringify(data['id'])}`);
    const choices = arr(data['choices']);
    if (choices.length === 0) {
      usageChunks++;
      if (!isObj(data['usage'])) v.push(`#${i}: a chunk without choices must carry usage`);
      if (finishes === 0) v.push(`#${i}: the usage chunk comes before the finish chunk`);
      return;
    }
    if (usageChunks > 0) v.push(`#${i}: a choice chunk after the usage chunk`);
    const c = obj(choices[0]);
    const delta = obj(c['delta']);
    if (first) {
      first = false;
      if (delta['role'] !== 'assistant') v.push(`#${i}: the first chunk's delta has no role assistant`);
    }
    if (c['finish_reason'] !== null && c['finish_reason'] !== undefined) {
      finishes++;
      if (finishes > 1) v.push(`#${i}: a second finish_reason`);
    } else if (finishes > 0) v.push(`#${i}: a content chunk after the finish chunk`);
    for (const tc of arr(delta['tool_calls'])) {
      const t = obj(tc);
      const index = t['index'];
      if (typeof index !== 'number') {
        v.push(`#${i}: a tool call delta without index`);
        continue;
      }
      if (!seen.has(index)) {
        if (index !== seen.size) v.push(`#${i}: tool call index ${index} introduced after ${seen.size} calls (expected ${seen.size})`);
        seen.add(index);
        if (typeof t['id'] !== 'string' || t['type'] !== 'function' || typeof obj(t['function'])['name'] !== 'string') v.push(`#${i}: tool call ${index} starts without id, type function and name`);
      } else if (t['id'] !== undefined || obj(t['function'])['name'] !== undefined) v.push(`#${i}: tool call ${index} repeats its id or name`);
    }
  });
  if (!errored && finishes !== 1) v.push(`expected exactly one finish_reason, found ${finishes}`);
  if (usageChunks > 1) v.push(`${usageChunks} usage chunks`);
  return v;
}

const RESPONSES_TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed']);
const TERMINAL_STATUS: Record<string, string> = { 'response.completed': 'completed', 'response.incomplete': 'incomplete', 'response.failed': 'failed' };

interface RItem {
  id: string;
  type: string;
  done: boolean;
  text: string;
  args: string;
  summary: string;
  item: Obj | null;
}

function checkResponses(events: SseEvent[]): string[] {
  const v: string[] = [];
  const terminals = events.filter(([, d]) => RESPONSES_TERMINAL.has(String(obj(d)['type'])));
  if (terminals.length !== 1) v.push(`expected exactly one terminal event, found ${terminals.length}`);
  const last = events[events.length - 1];
  if (!last || !RESPONSES_TERMINAL.has(String(obj(last[1])['type']))) v.push(`the last event is ${last ? String(obj(last[1])['type']) : '(none)'}, not a terminal one`);
  if (String(obj(events[0]?.[1])['type']) !== 'response.created') v.push('the first event is not response.created');
  if (String(obj(events[1]?.[1])['type']) !== 'response.in_progress') v.push('the second event is not response.in_progress');
  const items: RItem[] = [];
  let responseId: Json | undefined;
  const itemAt = (i: number, d: Obj): RItem | null => {
    const idx = d['output_index'];
    const it = typeof idx === 'number' ? items[idx] : undefined;
    if (!it) {
      v.push(`#${i} ${String(d['type'])}: output_index ${JSON.stringify(idx)} was never added`);
      return null;
    }
    if (d['item_id'] !== undefined && d['item_id'] !== it.id) v.push(`#${i} ${String(d['type'])}: item_id ${JSON.stringify(d['item_id'])} is not the item at output_index ${String(idx)} (${it.id})`);
    if (it.done) v.push(`#${i} ${String(d['type'])}: item ${it.id} is already done`);
    return it;
  };
  events.forEach(([name, data], i) => {
    const d = obj(data);
    const type = String(d['type']);
    if (name !== type) v.push(`#${i}: event name ${JSON.stringify(name)} is not data.type ${JSON.stringify(type)}`);
    if (d['sequence_number'] !== i) v.push(`#${i} ${type}: sequence_number ${JSON.stringify(d['sequence_number'])}, expected ${i}`);
    switch (type) {
      case 'response.created':
      case 'response.in_progress':
      case 'response.completed':
      case 'response.incomplete':
      case 'response.failed': {
        const r = obj(d['response']);
        if (responseId === undefined) responseId = r['id'];
        else if (r['id'] !== responseId) v.push(`#${i} ${type}: response id changed`);
        if (r['object'] !== 'response') v.push(`#${i} ${type}: response.object is ${JSON.stringify(r['object'])}`);
        const want = TERMINAL_STATUS[type] ?? 'in_progress';
        if (r['status'] !== want) v.push(`#${i} ${type}: response.status ${JSON.stringify(r['status'])}, expected ${want}`);
        if (type === 'response.completed' || type === 'response.incomplete') {
          const open = items.filter((it) => !it.done).map((it) => it.id);
          if (open.length > 0) v.push(`#${i} ${type}: items never done: ${open.join(', ')}`);
          const expected = items.filter((it) => it.item !== null).map((it) => it.item);
          const output = arr(r['output']);
          if (JSON.stringify(output) !== JSON.stringify(expected)) v.push(`#${i} ${type}: response.output is not the list of finished items`);
          if (!isObj(r['usage'])) v.push(`#${i} ${type}: no usage`);
        }
        if (type === 'response.failed' && !isObj(r['error'])) v.push(`#${i} response.failed: no error object`);
        return;
      }
      case 'response.output_item.added': {
        const item = obj(d['item']);
        if (d['output_index'] !== items.length) v.push(`#${i} ${type}: output_index ${JSON.stringify(d['output_index'])}, expected ${items.length}`);
        if (typeof item['id'] !== 'string') v.push(`#${i} ${type}: the item has no id`);
        if (items.some((it) => it.id === item['id'])) v.push(`#${i} ${type}: item id ${JSON.stringify(item['id'])} reused`);
        items.push({ id: String(item['id']), type: String(item['type']), done: false, text: '', args: '', summary: '', item: null });
        return;
      }
      case 'response.output_text.delta': {
        const it = itemAt(i, d);
        if (it && it.type !== 'message') v.push(`#${i} ${type}: on a ${it.type} item`);
        if (it) it.text += String(d['delta']);
        return;
      }
      case 'response.output_text.done': {
        const it = itemAt(i, d);
        if (it && d['text'] !== it.text) v.push(`#${i} ${type}: text ${JSON.stringify(d['text'])} is not the deltas' ${JSON.stringify(it.text)}`);
        return;
      }
      case 'response.function_call_arguments.delta': {
        const it = itemAt(i, d);
        if (it && it.type !== 'function_call') v.push(`#${i} ${type}: on a ${it.type} item`);
        if (it) it.args += String(d['delta']);
        return;
      }
      case 'response.function_call_arguments.done': {
        const it = itemAt(i, d);
        if (it && d['arguments'] !== it.args) v.push(`#${i} ${type}: arguments ${JSON.stringify(d['arguments'])} are not the deltas' ${JSON.stringify(it.args)}`);
        return;
      }
      case 'response.reasoning_summary_text.delta': {
        const it = itemAt(i, d);
        if (it && it.type !== 'reasoning') v.push(`#${i} ${type}: on a ${it.type} item`);
        if (it) it.summary += String(d['delta']);
        return;
      }
      case 'response.reasoning_summary_text.done': {
        const it = itemAt(i, d);
        if (it && d['text'] !== it.summary) v.push(`#${i} ${type}: text is not the deltas'`);
        return;
      }
      case 'response.content_part.added':
      case 'response.content_part.done':
      case 'response.reasoning_summary_part.added':
      case 'response.reasoning_summary_part.done':
      case 'response.custom_tool_call_input.delta':
      case 'response.custom_tool_call_input.done':
        itemAt(i, d);
        return;
      case 'response.output_item.done': {
        const it = itemAt(i, d);
        if (!it) return;
        const item = obj(d['item']);
        if (item['id'] !== it.id) v.push(`#${i} ${type}: item id ${JSON.stringify(item['id'])} is not ${it.id}`);
        if (it.type === 'message') {
          const text = arr(item['content']).map((c) => String(obj(c)['text'] ?? '')).join('');
          if (text !== it.text) v.push(`#${i} ${type}: the message text is not its deltas'`);
        }
        if (it.type === 'function_call' && item['arguments'] !== it.args) v.push(`#${i} ${type}: the call's arguments are not its deltas'`);
        it.done = true;
        it.item = item;
        return;
      }
      case 'error':
        if (typeof d['message'] !== 'string') v.push(`#${i} error: no message`);
        return;
      default:
        v.push(`#${i}: unknown event type ${type}`);
    }
  });
  return v;
}

const ANTHROPIC_DELTAS: Record<string, string[]> = { text: ['text_delta', 'citations_delta'], thinking: ['thinking_delta', 'signature_delta'], tool_use: ['input_json_delta'], redacted_thinking: [] };

function checkAnthropic(events: SseEvent[]): string[] {
  const v: string[] = [];
  const terminal = events.filter(([, d]) => ['message_stop', 'error'].includes(String(obj(d)['type'])));
  if (terminal.length !== 1) v.push(`expected exactly one terminal event (message_stop or error), found ${terminal.length}`);
  const last = events[events.length - 1];
  if (!last || !['message_stop', 'error'].includes(String(obj(last[1])['type']))) v.push('the last event is not message_stop or error');
  if (String(obj(events[0]?.[1])['type']) !== 'message_start') v.push('the first event is not message_start');
  let next = 0;
  let open: { index: number; type: string; signed: boolean; json: string } | null = null;
  let messageDeltas = 0;
  events.forEach(([name, data], i) => {
    const d = obj(data);
    const type = String(d['type']);
    if (name !== type) v.push(`#${i}: event name ${JSON.stringify(name)} is not data.type ${JSON.stringify(type)}`);
    if (messageDeltas > 0 && type !== 'message_stop' && type !== 'error' && type !== 'ping') v.push(`#${i}: ${type} after message_delta`);
    switch (type) {
      case 'message_start': {
        if (i !== 0) v.push(`#${i}: message_start is not first`);
        const m = obj(d['message']);
        if (typeof m['id'] !== 'string' || !String(m['id']).startsWith('msg_')) v.push(`#${i}: message id ${JSON.stringify(m['id'])} does not start with msg_`);
        if (m['role'] !== 'assistant' || m['type'] !== 'message') v.push(`#${i}: message_start is not an assistant message`);
        if (!isObj(m['usage'])) v.push(`#${i}: message_start has no usage`);
        return;
      }
      case 'content_block_start': {
        if (open) v.push(`#${i}: block ${String(d['index'])} starts while block ${open.index} is open`);
        if (d['index'] !== next) v.push(`#${i}: block index ${JSON.stringify(d['index'])}, expected ${next}`);
        const cb = obj(d['content_block']);
        const bt = String(cb['type']);
        if (!(bt in ANTHROPIC_DELTAS)) v.push(`#${i}: unknown block type ${bt}`);
        if (bt === 'tool_use' && (typeof cb['id'] !== 'string' || !/^[a-zA-Z0-9_-]+$/.test(String(cb['id'])) || typeof cb['name'] !== 'string')) v.push(`#${i}: a tool_use block needs an id matching ^[a-zA-Z0-9_-]+$ and a name`);
        open = { index: typeof d['index'] === 'number' ? d['index'] : next, type: bt, signed: false, json: '' };
        next++;
        return;
      }
      case 'content_block_delta': {
        if (!open) return void v.push(`#${i}: a delta with no open block`);
        if (d['index'] !== open.index) v.push(`#${i}: delta index ${JSON.stringify(d['index'])} but block ${open.index} is open`);
        const dt = String(obj(d['delta'])['type']);
        if (!(ANTHROPIC_DELTAS[open.type] ?? []).includes(dt)) v.push(`#${i}: a ${dt} in a ${open.type} block`);
        if (dt === 'signature_delta') open.signed = true;
        if (dt === 'input_json_delta') open.json += String(obj(d['delta'])['partial_json']);
        return;
      }
      case 'content_block_stop': {
        if (!open) return void v.push(`#${i}: a stop with no open block`);
        if (d['index'] !== open.index) v.push(`#${i}: stop index ${JSON.stringify(d['index'])} but block ${open.index} is open`);
        if (open.type === 'thinking' && !open.signed) v.push(`#${i}: thinking block ${open.index} closes without a signature`);
        if (open.type === 'tool_use' && open.json !== '') {
          try {
            const parsed: unknown = JSON.parse(open.json);
            if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) v.push(`#${i}: tool_use input is not a JSON object`);
          } catch {
            v.push(`#${i}: tool_use block ${open.index}'s input_json_delta fragments are not JSON: ${JSON.stringify(open.json)}`);
          }
        }
        open = null;
        return;
      }
      case 'message_delta':
        if (open) v.push(`#${i}: message_delta while block ${open.index} is open`);
        messageDeltas++;
        if (typeof obj(d['delta'])['stop_reason'] !== 'string') v.push(`#${i}: message_delta without a stop_reason`);
        if (!isObj(d['usage'])) v.push(`#${i}: message_delta without usage`);
        return;
      case 'message_stop':
        if (messageDeltas !== 1) v.push(`#${i}: message_stop after ${messageDeltas} message_delta events (expected 1)`);
        return;
      case 'error': {
        const e = obj(d['error']);
        if (typeof e['type'] !== 'string' || typeof e['message'] !== 'string') v.push(`#${i}: error without type and message`);
        return;
      }
      case 'ping':
        return;
      default:
        v.push(`#${i}: unknown event type ${type}`);
    }
  });
  return v;
}

function checkGemini(events: SseEvent[]): string[] {
  const v: string[] = [];
  if (events.length === 0) return ['no chunks'];
  const lastData = obj(events[events.length - 1]![1]);
  const endsWithError = isObj(lastData['error']);
  events.forEach(([name, data], i) => {
    if (name !== null) v.push(`#${i}: Gemini streams have no event names (got ${name})`);
    if (data === '[DONE]') return void v.push(`#${i}: Gemini streams have no [DONE]`);
    const d = obj(data);
    if (isObj(d['error'])) {
      if (i !== events.length - 1) v.push(`#${i}: an error chunk that is not last`);
      const e = d['error'];
      if (typeof e['code'] !== 'number' || typeof e['message'] !== 'string' || typeof e['status'] !== 'string') v.push(`#${i}: an error needs code, message and status`);
      return;
    }
    const cands = arr(d['candidates']);
    const c = obj(cands[0]);
    if (cands.length !== 1) v.push(`#${i}: ${cands.length} candidates`);
    const content = obj(c['content']);
    if (content['role'] !== 'model' || !Array.isArray(content['parts'])) v.push(`#${i}: the candidate's content is not a model turn with parts`);
    const finish = c['finishReason'];
    const isLast = i === events.length - 1;
    if (finish !== undefined && !isLast) v.push(`#${i}: finishReason ${JSON.stringify(finish)} on a chunk that is not last`);
    if (finish === undefined && isLast && !endsWithError) v.push(`#${i}: the last chunk has no finishReason`);
    for (const p of arr(content['parts'])) {
      const part = obj(p);
      if (isObj(part['functionCall']) && !isObj(part['functionCall']['args'])) v.push(`#${i}: a functionCall without args object`);
    }
  });
  return v;
}
