import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyNetworkError, classifyStatus, errorDetail, redactSecrets, retryAfterMs } from '../../src/daemon/routing/classify.js';

const err = (message: string, extra: Record<string, unknown> = {}): string => JSON.stringify({ error: { message, type: 'x', ...extra } });

describe('classifyStatus', () => {
  const cases: Array<[number, string, string]> = [
    [400, 'client_error', 'target'],
    [401, 'target_fatal', 'provider'],
    [402, 'target_fatal', 'provider'],
    [403, 'target_fatal', 'provider'],
    [404, 'target_fatal', 'target'],
    [408, 'transient', 'target'],
    [409, 'client_error', 'target'],
    [413, 'client_error', 'target'],
    [415, 'client_error', 'target'],
    [422, 'client_error', 'target'],
    [425, 'transient', 'target'],
    [429, 'transient', 'target'],
    [500, 'transient', 'target'],
    [502, 'transient', 'target'],
    [503, 'transient', 'target'],
    [504, 'transient', 'target'],
  ];
  for (const [status, outcome, scope] of cases) {
    it(`${status} → ${outcome}/${scope}`, () => {
      const c = classifyStatus(status, err('something went wrong'));
      assert.equal(c.outcome, outcome);
      assert.equal(c.scope, scope);
      assert.equal(c.reason, `HTTP ${status}: something went wrong`);
    });
  }

  it('400 with a model_not_found code is a fatal target error, whatever the message', () => {
    const c = classifyStatus(400, err('Bad request', { code: 'model_not_found' }));
    assert.deepEqual(c, { outcome: 'target_fatal', scope: 'target', reason: 'HTTP 400: Bad request' });
  });

  it('400/422 with a model-not-found message is a fatal target error', () => {
    for (const msg of [
      "The model 'gpt-9' does not exist or you do not have access to it",
      'Unknown model: claude-9',
      'model "llama9" not found, try pulling it first',
      'models/gemini-9 is not found for API version v1beta',
      'No such model: foo',
    ]) {
      assert.equal(classifyStatus(400, err(msg)).outcome, 'target_fatal', msg);
      assert.equal(classifyStatus(422, err(msg)).outcome, 'target_fatal', msg);
      assert.equal(classifyStatus(400, err(msg)).scope, 'target', msg);
    }
  });

  it('400 mentioning the model in an ordinary client error stays a client error', () => {
    for (const msg of [
      "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens.",
      "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
      "Invalid value for 'temperature': must be between 0 and 2.",
    ]) {
      assert.equal(classifyStatus(400, err(msg)).outcome, 'client_error', msg);
    }
  });

  it('reason without a JSON body is just the status; string `error` and top-level `message` are read', () => {
    assert.equal(classifyStatus(502, '<html>Bad Gateway</html>').reason, 'HTTP 502');
    assert.equal(classifyStatus(500, '').reason, 'HTTP 500');
    assert.equal(classifyStatus(500, JSON.stringify({ error: 'overloaded' })).reason, 'HTTP 500: overloaded');
    assert.equal(classifyStatus(500, JSON.stringify({ message: 'busy' })).reason, 'HTTP 500: busy');
  });

  it('never puts a key echoed by the provider into the reason', () => {
    const c = classifyStatus(401, err('Incorrect API key provided: sk-proj-abc123def456ghi789. You can find your API key at https://platform.openai.com.'));
    assert.ok(!c.reason.includes('abc123'), c.reason);
    assert.match(c.reason, /\[redacted\]/);
  });
});

describe('classifyNetworkError', () => {
  const withCode = (code: string): Error => Object.assign(new Error(`boom ${code}`), { code });
  const provider = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT'];
  const target = ['ECONNRESET', 'UND_ERR_SOCKET', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'KROUTER_FIRST_EVENT_TIMEOUT', 'EPIPE'];

  for (const code of provider) {
    it(`${code} is transient for the whole provider`, () => {
      const c = classifyNetworkError(withCode(code));
      assert.equal(c.outcome, 'transient');
      assert.equal(c.scope, 'provider');
      assert.ok(c.reason.includes(code), c.reason);
    });
  }
  for (const code of target) {
    it(`${code} is transient for the target`, () => {
      const c = classifyNetworkError(withCode(code));
      assert.equal(c.outcome, 'transient');
      assert.equal(c.scope, 'target');
    });
  }

  it('gives readable reasons', () => {
    assert.equal(classifyNetworkError(withCode('ECONNREFUSED')).reason, 'connection refused (ECONNREFUSED)');
    assert.equal(classifyNetworkError(withCode('ECONNRESET')).reason, 'connection reset before the response (ECONNRESET)');
    assert.equal(classifyNetworkError(withCode('EAI_AGAIN')).reason, 'host name did not resolve (EAI_AGAIN)');
    assert.equal(classifyNetworkError(withCode('UND_ERR_HEADERS_TIMEOUT')).reason, 'no response headers in time (UND_ERR_HEADERS_TIMEOUT)');
    assert.equal(classifyNetworkError(withCode('UND_ERR_BODY_TIMEOUT')).reason, 'response body stalled (UND_ERR_BODY_TIMEOUT)');
    assert.equal(classifyNetworkError(withCode('KROUTER_FIRST_EVENT_TIMEOUT')).reason, 'no first stream event in time');
    assert.equal(classifyNetworkError(withCode('EPIPE')).reason, 'network error (EPIPE)');
  });

  it('falls back to the error name without a code, and survives null', () => {
    const abort = new Error('aborted');
    abort.name = 'AbortError';
    assert.deepEqual(classifyNetworkError(abort), { outcome: 'transient', scope: 'target', reason: 'network error (AbortError)' });
    assert.equal(classifyNetworkError(null).reason, 'network error (Error)');
    assert.equal(classifyNetworkError(undefined).reason, 'network error (Error)');
  });
});

