import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { JsonBody, MAX_JSON_DEPTH, checkJsonContentType, jsonDepthExceeds, parseJsonObject } from '../../src/daemon/api/read-body.js';
import { isKrouterError } from '../../src/shared/errors.js';

function krouterError(code: string, re?: RegExp): (e: unknown) => boolean {
  return (e) => {
    assert.ok(isKrouterError(e), `expected a KrouterError, got ${String(e)}`);
    assert.equal(e.code, code);
    if (re) assert.match(e.message, re);
    return true;
  };
}

/** checkJsonContentType reads only req.headers; a full IncomingMessage needs a socket, so a header bag is cast through unknown. */
function req(contentType?: string): IncomingMessage {
  const headers: Record<string, string> = contentType === undefined ? {} : { 'content-type': contentType };
  return { headers } as unknown as IncomingMessage;
}

function nested(depth: number): string {
  return `${'{"a":'.repeat(depth - 1)}{}${'}'.repeat(depth - 1)}`;
}

describe('jsonDepthExceeds', () => {
  it('depth exactly at max is fine, max+1 is refused', () => {
    assert.equal(jsonDepthExceeds('[[[]]]', 3), false);
    assert.equal(jsonDepthExceeds('[[[]]]', 2), true);
    assert.equal(jsonDepthExceeds('{"a":[{"b":1}]}', 3), false);
    assert.equal(jsonDepthExceeds('{"a":[{"b":1}]}', 2), true);
    assert.equal(jsonDepthExceeds('1', 0), false);
    assert.equal(jsonDepthExceeds('{}', 0), true);
  });

  it('siblings do not add up: depth is the maximum, not the count', () => {
    assert.equal(jsonDepthExceeds(`[${'[],'.repeat(1000)}[]]`, 2), false);
  });

  it('brackets inside strings do not count', () => {
    assert.equal(jsonDepthExceeds('{"a":"[[[[{{{{"}', 1), false);
    assert.equal(jsonDepthExceeds('{"[[[[":1}', 1), false);
  });

  it('escaped quotes do not end a string; an escaped backslash before the quote does', () => {
    // "\"[[[[" — still inside the string
    assert.equal(jsonDepthExceeds('{"a":"\\"[[[["}', 1), false);
    // "\\" then a real array of depth 3 in total
    assert.equal(jsonDepthExceeds('{"a":"\\\\","b":[[1]]}', 3), false);
    assert.equal(jsonDepthExceeds('{"a":"\\\\","b":[[1]]}', 2), true);
  });
});

describe('parseJsonObject', () => {
  it('parses a JSON object', () => {
    assert.deepEqual(parseJsonObject(Buffer.from(' {"model":"x","n":[1,{"y":"é"}]} ')), { model: 'x', n: [1, { y: 'é' }] });
  });

  it('empty body → invalid_json', () => {
    assert.throws(() => parseJsonObject(Buffer.alloc(0)), krouterError('invalid_json', /empty/));
  });

  it('arrays and scalars → invalid_json', () => {
    for (const s of ['[1,2]', '[]', '42', '"str"', 'true', 'null']) {
      assert.throws(() => parseJsonObject(Buffer.from(s)), krouterError('invalid_json', /must be a JSON object/), s);
    }
  });

  it('invalid JSON → invalid_json with status 400', () => {
    for (const s of ['{bad', '{"a":1,}', '   ', "{'a':1}"]) {
      assert.throws(() => parseJsonObject(Buffer.from(s)), krouterError('invalid_json', /not valid JSON/), s);
    }
    try {
      parseJsonObject(Buffer.from('{'));
      assert.fail('should throw');
    } catch (e) {
      assert.ok(isKrouterError(e));
      assert.equal(e.status, 400);
    }
  });

  it(`nesting up to ${MAX_JSON_DEPTH} is accepted, one more is refused before parsing`, () => {
    assert.equal(MAX_JSON_DEPTH, 128);
    assert.equal(typeof parseJsonObject(Buffer.from(nested(MAX_JSON_DEPTH))), 'object');
    assert.throws(() => parseJsonObject(Buffer.from(nested(MAX_JSON_DEPTH + 1))), krouterError('invalid_json', /deeper than 128/));
    // Very deep input is refused without reaching JSON.parse (which would be a stack-exhaustion vector).
    assert.throws(() => parseJsonObject(Buffer.from('['.repeat(1_000_000))), krouterError('invalid_json', /deeper/));
  });
});

