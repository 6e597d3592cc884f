/** Pieces the views share. */
import type { Resource } from '../state.js';
import { Line } from '../components/Line.js';

/** Why a resource has no data (yet): loading, an error, or a daemon without that route. Null when there is data. */
export function resourceProblem<T>(r: Resource<T>, what: string, route: string): string | null {
  if (r.unavailable) return `${what}: not available from this daemon (${route} is not implemented there yet).`;
  if (r.data !== null) return null;
  if (r.error !== null) return `${what}: ${r.error}`;
  return `Loading ${what.toLowerCase()}…`;
}

export function Problem({ text }: { text: string }) {
  return <Line color={text.startsWith('Loading') ? 'gray' : 'yellow'}>{text}</Line>;
}

/** A stale-data note when the last reload failed but older data is still shown. */
export function staleNote<T>(r: Resource<T>): string {
  return r.data !== null && r.error !== null && !r.unavailable ? ` (reload failed: ${r.error})` : '';
}