describe('retryAfterMs', () => {
  const now = Date.parse('2030-01-01T00:00:00Z');
  const max = 3_600_000;

  it('reads whole and fractional seconds (rounded up to a ms)', () => {
    assert.equal(retryAfterMs('30', now, max), 30_000);
    assert.equal(retryAfterMs('1.5', now, max), 1500);
    assert.equal(retryAfterMs('0.0004', now, max), 1);
    assert.equal(retryAfterMs(' 2 ', now, max), 2000);
  });

  it('reads an HTTP date relative to now', () => {
    assert.equal(retryAfterMs('Tue, 01 Jan 2030 00:00:45 GMT', now, max), 45_000);
  });

  it('null for garbage, empty, absent, zero and past dates', () => {
    assert.equal(retryAfterMs('soon', now, max), null);
    assert.equal(retryAfterMs('garbage', now, max), null);
    assert.equal(retryAfterMs('', now, max), null);
    assert.equal(retryAfterMs(undefined, now, max), null);
    assert.equal(retryAfterMs('0', now, max), null);
    assert.equal(retryAfterMs('-5', now, max), null);
    assert.equal(retryAfterMs('Mon, 31 Dec 2029 23:59:00 GMT', now, max), null);
    assert.equal(retryAfterMs('Tue, 01 Jan 2030 00:00:00 GMT', now, max), null);
  });

  it('is bounded by max (seconds and dates)', () => {
    assert.equal(retryAfterMs('99999', now, max), max);
    assert.equal(retryAfterMs('Wed, 01 Jan 2031 00:00:00 GMT', now, max), max);
    assert.equal(retryAfterMs('10', now, 5000), 5000);
  });

  it('takes the first of repeated headers', () => {
    assert.equal(retryAfterMs(['3', '60'], now, max), 3000);
  });
});

describe('errorDetail', () => {
  it('reads error.message, string error, or message', () => {
    assert.equal(errorDetail(err('Rate limit reached')), 'Rate limit reached');
    assert.equal(errorDetail(JSON.stringify({ error: 'nope' })), 'nope');
    assert.equal(errorDetail(JSON.stringify({ message: 'top' })), 'top');
  });

  it('null for empty, non-JSON, or no usable message', () => {
    assert.equal(errorDetail(''), null);
    assert.equal(errorDetail('Internal Server Error'), null);
    assert.equal(errorDetail(JSON.stringify({ error: { code: 5 } })), null);
    assert.equal(errorDetail(JSON.stringify({ error: { message: '' } })), null);
    assert.equal(errorDetail(JSON.stringify({ error: { message: 42 } })), null);
  });

  it('caps the message at 200 chars', () => {
    const d = errorDetail(err('x'.repeat(500)));
    assert.equal(d, 'x'.repeat(200));
  });

  it('redacts before cutting, so a key at the 200-char edge leaves no prefix behind', () => {
    const msg = `${'a '.repeat(95)}key: sk-proj-abc123def456ghi789jkl`;
    const d = errorDetail(err(msg));
    assert.ok(d !== null && d.length === 200 && !d.includes('sk-'), String(d));
  });
});

describe('redactSecrets', () => {
  it('removes echoed API keys of the usual shapes', () => {
    for (const key of [
      'sk-proj-abc123def456ghi789',
      'sk-abcdefghijklmnop',
      'sk-ant-api03-AbCdEf123456',
      'sk-or-v1-0123456789abcdef',
      'gsk_0123456789abcdefgh',
      'xai-0123456789abcdefgh',
      'AIzaSyA0123456789abcdefgh',
      'pk_live_0123456789',
      'rk_live_0123456789',
    ]) {
      const out = redactSecrets(`Incorrect API key provided: ${key}. Check it.`);
      assert.equal(out, 'Incorrect API key provided: [redacted]. Check it.', key);
    }
  });

  it('removes bearer tokens, any case', () => {
    assert.equal(redactSecrets('header was Bearer xyz'), 'header was Bearer [redacted]');
    assert.equal(redactSecrets('authorization: bearer eyJhbGciOi.payload.sig rejected'), 'authorization: Bearer [redacted] rejected');
    assert.ok(!redactSecrets('Bearer   sk-abc123def456').includes('abc123'));
  });

  it('leaves ordinary text alone', () => {
    const s = 'The model gpt-4o does not exist; skip this task.';
    assert.equal(redactSecrets(s), s);
  });
});
