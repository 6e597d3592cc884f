import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { insertMember, scanJson, spliceModel } from '../../src/daemon/api/json-scan.js';
import type { Inbound } from '../../src/daemon/api/inbound.js';
import { passthroughPayload } from '../../src/daemon/api/relay/passthrough.js';
import { JsonBody } from '../../src/daemon/api/read-body.js';

const scan = (text: string): ReturnType<typeof scanJson> => scanJson(Buffer.from(text), 128);

function splice(text: string, model: string): string | null {
  const out = spliceModel(Buffer.from(text), scan(text), (JSON.parse(text) as Record<string, unknown>)['model'], model);
  return out === null ? null : out.toString('utf8');
}

/** Re-serialises with random whitespace between tokens (JSON.stringify's own spacing is only one of the shapes clients send). */
function spaced(value: unknown, ws: string[]): string {
  let k = 0;
  const pad = (): string => ws[k++ % ws.length] ?? '';
  const go = (v: unknown): string => {
    if (Array.isArray(v)) return `[${pad()}${v.map((x) => `${go(x)}${pad()}`).join(`,${pad()}`)}]`;
    if (v !== null && typeof v === 'object') {
      return `{${pad()}${Object.entries(v)
        .map(([key, x]) => `${JSON.stringify(key)}${pad()}:${pad()}${go(x)}`)
        .join(`${pad()},${pad()}`)}${pad()}}`;
    }
    return JSON.stringify(v);
  };
  return go(value);
}

describe('scanJson / spliceModel', () => {
  it('finds the top-level "model" string, not one nested or inside a string', () => {
    const text = '{"messages":[{"model":"inner","content":"\\"model\\":\\"no\\""}],"model":"outer","n":1}';
    const found = scan(text);
    assert.equal(Buffer.from(text).toString('utf8', found.spans[0]!, found.spans[1]!), '"outer"');
    assert.equal(splice(text, 'mock/gpt-x'), '{"messages":[{"model":"inner","content":"\\"model\\":\\"no\\""}],"model":"mock/gpt-x","n":1}');
  });

  it('takes the last of duplicate "model" members, as JSON.parse does', () => {
    const out = splice('{"model":"a","x":1,"model":"b"}', 'z');
    assert.equal(out, '{"model":"a","x":1,"model":"z"}');
    assert.equal((JSON.parse(out!) as { model: string }).model, 'z');
  });

  it('declines when it cannot vouch for the position: escaped key names, a non-string model, no model', () => {
    // "mod\u0065l" is "model" to JSON.parse
    assert.equal(splice('{"model":"a","mod\\u0065l":"b"}', 'z'), null);
    assert.equal(splice('{"model":42}', 'z'), null);
    assert.equal(splice('{"model":"a","model":{"x":"y"}}', 'z'), null);
    assert.equal(splice('{"messages":[]}', 'z'), null);
  });

  it('keeps a model written with escapes when its value spells the same name', () => {
    assert.equal(splice('{"model":"b\\u0065nch"}', 'z'), '{"model":"z"}');
  });

  it('strings ending in backslashes end where JSON says they do', () => {
    const text = '{"a":"x\\\\","model":"m","b":"\\\\\\"q"}';
    assert.equal(splice(text, 'n'), '{"a":"x\\\\","model":"n","b":"\\\\\\"q"}');
  });

  it('any object with any whitespace: splicing equals parsing, renaming and re-serialising (or declines, for escaped keys)', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ maxLength: 8, unit: 'binary' }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 }),
        fc.string({ maxLength: 12, unit: 'binary' }),
        fc.nat(6),
        fc.array(fc.constantFrom('', ' ', '\n', '\t', '  \r\n'), { minLength: 1, maxLength: 5 }),
        fc.string({ maxLength: 20, unit: 'binary' }),
        (members, model, at, ws, renamed) => {
          const entries = Object.entries(members).filter(([k]) => k !== 'model');
          entries.splice(Math.min(at, entries.length), 0, ['model', model]);
          const text = spaced(Object.fromEntries(entries), ws);
          const out = splice(text, renamed);
          // declining is right only when some key is written with escapes
          if (out === null) return assert.ok(entries.some(([k]) => JSON.stringify(k).includes('\\')), text);
          assert.deepEqual(JSON.parse(out!), { ...(JSON.parse(text) as object), model: renamed });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('insertMember puts a member first, in an empty object too', () => {
    assert.equal(insertMember(Buffer.from('{"model":"a"}'), scan('{"model":"a"}'), 'stream_options', { include_usage: true })?.toString(), '{"stream_options":{"include_usage":true},"model":"a"}');
    assert.equal(insertMember(Buffer.from(' { } '), scan(' { } '), 'k', 1)?.toString(), ' {"k":1 } ');
  });
});

