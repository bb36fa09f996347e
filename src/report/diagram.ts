/**
 * The SVG sequence diagram of a probe: lanes for the client, every firewall/NAT hop the run knows
 * about (from the trace and from ConnectionEvent.decidedBy) and the server; control-channel lines
 * and connection attempts in time order; a failed connection stops with an ✗ at the hop that
 * killed it, with the sentence saying so. Input is already sanitised; every string is escaped.
 */
import type { ConnectionEvent, TraceEntry, TranscriptLine } from './model.js';
import { escapeHtml as esc } from './escape.js';
import { connectionFailed, decidingEntry, describeFailure, hopLabel, traceFor, truncate } from './format.js';
import { wrapText } from './wrap.js';

export interface DiagramInput {
  connections: readonly ConnectionEvent[];
  transcript: readonly TranscriptLine[];
  trace: readonly TraceEntry[];
}

interface Lane {
  key: string;
  label: string;
  x: number;
}

const WIDTH = 980;
const GUTTER = 64; // timestamps on the left
const MARGIN = 80;
const HEADER = 56;
const CHAR = 6.8; // average glyph width of the 12px label font, for fitting text without measuring
const BOLD_CHAR = 7.3;
const MAX_CONTROL_LINES = 120;

/** The hop named in "dropped by edge firewall: no rule matched" → "edge firewall". */
export function hopFromDecision(decidedBy: string): string | undefined {
  const match = /\bby (?:the )?([^:,;()]+?)\s*(?:[:,;(]|$)/i.exec(decidedBy);
  return match?.[1] ? hopLabel(match[1].trim()) : undefined;
}

function laneRank(label: string): number {
  const lower = label.toLowerCase();
  if (lower.startsWith('client')) return 0;
  if (lower.startsWith('server')) return 3;
  // The edge router translates before it filters (prerouting DNAT, then the forward chain).
  if (lower.includes('nat')) return 1;
  return 2;
}

/** Lanes in path order: client, client-side hops, NAT, edge hops, server-side hops, server. */
export function buildLanes(input: DiagramInput): Lane[] {
  const hops: string[] = [];
  const add = (label: string | undefined): void => {
    if (label && !hops.some((hop) => hop.toLowerCase() === label.toLowerCase())) hops.push(label);
  };
  for (const entry of input.trace) add(hopLabel(entry.at));
  for (const event of input.connections) if (event.decidedBy) add(hopFromDecision(event.decidedBy));
  const ordered = hops.map((label, index) => ({ label, index })).sort((a, b) => laneRank(a.label) - laneRank(b.label) || a.index - b.index);
  const middle = ordered.length > 0 ? ordered.map(({ label }) => label) : ['network'];
  const labels = ['client', ...middle, 'server'];
  const step = (WIDTH - GUTTER - 2 * MARGIN) / (labels.length - 1);
  return labels.map((label, index) => ({ key: label.toLowerCase(), label, x: Math.round(GUTTER + MARGIN + index * step) }));
}

/** A control-channel message: one line, or every line of a multi-line reply ("211-…" to "211 End"). */
export interface Message {
  line: TranscriptLine;
  /** The lines after the first of a multi-line reply. */
  more: TranscriptLine[];
}

type Row = { t: number; order: number } & ({ kind: 'line'; message: Message } | { kind: 'connection'; event: ConnectionEvent });

/** The most lines one reply may gather (a FEAT reply has a dozen): a runaway reply ends the group. */
const MAX_REPLY_LINES = 200;

/**
 * Control lines as messages: the lines of a multi-line reply (RFC 959 §4.2: "211-" up to the line
 * that starts "211 ") become one message, one arrow in the diagram. Sessions interleave in the
 * transcript, so a reply is gathered per session.
 */
export function controlMessages(transcript: readonly TranscriptLine[]): Message[] {
  const messages: Message[] = [];
  const open = new Map<string, { message: Message; code: string }>();
  for (const line of transcript) {
    if (line.channel !== 'control' || line.direction === '*') continue;
    const pending = open.get(line.session);
    if (pending && line.direction === '<' && pending.message.more.length < MAX_REPLY_LINES) {
      pending.message.more.push(line);
      if (line.text === pending.code || line.text.startsWith(`${pending.code} `)) open.delete(line.session);
      continue;
    }
    open.delete(line.session);
    const message: Message = { line, more: [] };
    messages.push(message);
    const start = line.direction === '<' ? /^(\d{3})-/.exec(line.text) : null;
    if (start?.[1]) open.set(line.session, { message, code: start[1] });
  }
  return messages;
}

function rowsOf(input: DiagramInput): { rows: Row[]; omitted: number } {
  const messages = controlMessages(input.transcript);
  const shown = messages.slice(0, MAX_CONTROL_LINES);
  const rows: Row[] = [
    ...shown.map((message, order): Row => ({ t: message.line.t, order, kind: 'line', message })),
    ...input.connections.map((event, order): Row => ({ t: event.t, order: order - 0.5, kind: 'connection', event })),
  ];
  // Time order; at equal times a connection comes before the lines sent over it.
  rows.sort((a, b) => a.t - b.t || (a.kind === b.kind ? a.order - b.order : a.kind === 'connection' ? -1 : 1));
  return { rows, omitted: messages.length - shown.length };
}

function hostOf(endpoint: string): string {
  const bracketed = /^\[([^\]]+)\]/.exec(endpoint);
  if (bracketed?.[1]) return bracketed[1];
  const colon = endpoint.lastIndexOf(':');
  return colon > 0 && endpoint.indexOf(':') === colon ? endpoint.slice(0, colon) : endpoint;
}

