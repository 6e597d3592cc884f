import type { KrouterPaths } from '../../shared/paths.js';
import type { ApiServices } from '../api/context.js';
import type { KeyHasher } from '../security/key-hash.js';
import type { SecretBox } from '../security/secret-box.js';
import type { SsrfPolicy } from '../security/ssrf.js';
import type { Store } from '../store/types.js';
import type { EventBus } from '../telemetry/event-bus.js';

/** What the admin handlers reach: everything /v1 has, plus the store and the secrets. */
export interface AdminServices extends ApiServices {
  store: Store;
  hasher: KeyHasher;
  box: SecretBox;
  bus: EventBus;
  /** Where provider base URLs may point (security.ssrf), checked when a provider is saved. */
  ssrf: SsrfPolicy;
  paths: KrouterPaths;
  version: string;
  startedAt: number;
  /** The /v1 listener's real address (port 0 resolved). */
  listen: () => { bind: string; port: number };
}
