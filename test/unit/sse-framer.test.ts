import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SseFramer, SseFramingError, parseEvent, splitEvents } from '../../src/daemon/formats/sse-framer.js';

/** Feeds `chunks` to a fresh framer; returns what it emitted (in order) and its rest(). */
function run(chunks: Buffer[], framer = new SseFramer()): { emitted: Buffer[]; rest: Buffer | null } {
  const emitted: Buffer[] = [];
  for (const c of chunks) {
    const out = framer.push(c);
    if (out !== null) emitted.push(Buffer.from(out));
  }
  return { emitted, rest: framer.rest() };
}

/** The single events (raw bytes, hex) found in each emitted run, plus the unterminated tail. */
function eventsOf(r: { emitted: Buffer[]; rest: Buffer | null }): string[] {
  const out: string[] = [];
  for (const e of r.emitted) for (const ev of splitEvents(e)) out.push(ev.toString('hex'));
  if (r.rest !== null) out.push(`rest:${r.rest.toString('hex')}`);
  return out;
}

function whole(r: { emitted: Buffer[]; rest: Buffer | null }): Buffer {
  return Buffer.concat([...r.emitted, ...(r.rest === null ? [] : [r.rest])]);
}

const MULTIBYTE = '{"t":"héllo 🌍 日本語 ✓"}';

/** The same three events (with multi-byte UTF-8 in them) under each boundary style, plus an unterminated tail. */
const STREAMS: Record<string, { text: string; events: string[]; tail: string }> = {
  LF: {
    text: `event: message\ndata: ${MULTIBYTE}\n\n: keep-alive\n\ndata: a\ndata: b\n\ndata: tail`,
    events: [`event: message\ndata: ${MULTIBYTE}\n\n`, ': keep-alive\n\n', 'data: a\ndata: b\n\n'],
    tail: 'data: tail',
  },
  CRLF: {
    text: `event: message\r\ndata: ${MULTIBYTE}\r\n\r\n: keep-alive\r\n\r\ndata: a\r\ndata: b\r\n\r\ndata: tail`,
    events: [`event: message\r\ndata: ${MULTIBYTE}\r\n\r\n`, ': keep-alive\r\n\r\n', 'data: a\r\ndata: b\r\n\r\n'],
    tail: 'data: tail',
  },
  CR: {
    text: `event: message\rdata: ${MULTIBYTE}\r\r: keep-alive\r\rdata: a\rdata: b\r\rdata: tail`,
    events: [`event: message\rdata: ${MULTIBYTE}\r\r`, ': keep-alive\r\r', 'data: a\rdata: b\r\r'],
    tail: 'data: tail',
  },
};

describe('SseFramer: chunking does not matter', () => {
  for (const [style, s] of Object.entries(STREAMS)) {
    const input = Buffer.from(s.text, 'utf8');
    const expectedEvents = [...s.events.map((e) => Buffer.from(e, 'utf8').toString('hex')), `rest:${Buffer.from(s.tail).toString('hex')}`];

    it(`${style}: one push yields the expected events and tail`, () => {
      const r = run([input]);
      assert.deepEqual(eventsOf(r), expectedEvents);
      assert.equal(r.rest?.toString('utf8'), s.tail);
      assert.deepEqual(
        r.emitted.flatMap((e) => splitEvents(e)).map((e) => parseEvent(e)),
        [
          { event: 'message', data: MULTIBYTE },
          { event: null, data: null },
          { event: null, data: 'a\nb' },
        ],
      );
    });

    it(`${style}: cut at every byte offset (inside UTF-8 chars and CR/LF pairs) gives the same bytes and events`, () => {
      // Make sure the cuts really land inside multi-byte characters and between \r and \n.
      const emoji = input.indexOf(Buffer.from('🌍'));
      assert.ok(emoji > 0);
      for (let k = 0; k <= input.length; k++) {
        const r = run([input.subarray(0, k), input.subarray(k)]);
        assert.deepEqual(whole(r), input, `bytes differ when cut at ${k}`);
        assert.deepEqual(eventsOf(r), expectedEvents, `events differ when cut at ${k}`);
        // Every emitted run ends exactly at an event boundary: it decodes without replacement chars.
        for (const e of r.emitted) assert.ok(!e.toString('utf8').includes('\ufffd'), `cut at ${k} emitted a split character`);
      }
    });

    it(`${style}: cut at every pair of offsets gives the same bytes and events`, () => {
      for (let a = 0; a <= input.length; a++) {
        for (let b = a; b <= input.length; b++) {
          const r = run([input.subarray(0, a), input.subarray(a, b), input.subarray(b)]);
          assert.deepEqual(whole(r), input, `bytes differ when cut at ${a},${b}`);
          assert.deepEqual(eventsOf(r), expectedEvents, `events differ when cut at ${a},${b}`);
        }
      }
    });

    it(`${style}: one byte per push gives the same bytes and events`, () => {
      const chunks: Buffer[] = [];
      for (let i = 0; i < input.length; i++) chunks.push(input.subarray(i, i + 1));
      const r = run(chunks);
      assert.deepEqual(whole(r), input);
      assert.deepEqual(eventsOf(r), expectedEvents);
      // Emits exactly once per event (on the byte that completes it).
      assert.equal(r.emitted.length, s.events.length);
    });
  }

  it('emits nothing until an event is complete, then several events at once', () => {
    const f = new SseFramer();
    assert.equal(f.push(Buffer.from('data: 1\n')), null);
    assert.equal(f.push(Buffer.from('\ndata: 2\n\ndata: 3\n\ndata: 4'))?.toString(), 'data: 1\n\ndata: 2\n\ndata: 3\n\n');
    assert.equal(f.rest()?.toString(), 'data: 4');
  });

  it('returns the closed events and keeps the partial one for the next push', () => {
    const f = new SseFramer();
    assert.equal(f.push(Buffer.from('data: 1\n')), null);
    assert.equal(f.push(Buffer.from('\ndata: 2\n\ndata: 3'))?.toString(), 'data: 1\n\ndata: 2\n\n');
    assert.equal(f.push(Buffer.from('\n\n'))?.toString(), 'data: 3\n\n');
    assert.equal(f.rest(), null);
  });

  it('rest() returns the unterminated tail once, then null', () => {
    const f = new SseFramer();
    assert.equal(f.push(Buffer.from('data: done\n\ndata: cut off'))?.toString(), 'data: done\n\n');
    assert.equal(f.rest()?.toString(), 'data: cut off');
    assert.equal(f.rest(), null);
  });

  it('rest() after a stream that ended on a boundary is null; rest() of a never-terminated stream is everything', () => {
    const f = new SseFramer();
    assert.equal(f.push(Buffer.from('data: x\n\n'))?.toString(), 'data: x\n\n');
    assert.equal(f.rest(), null);
    const g = new SseFramer();
    assert.equal(g.push(Buffer.from('data: a\n')), null);
    assert.equal(g.push(Buffer.from('data: b')), null);
    assert.equal(g.rest()?.toString(), 'data: a\ndata: b');
    assert.equal(g.rest(), null);
  });
});

