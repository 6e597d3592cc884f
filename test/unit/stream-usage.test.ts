import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StreamUsage, mayHoldUsage } from '../../src/daemon/formats/stream-usage.js';
import { NO_USAGE, openAIUsage } from '../../src/daemon/formats/openai-chat/usage.js';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

function chunk(obj: unknown, eol = '\n'): string {
  return `data: ${JSON.stringify(obj)}${eol}${eol}`;
}

const CONTENT = chunk({ id: 'c1', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: 'héllo 🌍' }, finish_reason: null }] });
const FINISH = chunk({ id: 'c1', object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
const USAGE_OBJ = {
  prompt_tokens: 12,
  completion_tokens: 7,
  total_tokens: 19,
  prompt_tokens_details: { cached_tokens: 4 },
  completion_tokens_details: { reasoning_tokens: 3 },
};
const USAGE_ONLY = chunk({ id: 'c1', object: 'chat.completion.chunk', choices: [], usage: USAGE_OBJ });
const DONE = 'data: [DONE]\n\n';
const EXPECTED_USAGE = { promptTokens: 12, completionTokens: 7, totalTokens: 19, cachedTokens: 4, reasoningTokens: 3 };

describe('mayHoldUsage', () => {
  it('is true only for a non-null usage object', () => {
    assert.equal(mayHoldUsage(b('{"usage":null}')), false);
    assert.equal(mayHoldUsage(b('{"usage": null}')), false);
    assert.equal(mayHoldUsage(b('{"usage":{"prompt_tokens":1}}')), true);
    assert.equal(mayHoldUsage(b('{"usage": {')), true);
    assert.equal(mayHoldUsage(b('{"usage" : {')), true);
    assert.equal(mayHoldUsage(b('{"usage":5}')), false);
    assert.equal(mayHoldUsage(b('{"choices":[]}')), false);
    assert.equal(mayHoldUsage(b('')), false);
  });

  it('looks past an earlier null usage to a later object', () => {
    assert.equal(mayHoldUsage(b(`${CONTENT}${FINISH}${USAGE_ONLY}`)), true);
    assert.equal(mayHoldUsage(b(`${CONTENT}${FINISH}`)), false);
  });

  it('does not match "usage" as part of an escaped string in content', () => {
    assert.equal(mayHoldUsage(b(chunk({ choices: [{ delta: { content: 'the "usage": {x} field' } }], usage: null }))), false);
  });

  it('a key ending in usage ("prompt_usage") does not count, "usage" at the very end does not crash', () => {
    assert.equal(mayHoldUsage(b('{"prompt_usage":{}}')), false);
    assert.equal(mayHoldUsage(b('{"usage"')), false);
    assert.equal(mayHoldUsage(b('{"usage":')), false);
  });
});

describe('openAIUsage', () => {
  it('reads tokens and their details', () => {
    assert.deepEqual(openAIUsage(USAGE_OBJ), EXPECTED_USAGE);
  });

  it('computes a missing total, and nulls bad numbers', () => {
    assert.deepEqual(openAIUsage({ prompt_tokens: 5, completion_tokens: 2 }), { promptTokens: 5, completionTokens: 2, totalTokens: 7, cachedTokens: null, reasoningTokens: null });
    assert.deepEqual(openAIUsage({ prompt_tokens: -1, completion_tokens: 'x', total_tokens: Number.NaN, prompt_tokens_details: null }), NO_USAGE);
    assert.equal(openAIUsage(null), null);
    assert.equal(openAIUsage('12'), null);
  });
});

describe('OpenAIStreamUsage', () => {
  it('strip=true: records usage and removes exactly the usage-only event', () => {
    const input = b(`${CONTENT}${FINISH}${USAGE_ONLY}${DONE}`);
    const w = new StreamUsage('openai-chat', true);
    const out = w.filter(input);
    assert.deepEqual(out, b(`${CONTENT}${FINISH}${DONE}`));
    assert.equal(out.length, input.length - Buffer.byteLength(USAGE_ONLY));
    assert.deepEqual(w.usage, EXPECTED_USAGE);
  });

  it('strip=true with CRLF events: other events keep their bytes (and CRLFs) exactly', () => {
    const content = chunk({ choices: [{ index: 0, delta: { content: '日本' } }] }, '\r\n');
    const usageOnly = chunk({ choices: [], usage: USAGE_OBJ }, '\r\n');
    const done = 'data: [DONE]\r\n\r\n';
    const w = new StreamUsage('openai-chat', true);
    assert.deepEqual(w.filter(b(`${content}${usageOnly}${done}`)), b(`${content}${done}`));
    assert.deepEqual(w.usage, EXPECTED_USAGE);
  });

  it('strip=false: records usage and forwards every byte', () => {
    const input = b(`${CONTENT}${FINISH}${USAGE_ONLY}${DONE}`);
    const w = new StreamUsage('openai-chat', false);
    const out = w.filter(input);
    assert.deepEqual(out, input);
    // Nothing dropped: the very same Buffer goes on, no copy.
    assert.equal(out, input);
    assert.deepEqual(w.usage, EXPECTED_USAGE);
  });

  it('chunks without usage pass as the very same Buffer, and usage stays null', () => {
    const w = new StreamUsage('openai-chat', true);
    const input = b(`${CONTENT}${FINISH}`);
    assert.equal(w.filter(input), input);
    assert.equal(w.filter(b(DONE)).toString(), DONE);
    assert.equal(w.usage, null);
  });

  it('strip=true also removes the "usage":null member include_usage adds to every chunk, and nothing else', () => {
    const withNull = chunk({ id: 'c1', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: 'x "usage":null y' } }], usage: null });
    const w = new StreamUsage('openai-chat', true);
    const out = w.filter(b(withNull)).toString();
    assert.equal(out, chunk({ id: 'c1', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: 'x "usage":null y' } }] }));
    const keep = new StreamUsage('openai-chat', false);
    assert.equal(keep.filter(b(withNull)).toString(), withNull);
  });

  it('the usage-only event alone, stripped, leaves an empty Buffer', () => {
    const w = new StreamUsage('openai-chat', true);
    const out = w.filter(b(USAGE_ONLY));
    assert.equal(out.length, 0);
    assert.deepEqual(w.usage, EXPECTED_USAGE);
  });

  it('usage on a chunk that still has choices is recorded but never stripped', () => {
    const withChoices = chunk({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } });
    const w = new StreamUsage('openai-chat', true);
    const input = b(`${CONTENT}${withChoices}${DONE}`);
    assert.deepEqual(w.filter(input), input);
    assert.deepEqual(w.usage, { promptTokens: 3, completionTokens: 1, totalTokens: 4, cachedTokens: null, reasoningTokens: null });
  });

  it('a usage-only event whose JSON spans several data: lines is still recognised and stripped', () => {
    const split = `data: {"choices":[],\ndata: "usage":{"prompt_tokens":2,"completion_tokens":1,"total_tokens":3}}\n\n`;
    const w = new StreamUsage('openai-chat', true);
    assert.deepEqual(w.filter(b(`${CONTENT}${split}${DONE}`)), b(`${CONTENT}${DONE}`));
    assert.equal(w.usage?.totalTokens, 3);
  });

  it('invalid JSON that looks like usage is forwarded untouched and records nothing', () => {
    const bad = 'data: {"choices":[],"usage":{"prompt_tokens":\n\n';
    const w = new StreamUsage('openai-chat', true);
    const input = b(`${CONTENT}${bad}${DONE}`);
    assert.deepEqual(w.filter(input), input);
    assert.equal(w.usage, null);
  });

  it('the latest usage wins across calls', () => {
    const w = new StreamUsage('openai-chat', false);
    w.filter(b(chunk({ choices: [], usage: { prompt_tokens: 1, completion_tokens: 1 } })));
    assert.equal(w.usage?.totalTokens, 2);
    w.filter(b(USAGE_ONLY));
    assert.deepEqual(w.usage, EXPECTED_USAGE);
  });
});
