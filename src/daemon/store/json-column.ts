import { KrouterError } from '../../shared/errors.js';

function corrupt(column: string, why: string): KrouterError {
  return new KrouterError('store_unavailable', `The database column ${column} holds invalid data (${why}).`, {
    status: 500,
    details: { reason: 'corrupt_column', column },
  });
}

export function parseJson(text: string, column: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw corrupt(column, 'not JSON');
  }
}

export function stringArrayColumn(text: string, column: string): string[] {
  const value = parseJson(text, column);
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) {
    throw corrupt(column, 'expected an array of strings');
  }
  return value;
}

export function nullableStringArrayColumn(text: string | null, column: string): string[] | null {
  return text === null ? null : stringArrayColumn(text, column);
}