interface Hosts {
  client: ReadonlySet<string>;
  server: ReadonlySet<string>;
}

/**
 * Active-mode data connections travel from the server to the client. Known from the session name
 * (our client names active sessions after PORT/EPRT), a source port of 20, or a source that is
 * the server and not the client (on loopback both are 127.0.0.1, so that alone proves nothing).
 */
function fromServer(event: ConnectionEvent, hosts: Hosts): boolean {
  if (event.purpose !== 'data') return false;
  if (/\b(port|eprt|active)\b/i.test(event.session) || /:20$/.test(event.from)) return true;
  const source = hostOf(event.from);
  return hosts.server.has(source) && !hosts.client.has(source);
}

function fitted(text: string, widthPx: number): string {
  return truncate(text, Math.max(8, Math.floor(widthPx / CHAR)));
}

/** Word wrap (wrap.ts) into at most maxLines lines of maxChars; the last line is cut with "…". */
export function wrapWords(text: string, maxChars: number, maxLines: number): string[] {
  const width = Math.max(8, maxChars);
  const lines = wrapText(text.replace(/\s+/g, ' ').trim(), width).filter(Boolean);
  const kept = lines.slice(0, maxLines).map((line) => truncate(line, width));
  if (lines.length > maxLines) kept[maxLines - 1] = truncate(`${kept[maxLines - 1]} ${lines.slice(maxLines).join(' ')}`, width);
  return kept;
}

function arrowLine(x1: number, x2: number, y: number, cls: string, marker: string): string {
  return `<line class="${cls}" x1="${x1}" y1="${y}" x2="${x2}" y2="${y}" marker-end="url(#${esc(marker)})"/>`;
}

function label(x: number, y: number, text: string, cls: string, anchor: 'start' | 'middle' | 'end', full = text): string {
  const title = full !== text ? `<title>${esc(full)}</title>` : '';
  return `<text class="${cls}" x="${x}" y="${y}" text-anchor="${anchor}">${title}${esc(text)}</text>`;
}

function timeLabel(t: number, y: number): string {
  return label(GUTTER - 8, y + 4, `+${(t / 1000).toFixed(2)} s`, 'time', 'end');
}

const DECISION_MARK: Record<TraceEntry['decision'], string> = {
  accept: '✓', drop: '✗', reject: '✗', dnat: '⇄', snat: '⇄', expect: '◎', rewrite: '✎', timeout: '⌛',
};

