import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import type { DebugDto } from '../../shared/admin-types.js';
import { DEBUG_HEADER, MAX_DEBUG_SECONDS } from '../telemetry/debug-capture.js';
import type { AdminServices } from './context.js';

export const debugInputSchema = z.strictObject({
  enabled: z.boolean(),
  forSeconds: z
    .number()
    .int('a whole number of seconds')
    .min(1, 'at least 1 second')
    .max(MAX_DEBUG_SECONDS, `at most ${MAX_DEBUG_SECONDS} seconds (24 h): debug mode records full bodies and must not stay on`)
    .optional(),
});

export function getDebug(s: AdminServices): DebugDto {
  return s.debug.status();
}

/** Applies the change; the answer's x-krouter-debug header then tells the new state, not the old one. */
export function putDebug(s: AdminServices, input: z.infer<typeof debugInputSchema>, res: ServerResponse): DebugDto {
  const out = s.debug.set(input.enabled, input.forSeconds);
  const header = s.debug.headerValue();
  if (header === null) res.removeHeader(DEBUG_HEADER);
  else res.setHeader(DEBUG_HEADER, header);
  return out;
}
