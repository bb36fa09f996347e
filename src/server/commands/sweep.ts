/**
 * SITE SWEEP, the extension `ftp-doctor sweep` uses to prove every port of the passive range end
 * to end (only for logged-in users, only with --allow-sweep, only inside the passive range):
 *
 * - `SITE SWEEP <port>`: like PASV, on exactly that port (the per-port form older clients use).
 * - `SITE SWEEP <from>-<to>`: a block of listeners at once (src/ftp/sweep-protocol.ts). A connection
 *   from the control peer gets `FTP-DOCTOR-TOKEN <session> <port>` and a FIN at once: no transfer
 *   command, no 150/226, so a port costs one TCP exchange instead of a control round trip.
 *   Anyone else gets a FIN without a token (the data-connection stealing rule of RFC 2577).
 * - `SITE SWEEP DONE`: close the block.
 *
 * A session holds at most one block; it closes on DONE, on the next SITE SWEEP, after the idle
 * deadline (no connection from the control peer for the passive accept timeout) and when the
 * session ends. Ports another session holds are skipped and named in the reply.
 */
import { normalizeAddress, sameAddress } from '../../ftp/address.js';
import { formatDataToken } from '../../ftp/evidence.js';
import type { Connection, Listener } from '../../net/network.js';
import { describeOpenFilesLimit, readOpenFilesLimit } from '../../net/open-files.js';
import { blockMaxFor, formatBlockCapability, formatFailedTag, formatOpenTag, parseSweepRequest, SWEEP_SESSION_FACTOR, toSpans } from '../../ftp/sweep-protocol.js';
import type { ServerContext } from '../context.js';
import type { Session } from '../session.js';
import { openPassive, replyPassive } from './passive.js';

/** Token connections left for the client to close, at most (beyond: we send the FIN). */
const LIVE_CONNECTIONS = 512;

/**
 * Sweep listeners the server may hold, for all sessions together (limits.sweepListenerBudget:
 * by default the open-files limit less a reserve for sessions and files, src/net/open-files.ts).
 * A block is at most half of it, so one client's next block can open while its current one is
 * dialled; beyond the budget a block gets 425 and the client asks for a smaller one.
 */
function budgetOf(session: Session): { budget: number; blockMax: number; text: string } {
  const budget = session.server.limits.sweepListenerBudget;
  return { budget, blockMax: blockMaxFor(budget), text: `a budget of ${budget} sweep listeners; ${describeOpenFilesLimit(readOpenFilesLimit())}` };
}
/** Sweep listeners open per server (a process may run more than one, e.g. in tests). */
const listening = new WeakMap<ServerContext, number>();
/** Blocks still closing after their DONE, per server: their listeners still count. */
const closingBlocks = new WeakMap<ServerContext, Set<Promise<void>>>();
/** How long a block over the budget waits for blocks that are closing (DONE) to finish. */
const CLOSING_WAIT_MS = 2_000;
/** Listeners opened in one go before connections waiting on open blocks are served. */
const LISTEN_SLICE = 64;
/** The busy ports named in a reply, at most (the open tag is what the client trusts). */
const BUSY_NAMED = 16;

class SweepBlock {
  private readonly listeners = new Map<number, Listener>();
  private readonly connections = new Set<Connection>();
  readonly foreign = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  tokens = 0;
  /** The control peer's address as data connections from it spell it (e.g. IPv4-mapped). */
  private peerAsSeen: string | undefined;
  /** Listeners that could not be opened for another reason than a busy port (EMFILE, …). */
  failed = 0;

  constructor(
    private readonly session: Session,
    private readonly onIdle: () => void,
  ) {}

  /** Budget counted for this block (its span), returned once when it closes. */
  budgeted = 0;

  unbudget(): void {
    const server = this.session.server;
    listening.set(server, Math.max(0, (listening.get(server) ?? 0) - this.budgeted));
    this.budgeted = 0;
  }

  get ports(): number[] {
    return [...this.listeners.keys()].sort((a, b) => a - b);
  }