/** Everything drawn for one connection attempt; returns the SVG and the height it used. */
function connectionRow(event: ConnectionEvent, y: number, lanes: Lane[], input: DiagramInput, hosts: Hosts, tagSessions: boolean, ids: string): [string, number] {
  const client = lanes[0] as Lane;
  const server = lanes[lanes.length - 1] as Lane;
  const reversed = fromServer(event, hosts);
  const [origin, target] = reversed ? [server, client] : [client, server];
  const failed = connectionFailed(event);
  const purpose = event.purpose === 'control' ? 'control' : 'data';
  const session = tagSessions ? `[${event.session}] ` : '';
  const heading = `${session}${purpose} ${event.from} → ${event.to}`;
  const parts: string[] = [timeLabel(event.t, y)];
  const ownTrace = traceFor(event, input.trace);
  for (const entry of ownTrace) {
    const lane = lanes.find((candidate) => candidate.key === hopLabel(entry.at).toLowerCase());
    if (!lane || entry.decision === 'drop' || entry.decision === 'reject') continue;
    parts.push(`<g class="hop-mark"><title>${esc(`${hopLabel(entry.at)}: ${entry.decision} (${entry.rule})${entry.detail ? ` ${entry.detail}` : ''}`)}</title><circle cx="${lane.x}" cy="${y}" r="8"/><text x="${lane.x}" y="${y + 4}" text-anchor="middle">${DECISION_MARK[entry.decision]}</text></g>`);
  }
  if (!failed) {
    const bytes = event.bytes !== undefined ? `, ${event.bytes} bytes` : '';
    const text = `${heading}: ${event.outcome}${bytes}`;
    parts.unshift(arrowLine(origin.x, target.x + (reversed ? 6 : -6), y, `conn ${purpose}`, `${ids}-arrow-${purpose}`));
    parts.push(label((origin.x + target.x) / 2, y - 7, fitted(text, Math.abs(target.x - origin.x)), `conn-label ${purpose}`, 'middle', text));
    return [parts.join(''), 40];
  }
  // Where it died: the named hop, else the far end when something answered, else mid-path.
  const hop = event.decidedBy ? hopFromDecision(event.decidedBy) : undefined;
  const entry = decidingEntry(event, input.trace);
  const hopKey = (hop ?? (entry ? hopLabel(entry.at) : undefined))?.toLowerCase();
  const lane = lanes.find((candidate) => candidate.key === hopKey);
  const answered = event.outcome !== 'timeout' && event.outcome !== 'unreachable';
  const deathX = lane ? lane.x : answered ? target.x : Math.round((origin.x + target.x) / 2);
  const sentence = describeFailure(event, input.trace);
  parts.unshift(`<line class="conn failed" x1="${origin.x}" y1="${y}" x2="${deathX}" y2="${y}"/>`);
  parts.push(`<g class="death"><title>${esc(sentence)}</title><circle cx="${deathX}" cy="${y}" r="11"/><text x="${deathX}" y="${y + 5}" text-anchor="middle">✗</text></g>`);
  // The heading runs from the origin toward the far end, above the ✗, so a short stub still gets a readable label.
  const headingX = reversed ? origin.x - 6 : origin.x + 6;
  parts.push(label(headingX, y - 15, fitted(heading, Math.abs(target.x - origin.x) - 12), `conn-label ${purpose}`, reversed ? 'end' : 'start', heading));
  // The reason sits where the connection would have continued; when there is no room on that
  // side it goes under the dashed line instead of over it.
  const roomRight = WIDTH - 12 - (deathX + 18);
  const right = roomRight >= 220;
  const room = right ? roomRight : deathX - 18 - GUTTER;
  const lines = wrapWords(sentence, Math.floor(room / BOLD_CHAR), 3);
  const x = right ? deathX + 18 : deathX - 18;
  const firstY = right ? y + 4 : y + 26;
  const spans = lines.map((line, index) => `<tspan x="${x}" dy="${index === 0 ? 0 : 15}">${esc(line)}</tspan>`).join('');
  parts.push(`<text class="failure-label" x="${x}" y="${firstY}" text-anchor="${right ? 'start' : 'end'}"><title>${esc(sentence)}</title>${spans}</text>`);
  return [parts.join(''), Math.max(44, firstY - y + 12 + lines.length * 15)];
}

