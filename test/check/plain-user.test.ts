/**
 * requireTls is proved with USER alone: whatever the server answers, no PASS is ever sent on a
 * plain connection. A scripted server records every line it receives.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { askUserWithoutTls } from '../../src/check/plain-user.js';
import { realNetwork } from '../../src/net/real.js';

let server: net.Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

async function scripted(userReply: string): Promise<{ port: number; received: string[] }> {
  const received: string[] = [];
  server = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.write('220 scripted\r\n');
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      for (let newline = buffer.indexOf('\n'); newline >= 0; newline = buffer.indexOf('\n')) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        received.push(line);
        if (line.startsWith('USER')) socket.write(`${userReply}\r\n`);
        else if (line === 'QUIT') socket.end('221 bye\r\n');
        else socket.write('230 ok\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, received };
}

describe('askUserWithoutTls', () => {
  it.each([
    ['331 Please specify the password.', 'accepted'],
    ['230 Logged in.', 'accepted'],
    ['530 Non-anonymous sessions must use encryption.', 'refused'],
    ['534 Policy requires SSL.', 'refused'],
    ['550 SSL/TLS required on the control channel', 'refused'],
  ])('USER answered "%s" → %s, and no password is sent', async (reply, outcome) => {
    const { port, received } = await scripted(reply);
    const answer = await askUserWithoutTls({ url: `ftpes://deploy@127.0.0.1:${port}/` }, realNetwork, 2000);
    expect(answer.outcome).toBe(outcome);
    expect(received[0]).toBe('USER deploy');
    expect(received.some((line) => line.toUpperCase().startsWith('PASS'))).toBe(false);
  });
});
