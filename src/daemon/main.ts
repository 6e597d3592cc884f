import { mkdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { DaemonFlags } from '../shared/daemon-options.js';
import { KrouterError } from '../shared/errors.js';
import { krouterPaths, type Env, type KrouterPaths } from '../shared/paths.js';
import type { AdminServices } from './admin/context.js';
import { startAdminServer } from './admin/server.js';
import { createApiServer } from './api/server.js';
import { KeyRegistry } from './auth/key-registry.js';
import { loadConfig } from './config/load.js';
import { ModelLists } from './providers/model-lists.js';
import { Catalog } from './routing/catalog.js';
import { Turns } from './routing/resolve.js';
import { TargetHealth } from './routing/target-health.js';
import { exposureWarning } from './security/bind-check.js';
import { ClientResolver } from './security/client-ip.js';
import { KeyHasher } from './security/key-hash.js';
import { LockoutGuard } from './security/lockout.js';
import { machineValue } from './security/machine-id.js';
import { SecretBox } from './security/secret-box.js';
import { ssrfPolicyFromConfig } from './security/ssrf.js';
import { loadOrCreateSecret } from './security/secret-file.js';
import { openStore } from './store/sqlite.js';
import { EventBus } from './telemetry/event-bus.js';
import { DebugCapture } from './telemetry/debug-capture.js';
import { createLogger } from './telemetry/logger.js';
import { RequestLogWriter } from './telemetry/request-log-writer.js';
import { Upstream } from './upstream/dispatcher.js';

export interface RunningDaemon {
  paths: KrouterPaths;
  port: number;
  /** Stops accepting, lets in-flight requests finish within the grace period, flushes, closes. */
  shutdown(reason: string): Promise<void>;
}

const RETENTION_SWEEP_MS = 3600_000;

/** The package's version; this file runs from dist/src/daemon (tsc output) or dist/daemon (the bundle). */
function packageVersion(): string {
  for (const rel of ['../../../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'krouter' && pkg.version) return pkg.version;
    } catch {
      // not at this depth
    }
  }
  return '0.0.0';
}

/** Composes the daemon: config, secrets, store, caches, the admin socket, then the /v1 listener. */
export async function startDaemon(env: Env, flags: DaemonFlags): Promise<RunningDaemon> {
  const paths = krouterPaths({ env, home: flags.home, socket: flags.socket });
  mkdirSync(paths.home, { recursive: true, mode: 0o700 });
  const config = loadConfig(paths.config, env, flags);
  const log = createLogger();
  const secret = loadOrCreateSecret(paths.secretKeyFile);
  // bindSecretsToMachine=false: provider secrets depend on secret.key alone (containers whose machine id changes).
  const box = new SecretBox(secret, config.security.bindSecretsToMachine ? machineValue() : null);
  const ssrf = ssrfPolicyFromConfig(config.security.ssrf.allow);
  const hasher = new KeyHasher(secret);
  const store = openStore(paths.db);

  const bus = new EventBus();
  const catalog = new Catalog(store, box);
  const keys = new KeyRegistry(store, hasher);
  const upstream = new Upstream(config.upstream, { ssrf });
  const writer = new RequestLogWriter(store.requestLog, bus, log, { flushIntervalMs: config.log.flushIntervalMs, flushRows: config.log.flushRows, persist: config.log.enabled }, (id) =>
    keys.nameOf(id),
  );
  const debug = new DebugCapture({ dir: join(paths.logsDir, 'debug'), log });
  writer.onAssigned((row, id) => debug.assigned(row, id));
  let listenInfo = { bind: config.server.bind, port: config.server.port };
  const services: AdminServices = {
    config,
    catalog,
    health: new TargetHealth(),
    turns: new Turns(),
    upstream,
    keys,
    writer,
    modelLists: new ModelLists(catalog, upstream, log, config.models.cacheSeconds * 1000),
    log,
    counters: { total: 0, inFlight: 0 },
    debug,
    ssrf,
    clients: new ClientResolver(config.security.trustedProxies),
    lockout: new LockoutGuard(store.authFailures, config.security.bruteForceLockout, { log }),
    store,
    hasher,
    box,
    bus,
    paths,
    version: packageVersion(),
    startedAt: Date.now(),
    listen: () => listenInfo,
  };

  let admin: Server;
  try {
    admin = await startAdminServer(services);
  } catch (e) {
    store.close();
    throw e;
  }
  const api = createApiServer(services);
  try {
    await new Promise<void>((resolve, reject) => {
      api.once('error', reject);
      api.listen(config.server.port, config.server.bind, () => {
        api.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    admin.close();
    store.close();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new KrouterError('socket_in_use', `${config.server.bind}:${config.server.port} is already in use (another krouter, or another program). Stop it, or pick another port with --port / KROUTER_PORT.`);
    if (code === 'EADDRNOTAVAIL' || code === 'EACCES') throw new KrouterError('config_invalid', `cannot listen on ${config.server.bind}:${config.server.port} (${code}). Check server.bind / KROUTER_BIND (an address of this machine) and the port.`);
    throw e;
  }
  const addr = api.address() as AddressInfo;
  listenInfo = { bind: config.server.bind, port: addr.port };

  const sweep = (): void => {
    try {
      store.requestLog.deleteOlderThan(Date.now() - config.log.retentionDays * 86_400_000);
    } catch (e) {
      log.warn({ err: (e as Error).message }, 'request-log retention sweep failed');
    }
  };
  sweep();
  const sweeper = setInterval(sweep, RETENTION_SWEEP_MS);
  sweeper.unref();

  let stopping: Promise<void> | null = null;
  const shutdown = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      log.info({ reason, inFlight: services.counters.inFlight }, 'shutting down');
      clearInterval(sweeper);
      services.lockout.close();
      const apiClosed = new Promise<void>((r) => api.close(() => r()));
      api.closeIdleConnections();
      admin.close();
      admin.closeAllConnections();
      const deadline = Date.now() + config.server.shutdownGraceMs;
      while (services.counters.inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      api.closeAllConnections();
      await apiClosed;
      writer.close();
      await debug.close().catch(() => undefined);
      keys.flush();
      store.close();
      await upstream.close().catch(() => undefined);
      log.info('stopped');
      log.flush();
    })();
    return stopping;
  };

  const host = config.server.bind.includes(':') ? `[${config.server.bind}]` : config.server.bind;
  log.info({ bind: config.server.bind, port: addr.port, home: paths.home, socket: paths.socket }, 'krouter daemon ready');
  process.stdout.write(`krouter listening on http://${host}:${addr.port} (admin socket ${paths.socket})\n`);
  const exposed = exposureWarning(config.server.bind, addr.port);
  if (exposed !== null) {
    log.warn({ bind: config.server.bind, port: addr.port }, 'the /v1 listener is reachable from the network: see "Security checklist" in the README');
    process.stderr.write(`${exposed}\n`);
  }
  return { paths, port: addr.port, shutdown };
}
