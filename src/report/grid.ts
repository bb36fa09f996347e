/**
 * A terminal table that fits a width, drawn with the box characters cli-table3 uses. Sized and
 * drawn here because cli-table3 only wraps within widths it is given and cuts (with "…") what
 * does not fit, which would lose the end of a path or a finding, and because it measured every
 * cell line again (a second per catalogue). Each cell is wrapped before it is painted, so a colour
 * never spans a line break and the widths are measured on the text the terminal shows.
 */
import { displayWidth, wrapText } from './wrap.js';

/** A cell: plain text, or text with the colour to paint each of its lines in. */
export type GridCell = string | { text: string; paint: (line: string) => string };

export interface GridOptions {
  /** Columns the whole table may take, borders included. */
  width: number;
  /** Columns to keep at their natural width while the others can still give way (ids, codes). */
  keep?: readonly boolean[];
}

const textOf = (cell: GridCell): string => (typeof cell === 'string' ? cell : cell.text);
const widest = (text: string): number => Math.max(0, ...text.split('\n').map(displayWidth));

/**
 * Content widths for the columns: each as wide as its widest line, then narrowed until the table
 * fits. First the columns not marked `keep` give way, down to 16 columns each; then every column,
 * the widest first, one column at a time, but none below its heading's longest word (at least 6),
 * so headings stay readable.
 */
export function columnWidths(head: readonly string[], rows: readonly (readonly GridCell[])[], width: number, keep: readonly boolean[] = []): number[] {
  const natural = head.map((heading, column) => Math.max(1, widest(heading), ...rows.map((row) => widest(textOf(row[column] ?? '')))));
  const floor = head.map((heading, column) => Math.min(natural[column] ?? 1, Math.max(6, ...heading.split(/\s+/).map(displayWidth))));
  const widths = [...natural];
  // Each column takes its content plus a space either side, and one border per column plus one.
  const room = width - 3 * head.length - 1;
  const narrow = (floors: readonly number[]): void => {
    let excess = widths.reduce((sum, value) => sum + value, 0) - room;
    while (excess > 0) {
      let candidate = -1;
      for (let column = 0; column < widths.length; column += 1) {
        if ((widths[column] ?? 0) <= (floors[column] ?? 0)) continue;
        if (candidate < 0 || (widths[column] ?? 0) > (widths[candidate] ?? 0)) candidate = column;
      }
      if (candidate < 0) return; // every column at its floor
      widths[candidate] = (widths[candidate] ?? 1) - 1;
      excess -= 1;
    }
  };
  narrow(floor.map((value, column) => (keep[column] ? (natural[column] ?? 1) : Math.max(value, Math.min(natural[column] ?? 1, 16)))));
  narrow(floor);
  return widths;
}

function wrapCell(cell: GridCell, width: number): string[] {
  const lines = wrapText(textOf(cell), width);
  return typeof cell === 'string' ? lines : lines.map((line) => (line ? cell.paint(line) : line));
}

function rule(widths: readonly number[], left: string, middle: string, right: string): string {
  return `${left}${widths.map((width) => '─'.repeat(width + 2)).join(middle)}${right}`;
}

/** One table row: its cells side by side, as many lines as its tallest cell. */
function rowLines(cells: readonly string[][], widths: readonly number[]): string[] {
  const height = Math.max(1, ...cells.map((lines) => lines.length));
  return Array.from({ length: height }, (_, index) => {
    const parts = widths.map((width, column) => {
      const line = cells[column]?.[index] ?? '';
      return ` ${line}${' '.repeat(Math.max(0, width - displayWidth(line)))} `;
    });
    return `│${parts.join('│')}│`;
  });
}

/** The table as text, every line at most `options.width` columns when the headings allow it. */
export function renderGrid(head: readonly string[], rows: readonly (readonly GridCell[])[], options: GridOptions): string {
  const widths = columnWidths(head, rows, options.width, options.keep);
  const wrap = (row: readonly GridCell[]): string[][] => head.map((_, column) => wrapCell(row[column] ?? '', widths[column] ?? 1));
  const lines = [rule(widths, '┌', '┬', '┐'), ...rowLines(wrap(head), widths)];
  for (const row of rows) lines.push(rule(widths, '├', '┼', '┤'), ...rowLines(wrap(row), widths));
  lines.push(rule(widths, '└', '┴', '┘'));
  return lines.join('\n');
}