  /** Listen on every port of `ports` this server can give; the rest are busy. */
  async open(ports: readonly number[]): Promise<void> {
    for (let index = 0; index < ports.length && !this.closing; index += LISTEN_SLICE) {
      // Between slices, connections to blocks already open are accepted and get their tokens: a
      // client opens its next block while it dials the current one, whose tokens would otherwise
      // wait behind every listen() of the next block (on a busy machine, past the data timeout).
      if (index > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      await this.openSlice(ports.slice(index, index + LISTEN_SLICE));
    }
    this.arm();
  }

  private async openSlice(ports: readonly number[]): Promise<void> {
    const { server } = this.session;
    await Promise.all(
      ports.map(async (port) => {
        if (!server.ports.claim(port)) return;
        try {
          // Write-only: a token connection is never read, so the client's reset costs us no wake-up.
          const listener = await server.network.listen({ host: this.session.localAddress, port, backlog: 64, writeOnly: true }, (connection) => this.incoming(port, connection));
          // DONE or the session's end may have come while listen() was pending.
          if (this.closing) {
            await listener.close();
            server.ports.release(port);
          } else {
            this.listeners.set(port, listener);
          }
        } catch (error) {
          server.ports.release(port);
          const code = (error as { code?: string }).code;
          if (code !== 'EADDRINUSE' && code !== 'EACCES') {
            this.failed += 1;
            // One line per block, not one per port: a block may hold thousands.
            if (this.failed === 1) this.session.log('warn', 'data', `sweep listener on ${port} failed: ${(error as Error).message}`, { port });
          }
        }
      }),
    );
  }

  /** (Re)start the idle deadline; refresh() keeps it cheap, as it runs once per connection. */
  private arm(): void {
    if (this.closing) return;
    if (this.timer) this.timer.refresh();
    else this.timer = setTimeout(() => this.onIdle(), this.session.server.limits.pasvAcceptTimeoutMs);
  }

  private incoming(port: number, connection: Connection): void {
    connection.on('error', () => {});
    if (this.closing) {
      connection.destroy();
      return;
    }
    // This runs once per port of a sweep: kept lean (no timer per connection).
    this.connections.add(connection);
    connection.once('close', () => this.connections.delete(connection));
    const remote = connection.remoteAddress;
    if (remote === undefined) {
      // Reset by the client before we got to it (it stopped waiting for the token): gone, not a
      // connection from another address.
      connection.destroy();
      return;
    }
    // One address string for thousands of connections: compared once, then recognised as is.
    const source = remote === this.peerAsSeen ? this.session.peer : normalizeAddress(remote);
    if (source !== this.session.peer && !sameAddress(source, this.session.peer)) {
      this.foreign.add(source);
      this.session.log('warn', 'data', `sweep connection from ${source} to ${port} refused: control peer is ${this.session.peer}`, { port, source });
      // A FIN, not a reset (as PassiveChannel does), and no token.
      connection.end(() => connection.destroy());
      return;
    }
    this.peerAsSeen = remote;
    this.tokens += 1;
    this.arm();
    const token = formatDataToken({ session: this.session.id, port });
    // The client closes (with a reset) once it has read the token, which spares our FIN and the
    // exchange after it. The listener is write-only, so we never hear that reset: every
    // connection is kept until the block closes, and beyond a bound (a client opening more
    // connections than the block has ports) we end new ones at once, so descriptors stay bounded.
    if (this.connections.size > LIVE_CONNECTIONS) connection.end(token, () => connection.destroy());
    else connection.write(token);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      clearTimeout(this.timer);
      for (const connection of this.connections) connection.destroy();
      const listeners = [...this.listeners];
      this.listeners.clear();
      await Promise.all(
        listeners.map(async ([port, listener]) => {
          await listener.close().catch(() => {});
          this.session.server.ports.release(port);
        }),
      );
      this.unbudget();
    })();
    return this.closing;
  }
}

interface SweepState {
  block: SweepBlock | undefined;
  /** Block listeners opened by this session in all (bounded: SWEEP_SESSION_FACTOR × range). */
  opened: number;
}

const states = new WeakMap<Session, SweepState>();

function stateOf(session: Session): SweepState {
  let state = states.get(session);
  if (!state) {
    const created: SweepState = { block: undefined, opened: 0 };
    states.set(session, created);
    // The session's end closes its block, whatever else happens.
    void session.closed.then(() => closeBlock(session, created, 'the session ended'));
    state = created;
  }
  return state;
}

async function closeBlock(session: Session, state: SweepState, why: string): Promise<SweepBlock | undefined> {
  const block = state.block;
  state.block = undefined;
  if (!block) return undefined;
  const closing = block.close();
  let set = closingBlocks.get(session.server);
  if (!set) closingBlocks.set(session.server, (set = new Set()));
  set.add(closing);
  await closing;
  set.delete(closing);
  session.log('info', 'data', `sweep block closed (${why}): ${block.tokens} token(s) sent${block.foreign.size > 0 ? `, refused ${[...block.foreign].join(', ')}` : ''}`);
  return block;
}

