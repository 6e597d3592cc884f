import type { FormatId, PivotRequest } from '../formats/pivot/types.js';
import type { JsonBody } from './read-body.js';

export type Operation = 'generate' | 'embeddings' | 'count_tokens' | 'models' | 'model_info';

/** What the route says about a /v1 request before its body is read. */
export interface Route {
  format: FormatId;
  op: Operation;
  /** Gemini: model and streaming come from the path. */
  model?: string;
  stream?: boolean;
  /** Gemini :streamGenerateContent without `alt=sse`: the stream is one JSON array, written as chunks arrive. */
  jsonArray?: boolean;
}

const GEMINI_PATH = /^\/(v1beta|v1)\/models\/([^/:]+(?:\/[^/:]+)*):(generateContent|streamGenerateContent|countTokens)$/;
const GEMINI_MODEL = /^\/v1beta\/models\/([^:]+)$/;

// The fixed routes, one shared (frozen) object each.
const CHAT: Route = Object.freeze({ format: 'openai-chat', op: 'generate' });
const RESPONSES: Route = Object.freeze({ format: 'openai-responses', op: 'generate' });
const MESSAGES: Route = Object.freeze({ format: 'anthropic', op: 'generate' });
const COUNT_TOKENS: Route = Object.freeze({ format: 'anthropic', op: 'count_tokens' });
const EMBEDDINGS: Route = Object.freeze({ format: 'openai-chat', op: 'embeddings' });
const MODELS: Route = Object.freeze({ format: 'openai-chat', op: 'models' });
const GEMINI_MODELS: Route = Object.freeze({ format: 'gemini', op: 'models' });

/** Maps a method and path to the inbound format and operation, or null (404). */
export function matchRoute(method: string, path: string, query: URLSearchParams): Route | null | 'method' {
  const post = method === 'POST';
  switch (path) {
    case '/v1/chat/completions':
      return post ? CHAT : 'method';
    case '/v1/responses':
      return post ? RESPONSES : 'method';
    case '/v1/messages':
      return post ? MESSAGES : 'method';
    case '/v1/messages/count_tokens':
      return post ? COUNT_TOKENS : 'method';
    case '/v1/embeddings':
      return post ? EMBEDDINGS : 'method';
    case '/v1/models':
      return method === 'GET' ? MODELS : 'method';
    case '/v1beta/models':
      return method === 'GET' ? GEMINI_MODELS : 'method';
  }
  const g = GEMINI_PATH.exec(path);
  if (g) {
    if (!post) return 'method';
    if (g[3] === 'countTokens') return { format: 'gemini', op: 'count_tokens', model: decodeURIComponent(g[2]!) };
    const stream = g[3] === 'streamGenerateContent';
    return { format: 'gemini', op: 'generate', model: decodeURIComponent(g[2]!), stream, jsonArray: stream && query.get('alt') !== 'sse' };
  }
  const m = GEMINI_MODEL.exec(path);
  if (m) return method === 'GET' ? { format: 'gemini', op: 'model_info', model: decodeURIComponent(m[1]!) } : 'method';
  return null;
}

/** The format a path's errors are written in, even before the route is known to exist (auth errors). */
export function formatOfPath(path: string): FormatId {
  if (path.startsWith('/v1/messages')) return 'anthropic';
  if (path.startsWith('/v1beta/') || /^\/v1\/models\/.+:/.test(path)) return 'gemini';
  if (path === '/v1/responses') return 'openai-responses';
  return 'openai-chat';
}

/** One client request, in its own format, with the pivot decoded only if some target needs it. */
export interface Inbound {
  format: FormatId;
  /** The body as the client sent it, where its members are (for splicing instead of re-serialising), its routing members, and the whole value on demand. */
  json: JsonBody;
  model: string;
  stream: boolean;
  /** OpenAI chat: the client asked for usage in its stream. */
  clientWantsUsage: boolean;
  /** Client headers that pass through to a same-format provider (e.g. anthropic-beta). */
  passHeaders: Readonly<Record<string, string>>;
  /** Write the stream as one JSON array instead of SSE (Gemini without alt=sse). */
  jsonArray: boolean;
  /** Decoded once, on first call (synchronously once the codec is loaded; throws InvalidRequest/UnsupportedContent). */
  pivot: () => PivotRequest | Promise<PivotRequest>;
}

export const ROUTES_HELP = 'POST /v1/chat/completions, /v1/responses, /v1/messages, /v1/messages/count_tokens, /v1/embeddings, /v1beta/models/{model}:generateContent|streamGenerateContent; GET /v1/models';
