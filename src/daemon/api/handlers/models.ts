import type { RequestContext } from '../context.js';

/**
 * GET /v1/models in OpenAI's list shape: every combo, then every provider's
 * models as `provider/model`.
 */
export async function handleModels(ctx: RequestContext): Promise<{ status: number }> {
  const { catalog, modelLists } = ctx.services;
  const data: Array<{ id: string; object: 'model'; created: number; owned_by: string }> = [];
  for (const c of catalog.combos()) data.push({ id: c.name, object: 'model', created: Math.floor(c.row.createdAt / 1000), owned_by: 'krouter' });
  const providers = [...catalog.providers()];
  const lists = await Promise.all(providers.map((p) => modelLists.modelsOf(p)));
  providers.forEach((p, i) => {
    const created = Math.floor(p.row.createdAt / 1000);
    for (const m of lists[i]!) data.push({ id: `${p.name}/${m}`, object: 'model', created, owned_by: p.name });
  });
  const body = JSON.stringify({ object: 'list', data });
  ctx.res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  ctx.res.end(body);
  return { status: 200 };
}
