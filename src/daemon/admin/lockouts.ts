import type { LockoutDto } from '../../shared/admin-types.js';
import { KrouterError } from '../../shared/errors.js';
import { lockoutKeyFromInput } from '../security/client-ip.js';
import type { AuthFailureRow } from '../store/types.js';
import type { AdminServices } from './context.js';

function lockoutDto(r: AuthFailureRow): LockoutDto {
  return { ip: r.ip, failures: r.failures, windowStartedAt: new Date(r.windowStart).toISOString(), lockedUntil: r.lockedUntil === null ? null : new Date(r.lockedUntil).toISOString() };
}

/** GET /admin/v1/lockouts: current failure windows and locks, locked first. */
export function listLockouts(s: AdminServices): { lockouts: LockoutDto[] } {
  return { lockouts: s.lockout.list().map(lockoutDto) };
}

/**
 * DELETE /admin/v1/lockouts[/:ip]: forgets every client's failures and locks,
 * or one client's. `ip` is an address (an IPv6 one names its /64) or a /64 as listed.
 */
export function clearLockouts(s: AdminServices, ip: string | undefined): { cleared: number } {
  if (ip === undefined) return { cleared: s.lockout.clear() };
  const key = lockoutKeyFromInput(ip);
  if (key === null) {
    throw new KrouterError('validation_failed', `"${ip.slice(0, 100)}" is not an IP address (or an IPv6 /64 as \`krouter lockouts list\` shows it). Nothing was cleared.`);
  }
  return { cleared: s.lockout.clear(key) };
}
