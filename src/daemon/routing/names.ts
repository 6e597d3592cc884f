/** Provider and combo names: what may appear before the `/` of `provider/model`, and as a combo. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function nameProblem(kind: 'provider' | 'combo', name: string): string | null {
  if (NAME_PATTERN.test(name)) return null;
  return `${kind} name ${JSON.stringify(name)} is not allowed: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit (no '/': it separates provider and model).`;
}

export interface TargetRef {
  provider: string;
  model: string;
  /** `provider/model` */
  id: string;
}

/** Splits `provider/model` at the first `/` (model ids may contain more slashes, e.g. `openrouter/meta-llama/llama-3`). */
export function parseTargetRef(s: string): TargetRef | null {
  const slash = s.indexOf('/');
  if (slash <= 0 || slash === s.length - 1) return null;
  return { provider: s.slice(0, slash), model: s.slice(slash + 1), id: s };
}
