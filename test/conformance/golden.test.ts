/**
 * Golden conformance: for every inbound × outbound pair (4 × 4), the
 * canonical inputs of fixtures/inputs/ are converted as the relay converts
 * them and compared with fixtures/golden/<in>--<out>.json — requests and
 * responses as whole JSON values, streams event by event.
 *
 * Update mode: `KROUTER_UPDATE_GOLDEN=1 node --test dist/test/conformance/`
 * rewrites the golden files from the current output (a value other than 1
 * rewrites only the pairs whose `<in>--<out>` name contains it). A rewritten
 * golden must be reviewed against the wire format before it is committed: a
 * golden states what the format requires, not what the codec happens to do.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { FormatCodec, FormatId } from '../../src/daemon/formats/pivot/types.js';
import {
  codecs,
  compareEvents,
  computePair,
  FORMATS,
  foreignSignatures,
  isThrown,
  jsonDiff,
  loadGolden,
  loadInputs,
  updateMode,
  writeGolden,
  type FormatInputs,
  type GoldenFile,
  type Json,
  type Outcome,
  type SseEvent,
} from './harness.js';
import { checkStream } from './invariants.js';

const inputs = Object.fromEntries(FORMATS.map((f) => [f, loadInputs(f)])) as Record<FormatId, FormatInputs>;

function show(v: unknown): string {
  return JSON.stringify(v, null, 2).slice(0, 1500);
}

function expectJson(label: string, expected: Outcome<Json> | undefined, actual: Outcome<Json>): void {
  if (expected === undefined) assert.fail(`${label}: no golden (run with KROUTER_UPDATE_GOLDEN=1, then review it)`);
  const d = jsonDiff(expected, actual);
  if (d.length > 0) assert.fail(`${label} differs from its golden:\n  ${d.join('\n  ')}\nactual:\n${show(actual)}`);
}

function expectStream(label: string, expected: Outcome<SseEvent[]> | undefined, actual: Outcome<SseEvent[]>): void {
  if (expected === undefined) assert.fail(`${label}: no golden (run with KROUTER_UPDATE_GOLDEN=1, then review it)`);
  if (isThrown(expected) || isThrown(actual)) {
    const d = jsonDiff(expected, actual);
    if (d.length > 0) assert.fail(`${label} differs from its golden:\n  ${d.join('\n  ')}`);
    return;
  }
  const report = compareEvents(expected, actual);
  if (report !== null) assert.fail(`${label} differs from its golden, event by event:\n${report}`);
}

for (const inF of FORMATS) {
  for (const outF of FORMATS) {
    describe(`golden ${inF} client → ${outF} provider`, () => {
      let actual: GoldenFile;
      let golden: GoldenFile | null;
      before(async () => {
        const c: Record<FormatId, FormatCodec> = await codecs();
        actual = computePair(c, inF, outF, inputs[inF], inputs[outF]);
        if (updateMode(inF, outF)) writeGolden(actual);
        golden = loadGolden(inF, outF);
      });

      for (const name of Object.keys(inputs[inF].requests)) {
        it(`request ${name}: ${inF} → ${outF}`, () => expectJson(`request ${name} (${inF} → ${outF})`, golden?.request[name], actual.request[name]!));
      }
      for (const name of Object.keys(inputs[outF].responses)) {
        it(`response ${name}: ${outF} → ${inF}`, () => expectJson(`response ${name} (${outF} → ${inF})`, golden?.response[name], actual.response[name]!));
      }
      for (const name of Object.keys(inputs[outF].streams)) {
        it(`stream ${name}: ${outF} → ${inF}`, () => expectStream(`stream ${name} (${outF} → ${inF})`, golden?.stream[name], actual.stream[name]!));
        it(`stream ${name}: ${inF} output is well formed`, () => {
          const s = actual.stream[name]!;
          if (isThrown(s)) assert.fail(`the stream conversion threw: ${s.$throws.message}`);
          const v = checkStream(inF, s);
          if (v.length > 0) assert.fail(`stream ${name} (${outF} → ${inF}) breaks ${inF} stream rules:\n  ${v.join('\n  ')}`);
        });
        it(`stream ${name}: the golden itself is a well-formed ${inF} stream`, () => {
          const s = golden?.stream[name];
          if (s === undefined || isThrown(s)) return;
          const v = checkStream(inF, s);
          if (v.length > 0) assert.fail(`golden stream ${name} (${outF} → ${inF}) breaks ${inF} stream rules:\n  ${v.join('\n  ')}`);
        });
      }
      for (const name of Object.keys(inputs[outF].errors)) {
        it(`error ${name}: ${outF} → ${inF}`, () => expectJson(`error ${name} (${outF} → ${inF})`, golden?.error[name], actual.error[name]!));
      }

      it('no thinking signature crosses to another family', () => {
        const leaks: string[] = [];
        for (const [name, out] of Object.entries(actual.request)) for (const s of foreignSignatures(outF, out)) leaks.push(`request ${name} → ${outF}: ${s}`);
        for (const [name, out] of Object.entries(actual.response)) for (const s of foreignSignatures(inF, out)) leaks.push(`response ${name} → ${inF}: ${s}`);
        for (const [name, out] of Object.entries(actual.stream)) for (const s of foreignSignatures(inF, out)) leaks.push(`stream ${name} → ${inF}: ${s}`);
        if (leaks.length > 0) assert.fail(`signatures reached a format of another family:\n  ${leaks.join('\n  ')}`);
      });
    });
  }
}
