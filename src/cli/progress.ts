/**
 * A one-line progress indicator for runs longer than a second: only on a TTY (clean output when
 * piped or in CI logs), rewritten in place, cleared when done.
 */
import type { Connection, ConnectionHandler, ConnectRequest, Listener, ListenRequest, Network } from '../net/network.js';

export interface Progress {
  update(text: string): void;
  done(): void;
}

export function progressLine(stream: NodeJS.WriteStream, label: string, delayMs = 1000): Progress {
  if (!stream.isTTY) return { update: () => {}, done: () => {} };
  const started = Date.now();
  let shown = false;
  return {
    update(text) {
      if (Date.now() - started < delayMs) return;
      shown = true;
      // A pseudo-terminal with no size set (script, some CI runners) reports 0 columns: assume 80.
      const line = `${label}: ${text}`.slice(0, Math.max(20, (stream.columns || 80) - 1));
      stream.write(`\r\x1b[2K${line}`);
    },
    done() {
      if (shown) stream.write('\r\x1b[2K');
    },
  };
}

/**
 * What a probe is doing right now, seen from the Network seam: the engine reports its steps only
 * in the finished report, but every step that can hang (a filtered control port, a dropped data
 * channel, an active-mode connection that never arrives) is a pending connect or listen.
 */
export type ActivityKind = 'control-connect' | 'control' | 'data-connect' | 'data' | 'listen' | 'active-data';

export interface Activity {
  kind: ActivityKind;
  /** host:port of the other side (for listen: where we listen). */
  endpoint: string;
  /** Date.now() when it began. */
  since: number;
}

const ACTIVITY_WORDS: Record<ActivityKind, string> = {
  'control-connect': 'connecting to the control port',
  control: 'control session with',
  'data-connect': 'passive mode: connecting to the data port',
  data: 'passive mode: data transfer from',
  listen: 'active mode: waiting for the server to connect to',
  'active-data': 'active mode: data transfer from',
};

const seconds = (ms: number): string => `${(Math.max(0, ms) / 1000).toFixed(1)} s`;

/** "passive mode: connecting to the data port 10.0.0.5:40006, 3.2 s (7.5 s in all)". */
export function probeProgressText(activity: Activity | undefined, now: number, started: number): string {
  const total = `${seconds(now - started)} in all`;
  if (!activity) return `starting (${total})`;
  return `${ACTIVITY_WORDS[activity.kind]} ${activity.endpoint}, ${seconds(now - activity.since)} (${total})`;
}

const hostPort = (host: string | undefined, port: number | undefined): string =>
  `${host !== undefined && host.includes(':') ? `[${host}]` : (host ?? '?')}:${port ?? '?'}`;

export interface WatchedNetwork {
  network: Network;
  /** The latest activity still under way (connects, sessions and listeners end and fall away). */
  current(): Activity | undefined;
}

/** Wraps a Network so the probe's connects and listens are visible; behaviour is unchanged. */
export function watchNetwork(network: Network, controlPort: number, now: () => number = Date.now): WatchedNetwork {
  const open: Activity[] = [];
  const begin = (kind: ActivityKind, endpoint: string): Activity => {
    const activity = { kind, endpoint, since: now() };
    open.push(activity);
    return activity;
  };
  const end = (activity: Activity): void => {
    const index = open.indexOf(activity);
    if (index >= 0) open.splice(index, 1);
  };
  const untilClosed = (connection: Connection, kind: ActivityKind, endpoint: string): void => {
    const activity = begin(kind, endpoint);
    connection.once('close', () => end(activity));
  };
  const watched: Network = {
    name: network.name,
    async connect(request: ConnectRequest): Promise<Connection> {
      const control = request.port === controlPort;
      const endpoint = hostPort(request.host, request.port);
      const pending = begin(control ? 'control-connect' : 'data-connect', endpoint);
      try {
        const connection = await network.connect(request);
        untilClosed(connection, control ? 'control' : 'data', endpoint);
        return connection;
      } finally {
        end(pending);
      }
    },
    async listen(request: ListenRequest, onConnection: ConnectionHandler): Promise<Listener> {
      const pending = begin('listen', hostPort(request.host, request.port));
      let listener: Listener;
      try {
        listener = await network.listen(request, (connection) => {
          end(pending);
          untilClosed(connection, 'active-data', hostPort(connection.remoteAddress, connection.remotePort));
          onConnection(connection);
        });
      } catch (error) {
        end(pending);
        throw error;
      }
      pending.endpoint = hostPort(listener.host, listener.port);
      return {
        host: listener.host,
        port: listener.port,
        close: async () => {
          end(pending);
          await listener.close();
        },
      };
    },
  };
  return { network: watched, current: () => open.at(-1) };
}
