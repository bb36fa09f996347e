import { describe, expect, it } from 'vitest';
import { ConnectionTable, type ClosedBecause, type TableEntry } from '../../src/capture/connection-table.js';
import { openConnection } from '../../src/capture/connections.js';
import type { CapturedSegment } from '../../src/capture/segment.js';

interface Entry extends TableEntry<Entry> {
  name: string;
  kept: boolean;
}

function syn(src: string, srcPort: number, dst: string, dstPort: number, timeUs = 0): CapturedSegment {
  return {
    frame: 1,
    timeUs,
    interfaceId: 0,
    ipVersion: 4,
    src,
    dst,
    srcPort,
    dstPort,
    seq: 1,
    ack: 0,
    flags: { syn: true, ack: false, fin: false, rst: false, psh: false },
    payload: Buffer.alloc(0),
    payloadLength: 0,
  };
}

function table(maxConnections = 100): { table: ConnectionTable<Entry>; closed: [string, ClosedBecause][] } {
  const closed: [string, ClosedBecause][] = [];
  const made = new ConnectionTable<Entry>({ maxConnections, idleUs: 1000, keptIdleUs: 10_000 }, (entry, because) => closed.push([entry.name, because]), (entry) => entry.kept);
  return { table: made, closed };
}

function entry(name: string, segment: CapturedSegment, kept = false): Entry {
  return { name, kept, connection: openConnection(segment) };
}

describe('ConnectionTable', () => {
  it('finds a connection from either end, and tells apart connections on the same ports between other hosts', () => {
    const { table: connections } = table();
    const a = entry('a', syn('10.0.0.1', 40000, '10.0.0.2', 21));
    const b = entry('b', syn('10.0.0.3', 40000, '10.0.0.2', 21));
    connections.add(a);
    connections.add(b);
    // The same port pair, so the same cache slot: each lookup must still check the hosts.
    expect(connections.find('10.0.0.1', 40000, '10.0.0.2', 21)?.name).toBe('a');
    expect(connections.find('10.0.0.2', 21, '10.0.0.1', 40000)?.name).toBe('a');
    expect(connections.find('10.0.0.3', 40000, '10.0.0.2', 21)?.name).toBe('b');
    expect(connections.find('10.0.0.2', 21, '10.0.0.3', 40000)?.name).toBe('b');
    expect(connections.find('10.0.0.1', 40000, '10.0.0.2', 21)?.name).toBe('a');
    expect(connections.find('10.0.0.9', 40000, '10.0.0.2', 21)).toBeUndefined();
    expect(connections.find('10.0.0.1', 40001, '10.0.0.2', 21)).toBeUndefined();
  });

  it('forgets a closed connection, also in its cache slot', () => {
    const { table: connections, closed } = table();
    const a = entry('a', syn('10.0.0.1', 40000, '10.0.0.2', 21));
    connections.add(a);
    expect(connections.find('10.0.0.1', 40000, '10.0.0.2', 21)).toBe(a);
    connections.close(a, 'port-reused');
    expect(connections.find('10.0.0.1', 40000, '10.0.0.2', 21)).toBeUndefined();
    expect(connections.size).toBe(0);
    expect(closed).toEqual([['a', 'port-reused']]);
  });

  it('closes the least recently active entry not worth keeping when full; touching makes an entry the newest', () => {
    const { table: connections, closed } = table(3);
    const kept = entry('kept', syn('10.0.0.1', 1, '10.0.0.2', 21), true);
    const first = entry('first', syn('10.0.0.1', 2, '10.0.0.2', 80));
    const second = entry('second', syn('10.0.0.1', 3, '10.0.0.2', 80));
    connections.add(kept);
    connections.add(first);
    connections.add(second);
    connections.touch(first);
    connections.add(entry('third', syn('10.0.0.1', 4, '10.0.0.2', 80)));
    expect(closed).toEqual([['second', 'table-full']]);
    expect(connections.size).toBe(3);
    connections.closeAll();
    expect(closed.slice(1)).toEqual([
      ['kept', 'end-of-capture'],
      ['first', 'end-of-capture'],
      ['third', 'end-of-capture'],
    ]);
    expect(connections.size).toBe(0);
  });

  it('expires idle entries oldest first, passing over kept ones until their longer limit', () => {
    const { table: connections, closed } = table();
    const kept = entry('kept', syn('10.0.0.1', 1, '10.0.0.2', 21, 0), true);
    const idle = entry('idle', syn('10.0.0.1', 2, '10.0.0.2', 80, 0));
    const busy = entry('busy', syn('10.0.0.1', 3, '10.0.0.2', 80, 4000));
    const later = entry('later', syn('10.0.0.1', 4, '10.0.0.2', 80, 0));
    for (const one of [kept, idle, busy, later]) connections.add(one);
    connections.expire(4500);
    // 'later' is idle too but comes after 'busy', which is not: the walk stops there.
    expect(closed).toEqual([['idle', 'idle']]);
    connections.expire(20_000);
    expect(closed.map(([name]) => name)).toEqual(['idle', 'kept', 'busy', 'later']);
  });
});
