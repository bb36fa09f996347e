/**
 * The FTP inspection helper (ALG) attached to one tracked control connection at one host,
 * modelled on nf_conntrack_ftp + nf_nat_ftp:
 * - every written chunk is one segment; only a segment that begins right after a newline in its
 *   direction is parsed (the kernel's seq_aft_nl check), and only its first line;
 * - PORT/EPRT from the client and 227/229 from the server create an expectation for the data
 *   connection, unless the address in the text is not the sender's own (loose=0: "NOT RECORDING");
 * - with rewriting (nf_nat_ftp) the address text is replaced by the NATed address and the
 *   expectation carries the translation back to the real endpoint.
 * It is blind to TLS because ciphertext does not parse, not because it knows about TLS.
 */
import type { FtpHelper } from '../../topology/model.js';
import type { TraceEntry } from '../../evidence/record.js';
import { formatEndpoint, sameAddress, type Endpoint } from './address.js';
import type { Conntrack, Track } from './conntrack.js';
import { observeSegment, rewriteSegment, type Observation, type Sender } from './ftp-segment.js';
import net from 'node:net';

export interface HelperContext {
  /** The firewall's name, for the trace. */
  at: string;
  conntrack: Conntrack;
  /** nf_nat_ftp is active here: rewrite addresses that NAT changed. */
  rewrite: boolean;
  record(entry: Omit<TraceEntry, 't'>): void;
}

export interface Inspected {
  segment: Buffer;
  /** Set when the helper resets the control connection (blockAuthTls). */
  reset?: string;
}

export function watchesPort(helper: FtpHelper, port: number): boolean {
  return (helper.ports ?? [21]).includes(port);
}

export class FtpInspector {
  /** Like a fresh conntrack entry, the first segment in each direction counts as a line start. */
  private readonly lineStart: Record<Sender, boolean> = { client: true, server: true };

  constructor(
    private readonly helper: FtpHelper,
    private readonly track: Track,
    private readonly context: HelperContext,
  ) {}

  inspect(segment: Buffer, sender: Sender): Inspected {
    if (segment.length === 0) return { segment };
    const atLineStart = this.lineStart[sender];
    this.lineStart[sender] = segment[segment.length - 1] === 0x0a;
    if (!atLineStart) return { segment };
    const observation = observeSegment(segment, sender, { epsv: this.helper.epsv !== false });
    if (!observation) return { segment };
    if (observation.kind === 'auth-tls') return this.onAuth(segment, observation.command);
    return { segment: sender === 'client' ? this.onActive(segment, observation) : this.onPassive(segment, observation) };
  }

  private onAuth(segment: Buffer, command: string): Inspected {
    if (!this.helper.blockAuthTls) return { segment };
    const reason = `ftp helper blocks ${command.trim()}`;
    this.context.record({ at: this.context.at, connection: this.track.label, decision: 'reject', rule: 'ftp helper: AUTH TLS blocked', detail: `${reason}: control connection reset` });
    return { segment, reset: reason };
  }

  /** PORT/EPRT: the server will dial the address in the text. */
  private onActive(segment: Buffer, observation: Observation): Buffer {
    if (observation.kind !== 'port' && observation.kind !== 'eprt') return segment;
    const { original, reply } = this.track;
    if (!sameAddress(observation.host, original.src.address)) return this.notRecorded(observation, original.src.address, segment);
    // What the server sees as the client's address (after source NAT).
    const translated = reply.dst.address;
    const natted = !sameAddress(translated, original.src.address);
    const dst: Endpoint = { address: translated, port: observation.port };
    const translate = this.context.rewrite && natted ? { address: original.src.address, port: observation.port } : undefined;
    this.expect(dst, reply.src.address, translate, observation);
    return translate ? this.mangle(segment, observation, translated, observation.port) : segment;
  }

  /** 227/229: the client will dial the server's address (229: the control connection's). */
  private onPassive(segment: Buffer, observation: Observation): Buffer {
    if (observation.kind !== 'pasv' && observation.kind !== 'epsv') return segment;
    const { original, reply } = this.track;
    if (observation.kind === 'pasv' && !sameAddress(observation.host, reply.src.address)) {
      return this.notRecorded(observation, reply.src.address, segment);
    }
    // What the client dialled to reach the server (before destination NAT).
    const dialled = original.dst.address;
    const natted = !sameAddress(dialled, reply.src.address);
    const dst: Endpoint = { address: dialled, port: observation.port };
    const translate = this.context.rewrite && natted ? { address: reply.src.address, port: observation.port } : undefined;
    this.expect(dst, original.src.address, translate, observation);
    return translate && observation.kind === 'pasv' ? this.mangle(segment, observation, dialled, observation.port) : segment;
  }

  private expect(dst: Endpoint, src: string, translate: Endpoint | undefined, observation: Observation): void {
    const reason = `${describe(observation)} on ${this.track.label}`;
    this.context.conntrack.expect({ src, dst, master: this.track, reason, ...(translate ? { translate } : {}) });
    this.context.record({
      at: this.context.at,
      connection: this.track.label,
      decision: 'expect',
      rule: 'ftp helper',
      detail: `expect ${src} -> ${formatEndpoint(dst)}${translate ? ` (to ${formatEndpoint(translate)})` : ''} from ${describe(observation)}`,
    });
  }

  private notRecorded(observation: Observation, sender: string, segment: Buffer): Buffer {
    this.context.record({
      at: this.context.at,
      connection: this.track.label,
      decision: 'expect',
      rule: 'ftp helper',
      detail: `not recorded: ${describe(observation)} names another address than the sender ${sender}`,
    });
    return segment;
  }

  private mangle(segment: Buffer, observation: Observation, host: string, port: number): Buffer {
    // 227 and PORT can only carry IPv4; the kernel leaves what it cannot express alone.
    if ((observation.kind === 'pasv' || observation.kind === 'port') && !net.isIPv4(host)) return segment;
    const rewritten = rewriteSegment(segment, observation, host, port);
    this.context.record({
      at: 'nat',
      connection: this.track.label,
      decision: 'rewrite',
      rule: 'nf_nat_ftp',
      detail: `${firstLine(segment)} => ${firstLine(rewritten)}`,
    });
    return rewritten;
  }
}

function describe(observation: Observation): string {
  switch (observation.kind) {
    case 'port':
      return `PORT ${observation.host}:${observation.port}`;
    case 'eprt':
      return `EPRT ${formatEndpoint({ address: observation.host, port: observation.port })}`;
    case 'pasv':
      return `227 ${observation.host}:${observation.port}`;
    case 'epsv':
      return `229 port ${observation.port}`;
    case 'auth-tls':
      return observation.command;
  }
}

function firstLine(segment: Buffer): string {
  return segment.toString('latin1').split('\n')[0]?.replace(/\r$/, '') ?? '';
}
