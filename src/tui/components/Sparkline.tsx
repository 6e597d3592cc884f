/** A one-line chart from ▁▂▃▄▅▆▇█ (see ../metrics.ts); blanks where there was no data. */
import { Text } from 'ink';
import { sparkline } from '../metrics.js';

export function Sparkline({ values, max, color }: { values: ReadonlyArray<number | null>; max?: number; color?: string }) {
  return <Text color={color}>{sparkline(values, max)}</Text>;
}
