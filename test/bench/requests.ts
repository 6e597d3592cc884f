/** The request every bench tool sends: a non-streamed or streamed OpenAI chat completion of ~1 KB, as a short coding chat would. */
import type { LoadTarget } from './protocol.js';

const SYSTEM = 'You are a careful coding assistant. Answer briefly, in plain text, and say so when you are not sure. '.repeat(3);
const USER = 'Here is a small function; explain what it does and suggest one improvement:\n\nfunction add(a, b) {\n  return a + b;\n}\n'.repeat(5);

export function chatBody(model: string, stream: boolean): string {
  return JSON.stringify({
    model,
    messages: [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: USER },
    ],
    max_tokens: 256,
    temperature: 0.2,
    stream,
  });
}

/** POST /v1/chat/completions of `baseUrl` with krouter key `key` (the bare proxy ignores it). */
export function chatTarget(baseUrl: string, key: string, model: string, stream: boolean): LoadTarget {
  return {
    url: `${baseUrl}/v1/chat/completions`,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'user-agent': 'krouter-bench/1' },
    body: chatBody(model, stream),
  };
}
