/**
 * The three parts of undici the daemon uses (Agent, the request() API and the
 * connector builder), loaded from their own modules. undici's index also
 * loads fetch, WebSocket, EventSource, the caches and the mock agents at
 * start: ~350 KB of source and ~3 MiB of heap a krouter never uses. The
 * paths are undici 7's (the version package-lock.json installs); a layout
 * change fails the test suite at once, not a user at run time. The types are
 * undici's own.
 */
import type { Agent as AgentType, buildConnector as BuildConnectorType, Dispatcher } from 'undici';
import AgentImpl from 'undici/lib/dispatcher/agent.js';
import requestImpl from 'undici/lib/api/api-request.js';
import buildConnectorImpl from 'undici/lib/core/connect.js';

export const Agent = AgentImpl as unknown as typeof AgentType;
export type Agent = AgentType;
export const buildConnector = buildConnectorImpl as unknown as typeof BuildConnectorType;

/** undici's request() on `dispatcher`, given the origin and path already split (as Dispatcher.request takes them). */
export function requestOn(dispatcher: Dispatcher, opts: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData> {
  return (requestImpl as unknown as (this: Dispatcher, o: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>).call(dispatcher, opts);
}
