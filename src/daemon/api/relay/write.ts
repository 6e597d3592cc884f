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

/** Reads at most `cap` bytes of a body (the rest is discarded), as text. */
export async function readCapped(body: AsyncIterable<Buffer> & { destroy?: () => void }, cap: number): Promise<{ text: string; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size + chunk.length > cap) {
      chunks.push(chunk.subarray(0, cap - size));
      size = cap;
      body.destroy?.();
      return { text: Buffer.concat(chunks).toString('utf8'), truncated: true };
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return { text: Buffer.concat(chunks, size).toString('utf8'), truncated: false };
}
