import { errorBody } from '../error-shapes.js';
/**
 * The Anthropic Messages API codec (`POST /v1/messages`).
 *
 * Requests: request.ts; whole responses: response.ts; streams: stream.ts.
 * Usage: Anthropic's `input_tokens` excludes cache reads and writes, the
 * pivot's inputTokens includes them (decoder adds, encoder subtracts).
 */
import type { FormatCodec } from '../pivot/types.js';
import { decodeRequest, encodeRequest } from './request.js';
import { decodeResponse, encodeResponse } from './response.js';
import { anthropicStreamDecoder, anthropicStreamEncoder } from './stream.js';

export const anthropicCodec: FormatCodec = {
  id: 'anthropic',
  decodeRequest,
  encodeRequest,
  decodeResponse,
  encodeResponse,
  streamDecoder: anthropicStreamDecoder,
  streamEncoder: anthropicStreamEncoder,
  encodeError: (status, code, message) => errorBody('anthropic', status, code, message),
};
