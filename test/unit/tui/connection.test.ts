/** The TUI survives the daemon going away (reconnects with backoff) and terminal resizes. */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { afterEach, describe, it } from 'node:test';
import { render } from 'ink';
import { createElement } from 'react';
import { KrouterError } from '../../../src/shared/errors.js';
import { App } from '../../../src/tui/app.js';
import { Controller } from '../../../src/tui/controller.js';
import { initialState } from '../../../src/tui/state.js';
import { createStore } from '../../../src/tui/store.js';
import { entry, FakeClient, NOW, notFound } from './fake-client.js';
import { mount, sleep, stripAnsi, type Mounted } from './harness.js';

let m: Mounted | undefined;
afterEach(async () => {
  await m?.unmount();
  m = undefined;
});

describe('tui connection', () => {
  it('says the daemon is unreachable, retries with growing delays, and recovers', async () => {
    m = await mount({ view: 'logs' });
    await m.waitFor('Live tail · 3 requests');
    const delays: number[] = [];
    const unsubscribe = m.store.subscribe(() => {
      const c = m!.store.getState().conn;
      if (c.state === 'offline' && c.retryAt !== null && delays.length < c.attempt) delays.push(c.retryAt - NOW);
    });
    m.client.goAway();
    let f = await m.waitFor('daemon unreachable — reconnecting');
    assert.match(f, /krouter daemon is not running/);
    assert.match(f, /laptop/, 'what was loaded stays on screen');
    await m.until('three attempts', () => delays.length >= 3);
    assert.deepEqual(delays.slice(0, 3), [20, 40, 40], 'backoff doubles up to its cap');
    m.client.logs.push(entry(4, { keyName: 'while-away' }));
    m.client.comeBack();
    f = await m.waitFor((s) => !s.includes('unreachable') && s.includes('while-away'));
    assert.match(f, /Live tail · 4 requests/, 'entries logged while away are loaded on reconnect');
    await m.until('stream reopened', () => m!.client.openStreams === 1);
    m.client.push(entry(5, { keyName: 'after' }));
    await m.waitFor('after');
    unsubscribe();
  });

  it('reconnects when the daemon ends the stream (a restart)', async () => {
    m = await mount();
    const streams = m.client.callsTo('streamLogs').length;
    m.client.goAway();
    m.client.comeBack();
    await m.until('a new stream', () => m!.client.callsTo('streamLogs').length > streams && m!.client.openStreams === 1);
    assert.equal(m.store.getState().conn.state, 'online');
  });

  it('a poll that cannot reach the daemon drops the connection', async () => {
    m = await mount();
    m.client.failures.set('status', new KrouterError('daemon_unreachable', 'gone'));
    await m.controller.poll();
    await m.waitFor('daemon unreachable');
    m.client.failures.delete('status');
    await m.waitFor((s) => !s.includes('unreachable'));
  });

  it('a failed write while the daemon is away is reported, not thrown', async () => {
    m = await mount({ view: 'combos' });
    await m.waitFor('Combos (1)');
    m.client.failures.set('putCombo', new KrouterError('daemon_unreachable', 'socket gone'));
    await m.press('s');
    await m.waitFor('Saving combo "best" failed: socket gone');
  });

  it('polls the recent log when the daemon has no live stream', async () => {
    const c = new FakeClient();
    c.failures.set('streamLogs', notFound());
    m = await mount({ client: c, view: 'logs', connect: false });
    m.controller.start();
    await m.waitFor('Live tail · 3 requests');
    c.logs.push(entry(4, { keyName: 'polled' }));
    await m.controller.poll();
    await m.waitFor('polled');
  });
});

class FakeStdout extends EventEmitter {
  columns = 120;
  rows = 40;
  isTTY = true;
  last = '';
  write = (frame: string): boolean => {
    this.last = frame;
    return true;
  };
}

class FakeStdin extends EventEmitter {
  isTTY = true;
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
  read(): null {
    return null;
  }
}

describe('tui resize', () => {
  it('lays out again from the terminal size', async () => {
    const client = new FakeClient();
    const store = createStore(initialState({ readOnly: false, size: { columns: 120, rows: 40 }, now: NOW, view: 'logs' }));
    const controller = new Controller(client, store, { onQuit: () => {}, now: () => NOW, pollMs: 600_000, tickMs: 600_000 });
    const stdout = new FakeStdout();
    const ink = render(createElement(App, { store, controller, socketPath: client.socketPath }), {
      stdout: stdout as unknown as NodeJS.WriteStream,
      stdin: new FakeStdin() as unknown as NodeJS.ReadStream,
      debug: true,
      exitOnCtrlC: false,
      patchConsole: false,
    });
    const waitFor = async (test: (f: string) => boolean): Promise<string> => {
      const deadline = Date.now() + 3000;
      while (!test(stripAnsi(stdout.last))) {
        if (Date.now() > deadline) throw new Error(`screen:\n${stripAnsi(stdout.last)}`);
        await sleep(10);
      }
      return stripAnsi(stdout.last);
    };
    try {
      controller.start();
      let f = await waitFor((s) => s.includes('Live tail'));
      const wide = f.split('\n').find((l) => l.includes('MODEL → TARGET')) ?? '';
      assert.equal(f.split('\n').length, 39, 'one row less than the terminal, so it never scrolls');

      stdout.columns = 60;
      stdout.rows = 20;
      stdout.emit('resize');
      f = await waitFor((s) => s.includes('needs at least 80×24'));
      assert.match(f, /this terminal is 60×20/);

      stdout.columns = 90;
      stdout.rows = 24;
      stdout.emit('resize');
      f = await waitFor((s) => s.includes('Live tail'));
      const narrow = f.split('\n').find((l) => l.includes('MODEL → TARGET')) ?? '';
      assert.ok(narrow.length < wide.length, 'the columns shrink with the terminal');
      assert.ok(f.split('\n').every((l) => [...l].length <= 90), 'nothing wider than the terminal');
      assert.equal(f.split('\n').length, 23);
    } finally {
      await controller.stop();
      ink.unmount();
      ink.cleanup();
    }
  });
});
