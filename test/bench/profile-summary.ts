/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time per
 * function, with dist/*.js positions mapped back to the TypeScript source
 * through the build's source maps, plus totals per area (krouter src, each
 * package, node internals, GC) and the inclusive time of krouter's own
 * functions. Usable alone: `node dist/test/bench/profile-summary.js FILE [N]`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
  /** Samples per line of the script (1-based), when V8 recorded them. */
  positionTicks?: Array<{ line: number; ticks: number }>;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface HotSpot {
  /** Function name (or "(anonymous)"). */
  fn: string;
  /** repo-relative `src/...ts:LINE` when mapped, else the script and line. */
  where: string;
  area: string;
  ms: number;
  pct: number;
  /** Where inside the function its own samples fell: the top source lines and their share of its samples. */
  lines?: string;
  /** For code outside src/: the nearest krouter function on the stack, by share of this entry's time. */
  via?: string;
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  /** Time not idle: what the daemon spent working. */
  busyMs: number;
  gcMs: number;
  programMs: number;
  selfTop: HotSpot[];
  areas: Array<{ area: string; ms: number; pct: number }>;
  /** Inclusive (self + callees) time of functions in krouter's src/. */
  srcInclusiveTop: HotSpot[];
}

const maps = new Map<string, SourceMap | null>();

function sourceMapFor(file: string): SourceMap | null {
  if (maps.has(file)) return maps.get(file)!;
  let sm: SourceMap | null = null;
  try {
    const mapFile = `${file}.map`;
    if (existsSync(mapFile)) sm = new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8')) as ConstructorParameters<typeof SourceMap>[0]);
  } catch {
    sm = null;
  }
  maps.set(file, sm);
  return sm;
}

const scriptLines = new Map<string, string[] | null>();

/** Maps a 1-based line of a compiled dist/*.js file to `src/...ts:LINE` through its source map (at the line's first non-blank column). */
function mapLine(url: string, line: number, root: string): string | null {
  let file: string;
  try {
    file = url.startsWith('file://') ? fileURLToPath(url) : url;
  } catch {
    return null;
  }
  if (!file.endsWith('.js') || file.includes('/node_modules/')) return null;
  const sm = sourceMapFor(file);
  if (!sm) return null;
  if (!scriptLines.has(file)) {
    try {
      scriptLines.set(file, readFileSync(file, 'utf8').split('\n'));
    } catch {
      scriptLines.set(file, null);
    }
  }
  const text = scriptLines.get(file)?.[line - 1] ?? '';
  // a minified bundle packs many statements on a line, and V8 gives only the line: no reliable mapping
  if (text.length > 400) return null;
  const col = Math.max(0, text.search(/\S/));
  const e = sm.findEntry(line - 1, col) as { originalSource?: string; originalLine?: number };
  if (e.originalSource === undefined || e.originalLine === undefined) return null;
  let src = e.originalSource;
  try {
    src = src.startsWith('file://') ? fileURLToPath(src) : resolve(dirname(file), src);
  } catch {
    /* keep */
  }
  return `${relative(root, src)}:${e.originalLine + 1}`;
}

function locate(cf: CallFrame, root: string): { where: string; area: string } {
  const url = cf.url;
  if (url === '') return { where: '', area: cf.functionName.startsWith('(') ? cf.functionName : '(native)' };
  if (url.startsWith('node:')) return { where: `${url}:${cf.lineNumber + 1}`, area: 'node internals' };
  let file = url;
  try {
    if (url.startsWith('file://')) file = fileURLToPath(url);
  } catch {
    /* keep the URL */
  }
  const nm = file.lastIndexOf('/node_modules/');
  if (nm !== -1) {
    const rest = file.slice(nm + '/node_modules/'.length);
    const parts = rest.split('/');
    const pkg = parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
    return { where: `${rest}:${cf.lineNumber + 1}`, area: pkg };
  }
  const sm = file.endsWith('.js') ? sourceMapFor(file) : null;
  if (sm) {
    const e = sm.findEntry(cf.lineNumber, cf.columnNumber) as { originalSource?: string; originalLine?: number };
    if (e.originalSource !== undefined && e.originalLine !== undefined) {
      let src = e.originalSource;
      try {
        src = src.startsWith('file://') ? fileURLToPath(src) : resolve(dirname(file), src);
      } catch {
        /* keep */
      }
      const rel = relative(root, src);
      const inNm = rel.lastIndexOf('node_modules/');
      if (inNm !== -1) {
        // a dependency bundled into the daemon (esbuild): name its package, like an unbundled one
        const rest = rel.slice(inNm + 'node_modules/'.length);
        const parts = rest.split('/');
        const pkg = parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
        return { where: `${rest}:${e.originalLine + 1}`, area: pkg };
      }
      return { where: `${rel}:${e.originalLine + 1}`, area: rel.startsWith('src/') ? 'krouter src' : rel.startsWith('test/') ? 'bench/test code' : rel };
    }
  }
  const rel = relative(root, file);
  return { where: `${rel}:${cf.lineNumber + 1}`, area: rel.startsWith('dist/src/') ? 'krouter src' : rel };
}