function lineRow(message: Message, y: number, lanes: Lane[], tagSessions: boolean, ids: string): [string, number] {
  const { line, more } = message;
  const client = lanes[0] as Lane;
  const server = lanes[lanes.length - 1] as Lane;
  const outgoing = line.direction === '>';
  const [x1, x2] = outgoing ? [client.x, server.x - 5] : [server.x, client.x + 5];
  const last = more[more.length - 1];
  const shown = last ? `${line.text} … ${last.text} (${more.length + 1} lines)` : line.text;
  const text = `${tagSessions ? `[${line.session}] ` : ''}${shown}`;
  const full = last ? [line, ...more].map((part) => part.text).join('\n') : text;
  const anchorX = outgoing ? client.x + 10 : server.x - 10;
  return [
    `${timeLabel(line.t, y)}${arrowLine(x1, x2, y, `msg ${outgoing ? 'out' : 'in'}`, `${ids}-arrow-msg`)}${label(anchorX, y - 5, fitted(text, server.x - client.x - 20), 'msg-label', outgoing ? 'start' : 'end', full)}`,
    28,
  ];
}

/**
 * The sequence diagram as an inline <svg> element (no external references). `ids` prefixes the
 * marker ids: a page with several diagrams needs them unique, or every diagram borrows the first
 * one's markers (and loses them when that one is hidden in a closed <details>).
 */
export function renderSequenceDiagram(input: DiagramInput, title: string, ids = 'diagram'): string {
  const lanes = buildLanes(input);
  const control = input.connections.filter((event) => event.purpose === 'control');
  const hosts: Hosts = { client: new Set(control.map((event) => hostOf(event.from))), server: new Set(control.map((event) => hostOf(event.to))) };
  const sessions = new Set([...input.connections.map((event) => event.session), ...input.transcript.map((line) => line.session)]);
  const tagSessions = sessions.size > 1;
  const { rows, omitted } = rowsOf(input);
  const body: string[] = [];
  let y = HEADER + 30;
  for (const row of rows) {
    const [svg, height] = row.kind === 'connection' ? connectionRow(row.event, y, lanes, input, hosts, tagSessions, ids) : lineRow(row.message, y, lanes, tagSessions, ids);
    body.push(svg);
    y += height;
  }
  if (rows.length === 0) {
    body.push(label(WIDTH / 2, y, 'No connections were recorded.', 'msg-label', 'middle'));
    y += 28;
  }
  if (omitted > 0) {
    body.push(label(WIDTH / 2, y, `… ${omitted} more control messages in the transcript below`, 'msg-label', 'middle'));
    y += 28;
  }
  const height = y + 10;
  const heads = lanes
    .map((lane) => {
      const boxWidth = Math.max(84, lane.label.length * 8 + 20);
      const kind = lane.key === 'client' || lane.key === 'server' ? 'host' : lane.key === 'network' ? 'hop unknown' : 'hop';
      return `<g class="lane ${kind}"><line class="lifeline" x1="${lane.x}" y1="${HEADER}" x2="${lane.x}" y2="${height - 6}"/><rect x="${lane.x - boxWidth / 2}" y="12" width="${boxWidth}" height="${HEADER - 20}" rx="8"/><text x="${lane.x}" y="${HEADER / 2 + 8}" text-anchor="middle">${esc(lane.label)}</text></g>`;
    })
    .join('');
  const markers = ['control', 'data', 'msg']
    .map((name) => `<marker id="${esc(ids)}-arrow-${name}" class="marker-${name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker>`)
    .join('');
  return [
    `<svg class="sequence" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="${esc(title)}">`,
    `<title>${esc(title)}</title><defs>${markers}</defs>`,
    heads,
    body.join('\n'),
    '</svg>',
  ].join('\n');
}