export async function siteSweep(session: Session, argument: string): Promise<void> {
  const request = parseSweepRequest(argument);
  if (!request) return session.reply(504, 'SITE command not understood (SITE SWEEP only).');
  if (!session.loggedIn) return session.reply(530, 'Please log in with USER and PASS first.');
  const options = session.server.options;
  if (!options.allowSweep) return session.reply(502, 'SITE SWEEP is not enabled (start the server with --allow-sweep).');
  const range = options.pasvRange;
  if (!range) return session.reply(504, 'SITE SWEEP needs a configured passive range.');
  const state = stateOf(session);
  const { budget, blockMax, text: limitText } = budgetOf(session);
  const usage = `SITE SWEEP takes a port or a block FROM-TO inside the passive range ${range.from}-${range.to}`;

  if (request.kind === 'done') {
    const block = state.block;
    if (!block) return session.reply(200, 'No sweep block was open.');
    // The block stops taking connections at once (its counts are final); closing its listeners
    // goes on after the reply, so the client's next block does not wait for up to 256 close()s.
    void closeBlock(session, state, 'DONE');
    const foreign = block.foreign.size > 0 ? `; refused connections from ${[...block.foreign].join(', ')} (the control connection came from ${session.peer})` : '';
    return session.reply(200, `Sweep block closed: ${block.tokens} token(s) sent${foreign}.`);
  }
  await closeBlock(session, state, 'the next SITE SWEEP');
  if (request.kind === 'probe' || request.kind === 'invalid') {
    return session.reply(501, `${usage} (at most ${blockMax} ports at once: ${limitText}). ${formatBlockCapability({ max: blockMax, idleMs: session.server.limits.pasvAcceptTimeoutMs })}`);
  }
  if (request.kind === 'port') {
    if (request.port < range.from || request.port > range.to) return session.reply(501, `${usage}.`);
    const channel = await openPassive(session, request.port);
    if (channel) await replyPassive(session, channel.port);
    return;
  }
  const { from, to } = request;
  if (from > to || from < range.from || to > range.to) return session.reply(501, `${usage}.`);
  if (to - from + 1 > blockMax) return session.reply(501, `A sweep block holds at most ${blockMax} ports here (${limitText}).`);
  const cap = SWEEP_SESSION_FACTOR * (range.to - range.from + 1);
  if (state.opened + (to - from + 1) > cap) {
    return session.reply(425, `This session has opened ${state.opened} sweep listeners; the limit is ${cap} (${SWEEP_SESSION_FACTOR}× the passive range). Open a new session.`);
  }
  if ((listening.get(session.server) ?? 0) + (to - from + 1) > budget) {
    // A client's previous block may still be closing after its DONE: wait for it, bounded.
    const closing = [...(closingBlocks.get(session.server) ?? [])];
    if (closing.length > 0) await Promise.race([Promise.all(closing), new Promise((resolve) => setTimeout(resolve, CLOSING_WAIT_MS).unref())]);
  }
  const inUse = listening.get(session.server) ?? 0;
  if (inUse + (to - from + 1) > budget) {
    return session.reply(425, `This server holds ${inUse} sweep listeners; ${to - from + 1} more would pass its budget (${limitText}). Ask for a smaller block.`);
  }
  const wanted = Array.from({ length: to - from + 1 }, (_, index) => from + index);
  state.opened += wanted.length;
  const block: SweepBlock = new SweepBlock(session, () => {
    if (state.block === block) void closeBlock(session, state, 'idle deadline');
  });
  block.budgeted = wanted.length;
  listening.set(session.server, inUse + wanted.length);
  state.block = block;
  await block.open(wanted);
  if (state.block !== block) return session.reply(425, 'The sweep block was closed while it opened.');
  const open = block.ports;
  const openSet = new Set(open);
  const busy = wanted.filter((port) => !openSet.has(port));
  const busyText = busy.length === 0 ? 'none busy' : `busy: ${toSpans(busy).slice(0, BUSY_NAMED).map((span) => (span.from === span.to ? `${span.from}` : `${span.from}-${span.to}`)).join(',')}`;
  session.log('info', 'data', `sweep block ${from}-${to}: ${open.length} listening, ${busy.length} busy`, { port: from });
  await session.reply(200, `Sweep block ${from}-${to}: ${open.length} listening, ${busyText}. ${formatOpenTag(open)}${formatFailedTag(block.failed)}`);
}
