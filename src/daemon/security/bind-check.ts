/**
 * The start-up warning when /v1 listens beyond this machine: loopback
 * (127.0.0.0/8, ::1, localhost) is safe by default; anything else is
 * reachable from the network and needs the README's "Security checklist".
 */
import { parseIp } from './client-ip.js';

export function isLoopbackBind(bind: string): boolean {
  const b = bind.trim().toLowerCase();
  if (b === 'localhost' || b.endsWith('.localhost')) return true;
  const ip = parseIp(b);
  return ip !== null && ip.range() === 'loopback';
}

/** The warning to print for `bind`, or null when it is a loopback address. */
export function exposureWarning(bind: string, port: number): string | null {
  if (isLoopbackBind(bind)) return null;
  const where = bind.includes(':') ? `[${bind}]:${port}` : `${bind}:${port}`;
  return [
    `krouter: WARNING: /v1 listens on ${where}, which other machines can reach (server.bind is not a loopback address).`,
    '  Before you expose it, go through "Security checklist" in the README: put a TLS reverse proxy in front and list it in',
    '  security.trustedProxies, give every user their own key (krouter keys create --name NAME), keep the lockout on,',
    '  and firewall the port to the hosts that need it. To serve this machine only, set server.bind / KROUTER_BIND to 127.0.0.1.',
  ].join('\n');
}
