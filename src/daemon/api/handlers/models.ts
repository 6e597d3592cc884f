import type { FormatId } from '../../formats/pivot/types.js';
import type { RequestContext } from '../context.js';

interface ModelEntry {
  id: string;
  created: number;
  ownedBy: string;
}

async function collect(ctx: RequestContext): Promise<ModelEntry[]> {
  const { catalog, modelLists } = ctx.services;
  const out: ModelEntry[] = [];
  for (const c of catalog.combos()) out.push({ id: c.name, created: Math.floor(c.row.createdAt / 1000), ownedBy: 'krouter' });
  const providers = [...catalog.providers()];
  const lists = await Promise.all(providers.map((p) => modelLists.modelsOf(p)));
  providers.forEach((p, i) => {
    const created = Math.floor(p.row.createdAt / 1000);
    for (const m of lists[i]!) out.push({ id: `${p.name}/${m}`, created, ownedBy: p.name });
  });
  return out;
}

/** GET /v1beta/models/{model} (`models.get` of the Gemini SDK): a combo or provider/model this krouter serves. */
export async function handleModelInfo(ctx: RequestContext, model: string): Promise<boolean> {
  const id = model.startsWith('models/') ? model.slice(7) : model;
  const found = (await collect(ctx)).find((m) => m.id === id);
  if (!found) return false;
  const body = JSON.stringify({ name: `models/${found.id}`, displayName: found.id, supportedGenerationMethods: ['generateContent', 'streamGenerateContent', 'countTokens'] });
  ctx.res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  ctx.res.end(body);
  return true;
}

/**
 * GET /v1/models (OpenAI's list shape) and GET /v1beta/models (Gemini's):
 * every combo, then every provider's models as `provider/model`.
 */
export async function handleModels(ctx: RequestContext, format: FormatId): Promise<void> {
  const models = await collect(ctx);
  const body =
    format === 'gemini'
      ? JSON.stringify({
          models: models.map((m) => ({ name: `models/${m.id}`, displayName: m.id, supportedGenerationMethods: ['generateContent', 'streamGenerateContent'] })),
        })
      : JSON.stringify({ object: 'list', data: models.map((m) => ({ id: m.id, object: 'model', created: m.created, owned_by: m.ownedBy })) });
  ctx.res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  ctx.res.end(body);
}
