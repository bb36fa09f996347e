/** Test helper: tshark and our reader must agree on a file (frames, TCP streams, every segment). */
import { expect } from 'vitest';
import { ourView, tsharkView, type View } from './tshark.js';

export async function expectTsharkAgrees(file: string): Promise<View> {
  const theirs = tsharkView(file);
  const ours = await ourView(file);
  expect(ours.frames, 'frame count').toBe(theirs.frames);
  expect(ours.streams, 'TCP streams').toBe(theirs.streams);
  // A pcapng Simple Packet Block has no time: tshark shows 0, we carry the previous packet's.
  const expected = theirs.rows.map((row, index) => (row.timeUs === 0 && index > 0 ? { ...row, timeUs: ours.rows[index - 1]?.timeUs } : row));
  expect(ours.rows).toEqual(expected);
  return ours;
}
