import type { ServerResponse } from 'node:http';

/** Writes with backpressure; resolves early if the client goes away (never hangs on a dead socket). */
export function writeChunk(res: ServerResponse, chunk: Buffer | string): Promise<void> | undefined {
  if (res.write(chunk)) return undefined;
  return new Promise<void>((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * Collects a readable stream's bytes, at most `cap`; past it the rest is
 * destroyed (an upstream body) or drained unread (a client's request, so the
 * 413 can still be written on its connection). Plain data/end listeners: an
 * async iterator costs a promise and a tick per chunk on the hot path.
 */
export function readCappedBuffer(
  body: NodeJS.ReadableStream & { destroy(): void },
  cap: number,
  overflow: 'destroy' | 'drain' = 'destroy',
): Promise<{ buf: Buffer; truncated: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (truncated: boolean): void => {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
      body.off('close', onClose);
      resolve({ buf: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size), truncated });
    };
    const onData = (chunk: Buffer): void => {
      if (size + chunk.length > cap) {
        chunks.push(chunk.subarray(0, cap - size));
        size = cap;
        done(true);
        if (overflow === 'destroy') body.destroy();
        else body.resume();
        return;
      }
      chunks.push(chunk);
      size += chunk.length;
    };
    const onEnd = (): void => done(false);
    const onError = (e: Error): void => {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('close', onClose);
      reject(e);
    };
    // Closed without 'end' (aborted): an error, like the async iterator would throw.
    const onClose = (): void => onError(Object.assign(new Error('the stream closed before its end'), { code: 'ECONNRESET' }));
    body.on('data', onData);
    body.once('end', onEnd);
    body.once('error', onError);
    body.once('close', onClose);
  });
}

/** Reads at most `cap` bytes of a body (the rest is discarded), as text. */
export async function readCapped(body: NodeJS.ReadableStream & { destroy(): void }, cap: number): Promise<{ text: string; truncated: boolean }> {
  const { buf, truncated } = await readCappedBuffer(body, cap);
  return { text: buf.toString('utf8'), truncated };
}
