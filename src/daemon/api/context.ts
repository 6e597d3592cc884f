import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KrouterConfig } from '../../shared/config/schema.js';
import type { KeyRegistry } from '../auth/key-registry.js';
import type { Catalog } from '../routing/catalog.js';
import type { Turns } from '../routing/resolve.js';
import type { TargetHealth } from '../routing/target-health.js';
import type { ApiKeyRow } from '../store/types.js';
import type { RequestLogWriter } from '../telemetry/request-log-writer.js';
import type { Logger } from '../telemetry/logger.js';
import type { Upstream } from '../upstream/dispatcher.js';
import type { ModelLists } from '../providers/model-lists.js';
import type { DebugCapture } from '../telemetry/debug-capture.js';
import type { ClientAbort } from './client-abort.js';
import type { ClientResolver } from '../security/client-ip.js';
import type { LockoutGuard } from '../security/lockout.js';

/** What the /v1 handlers share for the daemon's lifetime. */
export interface ApiServices {
  config: KrouterConfig;
  catalog: Catalog;
  health: TargetHealth;
  turns: Turns;
  upstream: Upstream;
  keys: KeyRegistry;
  writer: RequestLogWriter;
  modelLists: ModelLists;
  log: Logger;
  counters: { total: number; inFlight: number };
  /** Debug mode: captures request/response pairs while on (see DebugCapture.watch). */
  debug: DebugCapture;
  /** Who the client is (the TCP peer, or X-Forwarded-For behind a trusted proxy). */
  clients: ClientResolver;
  /** Per-client brute-force lockout on /v1 authentication. */
  lockout: LockoutGuard;
}

/** One /v1 request, authenticated. */
export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  services: ApiServices;
  key: ApiKeyRow;
  clientIp: string;
  route: string;
  startedAt: number;
  /** Aborted when the client goes away before the response is complete. */
  abort: ClientAbort;
}
