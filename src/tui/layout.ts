/**
 * Screen geometry, from the terminal size alone (re-computed on every resize):
 *
 *   row 1          tab bar
 *   row 2          banner: connection, debug mode, daemon
 *   rows 3..       the view's body
 *   row rows-2     message line: input prompt, confirmation, result of the last action
 *   row rows-1     hint bar
 *   row rows       left empty, so Ink never scrolls the terminal (it clears it when the output fills the screen)
 */
import type { Size } from './state.js';

export const MIN_COLUMNS = 80;
export const MIN_ROWS = 24;
const CHROME_ROWS = 5;

export function tooSmall(size: Size): boolean {
  return size.columns < MIN_COLUMNS || size.rows < MIN_ROWS;
}

/** Lines available to a view's body. */
export function bodyHeight(size: Size): number {
  return Math.max(1, size.rows - CHROME_ROWS);
}

/** Table rows that fit in a list view: the body minus its header line and a line or two of footer. */
export function listRows(size: Size, footerLines = 1): number {
  return Math.max(1, bodyHeight(size) - 1 - footerLines);
}

/** The first row to draw so that `cursor` is visible in a window of `height` rows. */
export function windowStart(length: number, cursor: number, height: number): number {
  if (length <= height) return 0;
  const half = Math.floor(height / 2);
  return Math.min(Math.max(0, cursor - half), length - height);
}