export function summarizeProfile(file: string, root: string, top = 25): ProfileSummary {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of prof.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const samples = prof.samples ?? [];
  const deltas = prof.timeDeltas ?? [];
  // time of sample i is the delta to the next sample (DevTools' convention); the last gets the mean
  const selfUs = new Map<number, number>();
  let total = 0;
  const mean = samples.length > 0 ? (prof.endTime - prof.startTime) / samples.length : 0;
  const dur: number[] = new Array<number>(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const d = i + 1 < deltas.length ? Math.max(0, deltas[i + 1]!) : mean;
    dur[i] = d;
    selfUs.set(samples[i]!, (selfUs.get(samples[i]!) ?? 0) + d);
    total += d;
  }
  const loc = new Map<number, { fn: string; where: string; area: string; key: string }>();
  const locOf = (id: number): { fn: string; where: string; area: string; key: string } => {
    let l = loc.get(id);
    if (!l) {
      const cf = byId.get(id)!.callFrame;
      const { where, area } = locate(cf, root);
      const fn = cf.functionName || '(anonymous)';
      l = { fn, where, area, key: `${fn}@${where}` };
      loc.set(id, l);
    }
    return l;
  };
  const self = new Map<string, { fn: string; where: string; area: string; us: number }>();
  // per function: samples by source line (from positionTicks)
  const lineTicks = new Map<string, Map<string, number>>();
  for (const n of prof.nodes) {
    if (!n.positionTicks || n.positionTicks.length === 0) continue;
    const l = locOf(n.id);
    const m = lineTicks.get(l.key) ?? new Map<string, number>();
    for (const pt of n.positionTicks) {
      const where = mapLine(n.callFrame.url, pt.line, root) ?? `${n.callFrame.url.slice(n.callFrame.url.lastIndexOf('/') + 1)}:${pt.line} (unmapped)`;
      m.set(where, (m.get(where) ?? 0) + pt.ticks);
    }
    lineTicks.set(l.key, m);
  }
  const hotLines = (key: string): string | undefined => {
    const m = lineTicks.get(key);
    if (!m) return undefined;
    const all = [...m.entries()].sort((a, b) => b[1] - a[1]);
    const sum = all.reduce((a, [, t]) => a + t, 0);
    if (sum === 0) return undefined;
    return all
      .slice(0, 3)
      .map(([w, t]) => `${w.slice(w.lastIndexOf('/') + 1)} ${Math.round((100 * t) / sum)}%`)
      .join(', ');
  };
  const areas = new Map<string, number>();
  let idle = 0;
  let gc = 0;
  let program = 0;
  for (const [id, us] of selfUs) {
    const l = locOf(id);
    if (l.fn === '(idle)') {
      idle += us;
      continue;
    }
    if (l.fn === '(garbage collector)') gc += us;
    if (l.fn === '(program)') program += us;
    const s = self.get(l.key) ?? { fn: l.fn, where: l.where, area: l.area, us: 0 };
    s.us += us;
    self.set(l.key, s);
    const area = l.fn === '(garbage collector)' ? 'GC' : l.area;
    areas.set(area, (areas.get(area) ?? 0) + us);
  }
  const busy = total - idle;
  const pct = (us: number): number => (busy > 0 ? (100 * us) / busy : 0);
  const selfTop: HotSpot[] = [...self.entries()]
    .sort((a, b) => b[1].us - a[1].us)
    .slice(0, top)
    .map(([key, s]) => {
      const lines = s.area === 'krouter src' ? hotLines(key) : undefined;
      return { fn: s.fn, where: s.where, area: s.area, ms: s.us / 1000, pct: pct(s.us), ...(lines ? { lines } : {}) };
    });

  // inclusive time of krouter src functions: each sample counts once per distinct function on its stack
  const incl = new Map<string, { fn: string; where: string; area: string; us: number }>();
  const stackKeys = new Map<number, string[]>();
  const keysOnStack = (id: number): string[] => {
    let ks = stackKeys.get(id);
    if (ks) return ks;
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const l = locOf(cur);
      if (l.area === 'krouter src') seen.add(l.key);
    }
    ks = [...seen];
    stackKeys.set(id, ks);
    return ks;
  };
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i]!;
    for (const k of keysOnStack(id)) {
      let e = incl.get(k);
      if (!e) {
        const [fn] = k.split('@');
        const where = k.slice(k.indexOf('@') + 1);
        e = { fn: fn!, where, area: 'krouter src', us: 0 };
        incl.set(k, e);
      }
      e.us += dur[i]!;
    }
  }
  // for each self-time entry outside src/: which krouter function (nearest on the stack) it ran under
  const nearestSrc = new Map<number, string | null>();
  const nearestOf = (id: number): string | null => {
    if (nearestSrc.has(id)) return nearestSrc.get(id)!;
    let found: string | null = null;
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const l = locOf(cur);
      if (l.area === 'krouter src') {
        found = `${l.fn} ${l.where.slice(l.where.lastIndexOf('/') + 1)}`;
        break;
      }
    }
    nearestSrc.set(id, found);
    return found;
  };
  const viaByKey = new Map<string, Map<string, number>>();
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i]!;
    const l = locOf(id);
    if (l.area === 'krouter src') continue;
    const v = nearestOf(id) ?? '(no krouter frame: event loop, I/O callbacks)';
    const m = viaByKey.get(l.key) ?? new Map<string, number>();
    m.set(v, (m.get(v) ?? 0) + dur[i]!);
    viaByKey.set(l.key, m);
  }
  for (const h of selfTop) {
    if (h.area === 'krouter src') continue;
    const m = viaByKey.get(`${h.fn}@${h.where}`);
    if (!m) continue;
    const sum = [...m.values()].reduce((a, b) => a + b, 0);
    h.via = [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 2)
      .map(([w, us]) => `${w} ${Math.round((100 * us) / sum)}%`)
      .join(', ');
  }

  const srcInclusiveTop = [...incl.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map((s) => ({ fn: s.fn, where: s.where, area: s.area, ms: s.us / 1000, pct: pct(s.us) }));
  return {
    file,
    totalMs: total / 1000,
    busyMs: busy / 1000,
    gcMs: gc / 1000,
    programMs: program / 1000,
    selfTop,
    areas: [...areas.entries()].sort((a, b) => b[1] - a[1]).map(([area, us]) => ({ area, ms: us / 1000, pct: pct(us) })),
    srcInclusiveTop,
  };
}