describe('scanJson grammar check', () => {
  const parses = (text: string): boolean => {
    try {
      JSON.parse(text);
      return true;
    } catch {
      return false;
    }
  };

  it('calls valid every JSON text, with any whitespace between tokens', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.array(fc.constantFrom('', ' ', '\n', '\t', '  \r\n'), { minLength: 1, maxLength: 5 }), (value, ws) => {
        const text = spaced(value, ws);
        assert.equal(scan(text).valid, true, text);
        assert.equal(scan(` ${text}\n`).valid, true, text);
      }),
      { numRuns: 500 },
    );
  });

  it('agrees with JSON.parse on any run of JSON tokens (strings here hold no escapes, so only the grammar decides)', () => {
    const tokens = ['{', '}', '[', ']', ',', ':', '"a"', '"model"', '"', '0', '1', '-', '.', 'e', '+', '12', '-0.5e+3', '01', 'true', 'false', 'null', 'tru', ' ', 'x'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...tokens), { maxLength: 14 }), (parts) => {
        const text = parts.join('');
        assert.equal(scan(text).valid, parses(text), text);
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses the usual mistakes', () => {
    for (const text of ['', ' ', '{', '{"a":1,}', '[1,]', '[,1]', '{"a" 1}', '{a:1}', "{'a':1}", '[1 2]', '{"a":1}x', '{"a":1}{}', '01', '1.', '-', '.5', '1e', 'tru', 'nul', '{]', '[}', '"open', '{"a":"b}', 'NaN', '[Infinity]']) {
      assert.equal(scan(text).valid, false, JSON.stringify(text));
      assert.equal(parses(text), false, JSON.stringify(text));
    }
  });

  it('locates the routing members (the last of duplicates, any value, not nested ones) so that each parses alone to what JSON.parse gives', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('model', 'stream', 'stream_options', 'messages', 'x'), fc.jsonValue({ maxDepth: 3 })), { maxLength: 7 }),
        fc.array(fc.constantFrom('', ' ', '\n'), { minLength: 1, maxLength: 3 }),
        (members, ws) => {
          // written member by member, duplicates kept
          const text = `{${members.map(([k, v]) => `${ws[0]}${JSON.stringify(k)}${ws[ws.length - 1]}:${spaced(v, ws)}`).join(',')}}`;
          const found = scan(text);
          const parsed = JSON.parse(text) as Record<string, unknown>;
          const buf = Buffer.from(text);
          const at = (start: number, end: number): unknown => (start < 0 ? undefined : JSON.parse(buf.toString('utf8', start, end)));
          assert.deepEqual(at(found.spans[0]!, found.spans[1]!), parsed['model'], text);
          assert.deepEqual(at(found.spans[2]!, found.spans[3]!), parsed['stream'], text);
          assert.deepEqual(at(found.spans[4]!, found.spans[5]!), parsed['stream_options'], text);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('passthroughPayload', () => {
  const inbound = (format: Inbound['format'], text: string, stream = false): Inbound => {
    const json = JsonBody.parse(Buffer.from(text), false);
    return { format, json, model: String(json.model), stream, clientWantsUsage: false, passHeaders: {}, jsonArray: false, pivot: () => Promise.reject(new Error('unused')) };
  };

  it('renames the model in the client text, keeping its bytes otherwise (multi-byte characters before the model too)', () => {
    const text = '{ "system": "héllo 😀 \\"model\\"", "model" : "combo",\n  "messages": [{"role":"user","content":"hi \\u00e9"}], "x_vendor": {"keep": true} }';
    assert.equal(passthroughPayload(inbound('openai-chat', text), 'gpt-4o').toString(), text.replace('"combo"', '"gpt-4o"'));
  });

  it('OpenAI chat streams get include_usage: inserted when absent, merged when the client sent stream_options', () => {
    const plain = passthroughPayload(inbound('openai-chat', '{"model":"c","stream":true}', true), 'm');
    assert.deepEqual(JSON.parse(plain.toString()), { stream_options: { include_usage: true }, model: 'm', stream: true });
    const merged = passthroughPayload(inbound('openai-chat', '{"model":"c","stream":true,"stream_options":{"x":1}}', true), 'm');
    assert.deepEqual(JSON.parse(merged.toString()), { model: 'm', stream: true, stream_options: { x: 1, include_usage: true } });
  });

  it('falls back to re-serialising when splicing is not safe, and sends Gemini bodies as they came', () => {
    const escaped = '{"mod\\u0065l":"c","n":1}';
    assert.deepEqual(JSON.parse(passthroughPayload(inbound('openai-chat', escaped), 'm').toString()), { model: 'm', n: 1 });
    const gemini = '{"contents":[{"parts":[{"text":"hi"}]}]}';
    assert.equal(passthroughPayload(inbound('gemini', gemini), 'gemini-2.5-pro').toString(), gemini);
  });
});