describe('SseFramer: maxEventBytes', () => {
  it('throws SseFramingError once pending bytes without a boundary exceed the limit', () => {
    const f = new SseFramer(16);
    assert.equal(f.push(Buffer.from('data: 0123456')), null); // 13 bytes
    assert.equal(f.push(Buffer.from('78a')), null); // 16 bytes: exactly the limit is fine
    assert.throws(
      () => f.push(Buffer.from('b')),
      (e: unknown) => e instanceof SseFramingError && e.code === 'KROUTER_SSE_FRAMING' && /16 bytes/.test(e.message),
    );
  });

  it('counts only the current event, not what was already emitted', () => {
    const f = new SseFramer(16);
    for (let i = 0; i < 10; i++) assert.equal(f.push(Buffer.from('data: 01234567\n\n'))?.length, 16);
    assert.equal(f.push(Buffer.from('data: 0123456789')), null);
    assert.throws(() => f.push(Buffer.from('x')), SseFramingError);
  });
});

describe('splitEvents', () => {
  it('splits on \\n\\n, \\r\\n\\r\\n and \\r\\r, keeping each terminator with its event', () => {
    const parts = splitEvents(Buffer.from('data: a\n\ndata: b\r\n\r\ndata: c\r\r'));
    assert.deepEqual(
      parts.map((p) => p.toString()),
      ['data: a\n\n', 'data: b\r\n\r\n', 'data: c\r\r'],
    );
  });

  it('treats mixed terminators (\\r\\n then \\n) as one blank line', () => {
    assert.deepEqual(
      splitEvents(Buffer.from('data: a\r\n\ndata: b\n\n')).map((p) => p.toString()),
      ['data: a\r\n\n', 'data: b\n\n'],
    );
  });

  it('keeps an unterminated tail as the last part, and multi-line events whole', () => {
    assert.deepEqual(
      splitEvents(Buffer.from('event: x\ndata: 1\ndata: 2\n\ndata: tail')).map((p) => p.toString()),
      ['event: x\ndata: 1\ndata: 2\n\n', 'data: tail'],
    );
    assert.deepEqual(splitEvents(Buffer.alloc(0)), []);
  });

  it('re-concatenates to the exact input bytes', () => {
    const input = Buffer.from(`data: ${MULTIBYTE}\r\n\r\n: c\n\ndata: x\r\rdata: y`, 'utf8');
    assert.deepEqual(Buffer.concat(splitEvents(input)), input);
  });
});

describe('parseEvent', () => {
  it('joins multi-line data with \\n and reads the event name', () => {
    assert.deepEqual(parseEvent('event: content_block_delta\ndata: {"a":\ndata: 1}\n\n'), { event: 'content_block_delta', data: '{"a":\n1}' });
  });

  it('ignores comments and unknown fields', () => {
    assert.deepEqual(parseEvent(': ping\nid: 7\nretry: 100\ndata: x\n: another\n\n'), { event: null, data: 'x' });
    assert.deepEqual(parseEvent(': only a comment\n\n'), { event: null, data: null });
  });

  it('strips exactly one optional space after the colon', () => {
    assert.equal(parseEvent('data:nospace\n\n').data, 'nospace');
    assert.equal(parseEvent('data: one\n\n').data, 'one');
    assert.equal(parseEvent('data:  two\n\n').data, ' two');
    assert.equal(parseEvent('event:ping\n\n').event, 'ping');
  });

  it('a field without a colon has an empty value; an empty data line adds a line', () => {
    assert.equal(parseEvent('data\n\n').data, '');
    assert.equal(parseEvent('data: a\ndata:\ndata: b\n\n').data, 'a\n\nb');
  });

  it('accepts CRLF and CR line endings and Buffers (UTF-8)', () => {
    assert.deepEqual(parseEvent(Buffer.from(`event: e\r\ndata: ${MULTIBYTE}\r\n\r\n`, 'utf8')), { event: 'e', data: MULTIBYTE });
    assert.deepEqual(parseEvent('event: e\rdata: 1\rdata: 2\r\r'), { event: 'e', data: '1\n2' });
  });

  it('the last event: line wins; [DONE] is plain data', () => {
    assert.deepEqual(parseEvent('event: a\nevent: b\ndata: [DONE]\n\n'), { event: 'b', data: '[DONE]' });
  });
});
