/**
 * krouter's pivot: its own typed representation of a model request, a whole
 * response and a stream, a superset of the four wire formats (OpenAI chat,
 * OpenAI Responses, Anthropic Messages, Gemini generateContent). Each wire
 * format has a decoder into and an encoder out of the pivot, so a new format
 * is two files, not N converters. Same format in and out never comes here.
 *
 * Rules every codec keeps:
 * - Deterministic: the same input gives byte-identical output (provider prompt
 *   caches depend on it). No clocks, no random ids in request encoders; object
 *   keys written in a fixed order.
 * - A thinking signature is carried only to the provider family that issued
 *   it, never invented.
 * - What the target cannot represent is either a hint (dropped: cache hints,
 *   metadata, service tier, beta headers) or content (a clear 400 naming what
 *   and where — see UnsupportedContent).
 */

export type FormatId = 'openai-chat' | 'openai-responses' | 'anthropic' | 'gemini';

/** The family that issued a thinking signature; a signature only ever goes back to its own family. */
export type SignatureFamily = 'anthropic' | 'gemini' | 'openai';

export interface CacheHint {
  /** Anthropic `cache_control` (`{type:'ephemeral', ttl?}`), kept only for the Anthropic encoder. */
  cacheControl?: Record<string, unknown>;
}

export interface TextPart extends CacheHint {
  type: 'text';
  text: string;
}

export type MediaSource = { kind: 'url'; url: string } | { kind: 'base64'; mediaType: string; data: string };

export interface ImagePart extends CacheHint {
  type: 'image';
  source: MediaSource;
  /** OpenAI `detail` hint. */
  detail?: 'auto' | 'low' | 'high';
}

/** PDFs and other documents (Anthropic `document`, Gemini inline/file data, OpenAI `file`). */
export interface FilePart extends CacheHint {
  type: 'file';
  source: MediaSource;
  filename?: string;
}

export interface ToolCallPart {
  type: 'tool_call';
  id: string;
  name: string;
  /** The arguments as JSON text, exactly as the model produced them. */
  arguments: string;
  /** Gemini `thoughtSignature` attached to a function call. */
  signature?: { family: SignatureFamily; value: string };
}

export interface ToolResultPart extends CacheHint {
  type: 'tool_result';
  callId: string;
  /** Function name when the format carries it (Gemini needs it; recovered from the matching call otherwise). */
  name?: string;
  content: Array<TextPart | ImagePart>;
  isError?: boolean;
}

export interface ThinkingPart {
  type: 'thinking';
  text: string;
  signature?: { family: SignatureFamily; value: string };
  /** Anthropic `redacted_thinking` data / OpenAI encrypted reasoning content: opaque, family-bound. */
  redacted?: { family: SignatureFamily; data: string };
  /** OpenAI Responses reasoning item id, kept for a round trip to the same family. */
  itemId?: string;
}

export type ContentPart = TextPart | ImagePart | FilePart | ToolCallPart | ToolResultPart | ThinkingPart;

export interface Message {
  role: 'user' | 'assistant';
  parts: ContentPart[];
}

export interface ToolDef extends CacheHint {
  name: string;
  description?: string;
  /** JSON Schema of the arguments. */
  parameters: Record<string, unknown>;
  strict?: boolean;
}

export type ToolChoice = { type: 'auto' } | { type: 'none' } | { type: 'required' } | { type: 'tool'; name: string };

export type ResponseFormat = { type: 'text' } | { type: 'json_object' } | { type: 'json_schema'; name: string; schema: Record<string, unknown>; strict?: boolean; description?: string };

export type ReasoningEffort = 'minimal' | 'low' | 'medium' | 'high';

export interface Reasoning {
  effort?: ReasoningEffort;
  /** Anthropic `budget_tokens`, Gemini `thinkingBudget`. */
  budgetTokens?: number;
  /** Ask for thinking text/summaries in the answer. */
  includeThoughts?: boolean;
  /** Explicitly off (Anthropic `thinking: {type: 'disabled'}`, Gemini budget 0). */
  disabled?: boolean;
}

export interface PivotRequest {
  model: string;
  system: TextPart[];
  messages: Message[];
  tools: ToolDef[];
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  stop?: string[];
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  reasoning?: Reasoning;
  responseFormat?: ResponseFormat;
  stream: boolean;
  /** The client asked for usage in the stream (OpenAI `stream_options.include_usage`). */
  streamUsage?: boolean;
  /** End-user id (OpenAI `user`, Anthropic `metadata.user_id`). */
  user?: string;
}

