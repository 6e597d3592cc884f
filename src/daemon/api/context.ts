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
  signal: AbortSignal;
}
