/**
 * Determinism (DESIGN.md: "the same input gives byte-identical output,
 * because provider prompt caches depend on it"): for every pair and every
 * canonical input, converting twice — from separately parsed copies of the
 * input, with fresh stream decoders and encoders — gives byte-identical bytes.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { FormatCodec, FormatId } from '../../src/daemon/formats/pivot/types.js';
import {
  clientPivot,
  codecs,
  CREATED,
  FORMATS,
  loadInputs,
  requestBody,
  TARGET_MODEL,
  convertStreamText,
  type FormatInputs,
} from './harness.js';

const inputs = Object.fromEntries(FORMATS.map((f) => [f, loadInputs(f)])) as Record<FormatId, FormatInputs>;

/** The exact bytes a conversion gives (or what it threw). */
function bytes(f: () => unknown): string {
  try {
    const v = f();
    return typeof v === 'string' ? v : JSON.stringify(v);
  } catch (e) {
    return `THROWS ${(e as Error).message}`;
  }
}

function sameTwice(label: string, f: () => unknown): void {
  const a = bytes(f);
  const b = bytes(f);
  if (a !== b) {
    let i = 0;
    while (i < a.length && a[i] === b[i]) i++;
    assert.fail(`${label}: two conversions of the same input differ at byte ${i}:\n  first:  …${a.slice(Math.max(0, i - 60), i + 60)}\n  second: …${b.slice(Math.max(0, i - 60), i + 60)}`);
  }
}

let c: Record<FormatId, FormatCodec>;
before(async () => {
  c = await codecs();
});

for (const inF of FORMATS) {
  for (const outF of FORMATS) {
    describe(`determinism ${inF} client → ${outF} provider`, () => {
      it('requests encode byte-identically', () => {
        for (const [name, fx] of Object.entries(inputs[inF].requests)) {
          sameTwice(`request ${name}`, () => {
            const p = c[inF].decodeRequest(requestBody(inF, fx));
            return c[outF].encodeRequest({ ...p, model: TARGET_MODEL[outF] });
          });
        }
      });
      it('responses encode byte-identically', () => {
        for (const [name, fx] of Object.entries(inputs[outF].responses)) {
          sameTwice(`response ${name}`, () => {
            const res = c[outF].decodeResponse(structuredClone(fx.body));
            return c[inF].encodeResponse({ ...res, created: res.created ?? CREATED }, clientPivot(c, inF, inputs[inF], fx.context));
          });
        }
      });
      it('streams encode byte-identically', () => {
        for (const [name, fx] of Object.entries(inputs[outF].streams)) {
          sameTwice(`stream ${name}`, () => convertStreamText(c, inF, outF, fx, clientPivot(c, inF, inputs[inF], fx.context)));
        }
      });
    });
  }
}