describe('checkJsonContentType', () => {
  const obj = Buffer.from('{"a":1}');

  it('accepts application/json (any case, with parameters), +json, and no content type', () => {
    for (const ct of ['application/json', 'application/json; charset=utf-8', 'Application/JSON;charset=UTF-8', 'application/vnd.api+json', 'application/merge-patch+json; x=y', '']) {
      assert.doesNotThrow(() => checkJsonContentType(req(ct), obj), ct);
    }
    assert.doesNotThrow(() => checkJsonContentType(req(), obj));
  });

  it('accepts x-www-form-urlencoded only when the body is a JSON object (curl -d)', () => {
    assert.doesNotThrow(() => checkJsonContentType(req('application/x-www-form-urlencoded'), obj));
    assert.doesNotThrow(() => checkJsonContentType(req('application/x-www-form-urlencoded'), Buffer.from(' \r\n\t{"a":1}')));
    assert.throws(() => checkJsonContentType(req('application/x-www-form-urlencoded'), Buffer.from('a=1&b=2')), krouterError('unsupported_content_type'));
    assert.throws(() => checkJsonContentType(req('application/x-www-form-urlencoded'), Buffer.from('[1]')), krouterError('unsupported_content_type'));
    assert.throws(() => checkJsonContentType(req('application/x-www-form-urlencoded'), Buffer.alloc(0)), krouterError('unsupported_content_type'));
  });

  it('refuses other types with 415, naming the type', () => {
    for (const ct of ['text/plain', 'multipart/form-data; boundary=x', 'application/xml', 'application/jsonp']) {
      assert.throws(() => checkJsonContentType(req(ct), obj), krouterError('unsupported_content_type', /application\/json/), ct);
    }
    try {
      checkJsonContentType(req('text/plain; charset=utf-8'), obj);
      assert.fail('should throw');
    } catch (e) {
      assert.ok(isKrouterError(e));
      assert.equal(e.status, 415);
      assert.match(e.message, /"text\/plain"/);
    }
  });
});

describe('JsonBody', () => {
  const body = (text: string, whole = false): JsonBody => JsonBody.parse(Buffer.from(text), whole);

  it('routing members come from their own bytes; the whole value is parsed on first use', () => {
    const b = body('{"messages":[{"model":"inner"}],"model":"m","stream":true,"stream_options":{"include_usage":true}}');
    assert.equal(b.model, 'm');
    assert.equal(b.stream, true);
    assert.deepEqual(b.streamOptions, { include_usage: true });
    assert.deepEqual(b.value['messages'], [{ model: 'inner' }]);
    assert.equal(body('{"n":1}').model, undefined);
  });

  it('routing members read lazily equal what JSON.parse gives, for any values', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('model', 'stream', 'stream_options', 'messages'), fc.jsonValue({ maxDepth: 2 })), fc.string({ unit: 'binary' }), (members, model) => {
        const text = JSON.stringify({ ...members, model });
        const expected = JSON.parse(text) as Record<string, unknown>;
        const b = body(text);
        assert.deepEqual([b.model, b.stream, b.streamOptions], [expected['model'], expected['stream'], expected['stream_options']], text);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a body that is not a JSON object with the error JSON.parse gives, lazily or not', () => {
    for (const whole of [false, true]) {
      assert.throws(() => body('{"model":"m",}', whole), krouterError('invalid_json', /not valid JSON/));
      assert.throws(() => body('[{"model":"m"}]', whole), krouterError('invalid_json', /must be a JSON object/));
      assert.throws(() => body('', whole), krouterError('invalid_json', /empty/));
    }
  });

  it('escaped top-level keys are read by JSON.parse, not by position', () => {
    const b = body('{"model":"a","mod\\u0065l":"b"}');
    assert.equal(b.model, 'b');
  });

  it('a fault inside a string the routing does not read surfaces when the whole value is needed', () => {
    // a raw tab inside a string: JSON.parse refuses it, the grammar check does not look inside strings
    const b = body('{"model":"m","messages":"a\tb"}');
    assert.equal(b.model, 'm');
    assert.throws(() => b.value, krouterError('invalid_json', /not valid JSON/));
    // and inside a routing member, at once
    assert.throws(() => body('{"model":"m\tx"}'), krouterError('invalid_json', /not valid JSON/));
  });
});
