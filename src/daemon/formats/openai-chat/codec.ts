import { errorBody } from '../error-shapes.js';
/** The OpenAI Chat Completions codec: `/v1/chat/completions` bodies and streams ⇄ the pivot. */
import type { FormatCodec } from '../pivot/types.js';
import { decodeRequest, encodeRequest } from './request.js';
import { decodeResponse, encodeResponse } from './response.js';
import { OpenAIChatStreamDecoder, OpenAIChatStreamEncoder } from './stream.js';

export const openAIChatCodec: FormatCodec = {
  id: 'openai-chat',
  decodeRequest,
  encodeRequest,
  decodeResponse,
  encodeResponse,
  streamDecoder: () => new OpenAIChatStreamDecoder(),
  streamEncoder: (req) => new OpenAIChatStreamEncoder(req),
  encodeError: (status, code, message) => errorBody('openai-chat', status, code, message),
};