export function formatProfile(s: ProfileSummary, top = 25): string {
  const lines: string[] = [];
  lines.push(`profile ${s.file}`);
  lines.push(`  wall ${(s.totalMs / 1000).toFixed(1)} s, busy ${(s.busyMs / 1000).toFixed(1)} s, GC ${((100 * s.gcMs) / Math.max(1, s.busyMs)).toFixed(1)}% of busy`);
  lines.push('  busy time by area:');
  for (const a of s.areas.slice(0, 12)) lines.push(`    ${a.pct.toFixed(1).padStart(5)}%  ${a.area}`);
  lines.push(`  top ${top} functions by self time (% of busy):`);
  for (const h of s.selfTop.slice(0, top)) lines.push(`    ${h.pct.toFixed(1).padStart(5)}%  ${h.fn.padEnd(36).slice(0, 36)}  ${h.where}${h.lines ? `  [hot lines: ${h.lines}]` : ''}${h.via ? `  [under: ${h.via}]` : ''}`);
  lines.push("  krouter's own functions by inclusive time (self + callees, % of busy):");
  for (const h of s.srcInclusiveTop.slice(0, 15)) lines.push(`    ${h.pct.toFixed(1).padStart(5)}%  ${h.fn.padEnd(36).slice(0, 36)}  ${h.where}`);
  return lines.join('\n');
}

// standalone use
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: node dist/test/bench/profile-summary.js FILE.cpuprofile [TOP]\n');
    process.exit(2);
  }
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  const top = Number(process.argv[3] ?? 25);
  process.stdout.write(formatProfile(summarizeProfile(file, root, top), top) + '\n');
}
