import type { RequestContext } from '../context.js';

/** Client headers worth forwarding upstream; everything else (cookies, the krouter key, hop-by-hop) stays here. */
export function baseRequestHeaders(ctx: RequestContext, accept: string): Record<string, string> {
  const h: Record<string, string> = { 'content-type': 'application/json', accept, 'accept-encoding': 'identity' };
  const ua = ctx.req.headers['user-agent'];
  if (typeof ua === 'string') h['user-agent'] = ua;
  return h;
}
