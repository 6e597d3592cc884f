import type { FormatCodec } from '../pivot/types.js';
import { decodeRequest, encodeRequest } from './request.js';
import { decodeResponse, encodeResponse } from './response.js';
import { streamDecoder, streamEncoder } from './stream.js';
import { errorBody } from './wire.js';

/**
 * Gemini generateContent / streamGenerateContent?alt=sse. The model and the
 * stream flag travel in the URL: decodeRequest reads them from the extra
 * `model` / `stream` body fields the relay adds; encodeRequest never writes
 * them (the relay builds the URL from `req.model` and `req.stream`).
 */
export const geminiCodec: FormatCodec = {
  id: 'gemini',
  decodeRequest,
  encodeRequest,
  decodeResponse,
  encodeResponse,
  streamDecoder,
  streamEncoder,
  encodeError: errorBody,
};
