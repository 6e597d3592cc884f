import { z } from 'zod';
import type { ComboDto } from '../../shared/admin-types.js';
import { KrouterError } from '../../shared/errors.js';
import { nameProblem, parseTargetRef } from '../routing/names.js';
import { comboDepth, findCycle, MAX_COMBO_DEPTH } from '../routing/resolve.js';
import type { AdminServices } from './context.js';

export const comboInputSchema = z.strictObject({
  targets: z.array(z.string().min(1).max(512)).min(1, 'a combo needs at least one target').max(64),
  strategy: z.enum(['fallback', 'round-robin']).optional(),
});

export function listCombos(s: AdminServices): { combos: ComboDto[] } {
  return { combos: s.catalog.comboDtos() };
}

export function putCombo(s: AdminServices, name: string, input: z.infer<typeof comboInputSchema>): { combo: ComboDto; created: boolean } {
  const problem = nameProblem('combo', name);
  if (problem) throw new KrouterError('validation_failed', problem);
  const targets = input.targets.map((t) => t.trim());
  for (const t of targets) {
    if (t === name) throw new KrouterError('cycle_detected', `combo "${name}" cannot list itself as a target.`);
    if (s.catalog.combo(t) === undefined && parseTargetRef(t) === null) {
      throw new KrouterError('validation_failed', `target "${t}" is neither an existing combo nor provider/model (e.g. openai/gpt-4.1). Create the combo first, or write the provider's name and the model id.`);
    }
  }
  const dup = targets.find((t, i) => targets.indexOf(t) !== i);
  if (dup !== undefined) throw new KrouterError('validation_failed', `target "${dup}" is listed twice; list each target once.`);
  const cycle = findCycle(name, targets, s.catalog);
  if (cycle) throw new KrouterError('cycle_detected', `combo "${name}" would form a cycle: ${cycle.join(' → ')}. Remove one of these links.`);
  if (comboDepth(name, targets, s.catalog) >= MAX_COMBO_DEPTH) {
    throw new KrouterError('validation_failed', `combos nest more than ${MAX_COMBO_DEPTH} levels deep here; flatten them.`);
  }
  const prev = s.store.combos.get(name);
  const now = Date.now();
  const { created } = s.store.combos.upsert({ name, strategy: input.strategy ?? prev?.strategy ?? 'fallback', targets, createdAt: prev?.createdAt ?? now, updatedAt: now });
  s.catalog.reload();
  s.bus.emit('changed', 'combos');
  return { combo: s.catalog.comboDtos().find((c) => c.name === name)!, created };
}

export function removeCombo(s: AdminServices, name: string): { removed: string } {
  if (!s.catalog.combo(name)) throw new KrouterError('not_found', `No combo named "${name}". \`krouter combos list\` shows them.`);
  const users = [...s.catalog.combos()].filter((c) => c.name !== name && c.targets.includes(name)).map((c) => c.name);
  if (users.length > 0) {
    throw new KrouterError('validation_failed', `combo "${name}" is a target of ${users.map((u) => `"${u}"`).join(', ')}; remove it from there first (krouter combos set …).`);
  }
  s.store.combos.remove(name);
  s.catalog.reload();
  s.bus.emit('changed', 'combos');
  return { removed: name };
}
