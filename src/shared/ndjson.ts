/**
 * Newline-delimited JSON framing, independent of any transport: feed it chunks
 * as they arrive (a line may be split across chunks, a chunk may hold many
 * lines, a UTF-8 character may be split between two chunks) and get whole lines.
 */
export class LineSplitter {
  private readonly decoder = new TextDecoder('utf-8');
  private pending = '';

  /** Complete lines found so far, without their `\n` / `\r\n`. */
  push(chunk: Uint8Array | string): string[] {
    this.pending += typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    const parts = this.pending.split('\n');
    this.pending = parts.pop() ?? '';
    return parts.map(stripCr);
  }

  /** The last line when the input does not end with a newline (empty array otherwise). */
  end(): string[] {
    const rest = this.pending + this.decoder.decode();
    this.pending = '';
    return rest.length > 0 ? [stripCr(rest)] : [];
  }
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/** One NDJSON line as a value; blank lines (keep-alives) are `undefined`. Throws SyntaxError on bad JSON. */
export function parseNdjsonLine(line: string): unknown {
  return line.trim().length === 0 ? undefined : (JSON.parse(line) as unknown);
}
