/**
 * The bench's side of its load generator (loadgen.ts, a forked child so it
 * never shares an event loop with the servers under test): ops go out over
 * IPC, results come back, each call bounded by a timeout.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pin, trackPid, untrackPid } from './procs.js';
import type { LoadOp, LoadReply, LoadResult } from './protocol.js';

const HERE = dirname(fileURLToPath(import.meta.url));

export class LoadGen {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve: (r: LoadResult) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  #next = 1;

  constructor(cpus: string | undefined) {
    this.#child = fork(join(HERE, 'loadgen.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, NODE_OPTIONS: '' } });
    trackPid(this.#child.pid);
    pin(this.#child.pid, cpus);
    this.#child.on('message', (m: LoadReply) => {
      const p = this.#pending.get(m.id);
      if (!p) return;
      this.#pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.ok) p.resolve(m.result);
      else p.reject(new Error(`load generator: ${m.error}`));
    });
    this.#child.on('exit', (code) => {
      for (const p of this.#pending.values()) {
        clearTimeout(p.timer);
        p.reject(new Error(`load generator exited (${code})`));
      }
      this.#pending.clear();
    });
  }

  call<R extends LoadResult>(op: LoadOp, timeoutMs: number): Promise<R> {
    const id = this.#next++;
    return new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`load generator: ${op.op} gave no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, { resolve: resolve as (r: LoadResult) => void, reject, timer });
      this.#child.send({ id, op });
    });
  }

  stop(): void {
    if (this.#child.exitCode === null) this.#child.kill('SIGKILL');
    untrackPid(this.#child.pid);
  }
}
