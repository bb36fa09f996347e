/**
 * Does the server refuse a login without TLS? Asked without risking the password: open a plain
 * control connection, send only `USER`, and read the answer. Servers that require TLS refuse right
 * there (vsftpd 530 "Non-anonymous sessions must use encryption", ProFTPD 550 "SSL/TLS required",
 * IIS 534 "Policy requires SSL"); a 331 or 230 means the server would take the password in clear
 * text, and we stop before sending it.
 */
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { Recorder } from '../client/recorder.js';
import { openControl } from '../client/control.js';
import type { Network } from '../net/network.js';
import { parseTarget, type ProbeOptions } from '../probe/options.js';

export type PlainUserAnswer =
  | { outcome: 'refused'; reply: string } // 4xx/5xx to USER: TLS is required
  | { outcome: 'accepted'; reply: string } // 331/230: a plain login would go through
  | { outcome: 'unknown'; reason: string }; // no answer to judge by

export async function askUserWithoutTls(options: Pick<ProbeOptions, 'url' | 'user' | 'tls'>, network: Network, timeoutMs: number): Promise<PlainUserAnswer> {
  const target = parseTarget({ ...options, password: '' });
  const host = net.isIP(target.host) !== 0 ? target.host : (await lookup(target.host)).address;
  const recorder = new Recorder();
  const opened = await openControl({ network, recorder, session: 'plain-user', host, port: target.port, connectTimeoutMs: timeoutMs, replyTimeoutMs: timeoutMs });
  const control = opened.control;
  if (!control) return { outcome: 'unknown', reason: `the plain control connection did not open (${opened.outcome})` };
  try {
    const greeting = await control.greeting().final(timeoutMs);
    if (greeting.reply.code !== 220) return { outcome: 'unknown', reason: `greeting ${greeting.reply.code}` };
    const reply = await control.command('USER', target.user, timeoutMs);
    const text = `${reply.code} ${reply.message.split('\n')[0] ?? ''}`.trim();
    if (reply.code === 331 || reply.code === 332 || reply.code === 230) return { outcome: 'accepted', reply: text };
    return { outcome: 'refused', reply: text };
  } catch (error) {
    return { outcome: 'unknown', reason: error instanceof Error ? error.message : String(error) };
  } finally {
    // Never a PASS: QUIT and go.
    await control.close(Math.min(timeoutMs, 1000)).catch(() => control.destroy());
  }
}
