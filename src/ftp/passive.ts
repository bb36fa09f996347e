/**
 * Data-connection addressing: PASV (227), EPSV (229), PORT and EPRT (RFC 959, RFC 2428).
 * Parsers are tolerant of the forms servers really send and strict about impossible values: a
 * malformed reply yields a typed error, never a throw and never a guessed address.
 */
import net from 'node:net';
import { failed, parsed, type Parsed } from './result.js';

export interface HostPort {
  host: string;
  port: number;
}

const SIX_NUMBERS = /(-?\d+)\s*,\s*(-?\d+)\s*,\s*(-?\d+)\s*,\s*(-?\d+)\s*,\s*(-?\d+)\s*,\s*(-?\d+)/;

/** Six comma-separated numbers h1..h4,p1,p2 → host and port, validated. */
function fromSixNumbers(text: string, what: string): Parsed<HostPort> {
  const match = SIX_NUMBERS.exec(text);
  if (!match) return failed(`${what}: no h1,h2,h3,h4,p1,p2 sequence found`);
  const numbers = match.slice(1, 7).map(Number);
  if (numbers.some((value) => !Number.isInteger(value) || value < 0)) return failed(`${what}: negative number in ${match[0]}`);
  if (numbers.some((value) => value > 255)) return failed(`${what}: value over 255 in ${match[0]}`);
  const [h1, h2, h3, h4, p1 = 0, p2 = 0] = numbers;
  const port = p1 * 256 + p2;
  if (port === 0) return failed(`${what}: port 0 in ${match[0]}`);
  return parsed({ host: `${h1}.${h2}.${h3}.${h4}`, port });
}

/**
 * Parse the message of a 227 reply. Accepts `(h,h,h,h,p,p)`, no parentheses, `=h,h,h,h,p,p`,
 * trailing text and multi-line messages; the first six-number group wins.
 */
export function parsePasvReply(message: string): Parsed<HostPort> {
  return fromSixNumbers(message, '227 reply');
}

export function formatPasvReply(host: string, port: number): string {
  return `Entering Passive Mode (${formatSixNumbers(host, port)})`;
}

function formatSixNumbers(host: string, port: number): string {
  if (!net.isIPv4(host)) throw new Error(`PASV/PORT need an IPv4 address, got ${host}`);
  assertPort(port);
  return `${host.split('.').join(',')},${port >> 8},${port & 0xff}`;
}

function assertPort(port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`not a TCP port: ${port}`);
}

/**
 * Parse the message of a 229 reply: `(<d><d><d>port<d>)` where <d> is any printable delimiter
 * (RFC 2428 §3 says the same character four times; `|` is usual, `!` is seen).
 */
export function parseEpsvReply(message: string): Parsed<number> {
  const match = /\(([\x21-\x7e])\1\1(-?\d+)\1\)/.exec(message);
  if (!match) {
    // Name what is wrong with a group that has the right shape (four delimiters), so the evidence
    // says "address field" or "port not a number" rather than a vaguer "no group".
    const shape = /\(([\x21-\x7e])([^)]*?)\1([^)]*?)\1([^)]*?)\1\)/.exec(message);
    if (shape && (shape[2] !== '' || shape[3] !== '')) {
      return failed('229 reply: the EPSV response has an address or network protocol field, which RFC 2428 leaves empty');
    }
    if (shape) return failed(`229 reply: port ${JSON.stringify((shape[4] ?? '').slice(0, 20))} is not a number`);
    return failed('229 reply: no (|||port|) group found');
  }
  const port = Number(match[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return failed(`229 reply: impossible port ${match[2]}`);
  return parsed(port);
}

export function formatEpsvReply(port: number): string {
  assertPort(port);
  return `Entering Extended Passive Mode (|||${port}|)`;
}

/** Parse a PORT argument `h1,h2,h3,h4,p1,p2` (strict: nothing else allowed). */
export function parsePortArgument(argument: string): Parsed<HostPort> {
  if (!/^\s*\d+(\s*,\s*\d+){5}\s*$/.test(argument)) return failed('PORT argument must be h1,h2,h3,h4,p1,p2');
  return fromSixNumbers(argument, 'PORT argument');
}

export function formatPortArgument(host: string, port: number): string {
  return formatSixNumbers(host, port);
}

/** Parse an EPRT argument `<d>proto<d>address<d>port<d>` (RFC 2428 §2). */
export function parseEprtArgument(argument: string): Parsed<HostPort & { family: 4 | 6 }> {
  const delimiter = argument[0];
  if (delimiter === undefined || !/[\x21-\x7e]/.test(delimiter) || /[0-9a-fA-F.:]/.test(delimiter)) {
    return failed('EPRT argument must start with a delimiter such as |');
  }
  const parts = argument.split(delimiter);
  if (parts.length !== 5 || parts[0] !== '' || parts[4] !== '') return failed('EPRT argument must be <d>proto<d>address<d>port<d>');
  const [, protocol, host = '', portText = ''] = parts;
  if (protocol !== '1' && protocol !== '2') return failed(`EPRT network protocol ${JSON.stringify(protocol)} is neither 1 (IPv4) nor 2 (IPv6)`);
  const family = protocol === '1' ? 4 : 6;
  if ((family === 4 && !net.isIPv4(host)) || (family === 6 && !net.isIPv6(host))) {
    return failed(`EPRT address ${JSON.stringify(host)} is not an IPv${family} address`);
  }
  if (!/^\d{1,5}$/.test(portText)) return failed(`EPRT port ${JSON.stringify(portText)} is not a number`);
  const port = Number(portText);
  if (port < 1 || port > 65535) return failed(`EPRT port ${port} is out of range`);
  return parsed({ family, host, port });
}

export function formatEprtArgument(host: string, port: number): string {
  assertPort(port);
  const family = net.isIPv4(host) ? 1 : net.isIPv6(host) ? 2 : 0;
  if (family === 0) throw new Error(`EPRT needs an IP address, got ${host}`);
  return `|${family}|${host}|${port}|`;
}

/** "10.0.0.5:50000", or "[::1]:50000" for IPv6. */
export function formatHostPort(host: string, port: number): string {
  return net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}