export type StopReason = 'end' | 'max_tokens' | 'tool_use' | 'stop_sequence' | 'content_filter' | 'refusal' | 'error';

/**
 * Token counts with OpenAI's meaning: inputTokens counts the whole prompt,
 * cached reads and cache writes included (Anthropic's `input_tokens` excludes
 * them: its decoder adds them in, its encoder takes them out); outputTokens
 * includes reasoning tokens.
 */
export interface PivotUsage {
  inputTokens: number | null;
  outputTokens: number | null;
  totalTokens: number | null;
  /** Input tokens read from the prompt cache. */
  cachedTokens: number | null;
  /** Input tokens written to the prompt cache (Anthropic). */
  cacheWriteTokens: number | null;
  reasoningTokens: number | null;
}

export interface PivotResponse {
  id: string;
  model: string;
  /** The assistant's output in order: thinking, text, tool calls. */
  parts: Array<TextPart | ThinkingPart | ToolCallPart>;
  stopReason: StopReason;
  /** The stop sequence that ended it, when known. */
  stopSequence?: string;
  usage: PivotUsage;
  /** Creation time in epoch seconds when the upstream gave one. */
  created?: number;
}

/** Stream events: a provider stream decodes into these; a client stream is encoded from them. */
export type StreamEvent =
  | { type: 'start'; id: string; model: string; created?: number; usage?: PivotUsage }
  | { type: 'text_delta'; text: string }
  | { type: 'thinking_delta'; text: string }
  | { type: 'thinking_signature'; family: SignatureFamily; signature: string }
  | { type: 'redacted_thinking'; family: SignatureFamily; data: string }
  | { type: 'tool_call_start'; index: number; id: string; name: string; signature?: { family: SignatureFamily; value: string } }
  | { type: 'tool_call_delta'; index: number; argumentsDelta: string }
  | { type: 'tool_call_end'; index: number }
  | { type: 'usage'; usage: PivotUsage }
  | { type: 'stop'; reason: StopReason; stopSequence?: string }
  | { type: 'error'; message: string; code: string; status?: number };

/** Decodes a provider's stream: feed it each SSE event (event name + data), get pivot events. */
export interface StreamDecoder {
  event(name: string | null, data: string): StreamEvent[];
  /** The stream ended (upstream EOF): any events owed (e.g. a stop the format leaves implicit). */
  end(): StreamEvent[];
}

/** Encodes a client stream: pivot events in, the bytes of SSE events out. Ends with exactly one terminal event. */
export interface StreamEncoder {
  event(e: StreamEvent): string;
  /** Final bytes (e.g. `data: [DONE]`); safe to call once. */
  end(): string;
}

export const EMPTY_USAGE: PivotUsage = { inputTokens: null, outputTokens: null, totalTokens: null, cachedTokens: null, cacheWriteTokens: null, reasoningTokens: null };

/**
 * Content the target format cannot carry: the request is refused with a 400
 * naming what and where (never a silent drop).
 */
export class UnsupportedContent extends Error {
  readonly code = 'unsupported_content';
  /**
   * `target` is the format being encoded to; a decoder (which does not know the
   * target yet) passes nothing, for content krouter cannot translate at all.
   */
  constructor(
    readonly what: string,
    readonly where: string,
    readonly target?: FormatId,
  ) {
    super(
      target === undefined
        ? `${what} at ${where} cannot be translated by krouter to another API format; remove it, or route this request to a provider of the client's own format, where it passes through untouched.`
        : `${what} at ${where} cannot be sent to a ${target} model; remove it or route this request to a model that accepts it.`,
    );
  }
}

/** A request that does not decode (wrong shape for its own format): a 400 on the client's route. */
export class InvalidRequest extends Error {
  readonly code = 'invalid_request';
  constructor(
    message: string,
    readonly where: string,
  ) {
    super(`${message} (at ${where})`);
  }
}

/** One wire format's codec. Request decoding is strict about shape, lenient about unknown extra fields. */
export interface FormatCodec {
  id: FormatId;
  decodeRequest(body: Record<string, unknown>): PivotRequest;
  encodeRequest(req: PivotRequest): Record<string, unknown>;
  decodeResponse(body: Record<string, unknown>): PivotResponse;
  encodeResponse(res: PivotResponse, req: PivotRequest): Record<string, unknown>;
  streamDecoder(): StreamDecoder;
  streamEncoder(req: PivotRequest): StreamEncoder;
  /** Error body of this format for a client-facing error. */
  encodeError(status: number, code: string, message: string): Record<string, unknown>;
}
