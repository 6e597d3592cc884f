import { errorBody } from '../error-shapes.js';
/**
 * The OpenAI Responses API (`POST /v1/responses`) codec. Its main client is
 * the Codex CLI: instructions + input items (messages, function and custom
 * tool calls and outputs, encrypted reasoning), function / custom /
 * namespace tools, store: false, streaming. See request.ts, tools.ts,
 * response.ts and the stream modules for what maps to what.
 */
import type { FormatCodec } from '../pivot/types.js';
import { decodeRequest, encodeRequest } from './request.js';
import { decodeResponse, encodeResponse } from './response.js';
import { ResponsesStreamDecoder } from './stream-decoder.js';
import { ResponsesStreamEncoder } from './stream-encoder.js';

export const openAIResponsesCodec: FormatCodec = {
  id: 'openai-responses',
  decodeRequest,
  encodeRequest,
  decodeResponse,
  encodeResponse,
  streamDecoder: () => new ResponsesStreamDecoder(),
  streamEncoder: (req) => new ResponsesStreamEncoder(req),
  encodeError: (status, code, message) => errorBody('openai-responses', status, code, message),
};
