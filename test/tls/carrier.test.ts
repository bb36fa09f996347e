/**
 * The TLS carrier end to end with node:tls on both sides: a TLS conversation, CCC, then clear
 * text on the same connection — over an in-memory pair that re-cuts the stream anywhere, over the
 * simulator's connections and over real loopback sockets, with TLS 1.2 and TLS 1.3.
 */
import { once } from 'node:events';
import net from 'node:net';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createSimulation, type Simulation } from '../../src/net/sim/index.js';
import type { Connection } from '../../src/net/network.js';
import { TlsCarrier } from '../../src/net/tls-carrier.js';
import { classifyRecordHeader, RECORD_HEADER_BYTES } from '../../src/net/tls-records.js';
import { certificate, rechunkingPair, TextReader, waitFor } from './helpers.js';

/** The bytes after the whole TLS records at the start of `wire`, as the carrier itself tells them. */
function afterTlsRecords(wire: Buffer): Buffer {
  let at = 0;
  while (classifyRecordHeader(wire.subarray(at, at + RECORD_HEADER_BYTES)) === 'record') at += RECORD_HEADER_BYTES + wire.readUInt16BE(at + 3);
  return wire.subarray(at);
}

type Version = 'TLSv1.2' | 'TLSv1.3';
const VERSIONS: Version[] = ['TLSv1.2', 'TLSv1.3'];

interface Ends {
  client: { carrier: TlsCarrier; app: import('node:stream').Duplex; reader: TextReader; socket: tls.TLSSocket };
  server: { carrier: TlsCarrier; app: import('node:stream').Duplex; reader: TextReader; socket: tls.TLSSocket };
}

async function secure(clientRaw: Connection, serverRaw: Connection, version: Version): Promise<Ends> {
  const { cert, key } = await certificate();
  const serverCarrier = new TlsCarrier(serverRaw);
  const serverSocket = new tls.TLSSocket(serverCarrier.transport, {
    isServer: true,
    secureContext: tls.createSecureContext({ cert, key, minVersion: version, maxVersion: version }),
  });
  const clientCarrier = new TlsCarrier(clientRaw);
  const clientSocket = tls.connect({ socket: clientCarrier.transport, rejectUnauthorized: false, minVersion: version, maxVersion: version });
  await Promise.all([once(serverSocket, 'secure'), once(clientSocket, 'secureConnect')]);
  expect(clientSocket.getProtocol()).toBe(version);
  const clientApp = clientCarrier.bind(clientSocket);
  const serverApp = serverCarrier.bind(serverSocket);
  return {
    client: { carrier: clientCarrier, app: clientApp, reader: new TextReader(clientApp), socket: clientSocket },
    server: { carrier: serverCarrier, app: serverApp, reader: new TextReader(serverApp), socket: serverSocket },
  };
}

/** An FTP-shaped conversation: a command in TLS, CCC, NOOP in clear, QUIT. */
async function conversation(ends: Ends): Promise<void> {
  const { client, server } = ends;
  client.app.write('USER anonymous\r\n');
  expect(await server.reader.line()).toBe('USER anonymous');
  server.app.write('230 Logged in.\r\n');
  expect(await client.reader.line()).toBe('230 Logged in.');

  client.carrier.expectClear();
  client.app.write('CCC\r\n');
  expect(await server.reader.line()).toBe('CCC');
  server.carrier.expectClear();
  server.app.write('200 Control channel cleared.\r\n');
  await server.carrier.clear(2000);
  expect(await client.reader.line()).toBe('200 Control channel cleared.');
  await client.carrier.clear(2000);

  client.app.write('NOOP\r\n');
  expect(await server.reader.line()).toBe('NOOP');
  server.app.write('200 NOOP ok.\r\n');
  expect(await client.reader.line()).toBe('200 NOOP ok.');
  expect(client.carrier.state).toBe('clear');
  expect(server.carrier.state).toBe('clear');

  client.app.write('QUIT\r\n');
  expect(await server.reader.line()).toBe('QUIT');
  server.app.end('221 Bye.\r\n');
  expect(await client.reader.line()).toBe('221 Bye.');
  expect(await client.reader.end()).toBe('');
}

const wireText = (wire: Buffer[]): string => Buffer.concat(wire).toString('latin1');

let simulation: Simulation | undefined;
afterEach(() => {
  simulation?.close();
  simulation = undefined;
});

describe('TLS carrier: CCC over a stream cut anywhere', () => {
  for (const version of VERSIONS) {
    it(`${version}: property over cut patterns: clear text begins exactly after the last record`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.constantFrom(1, 3, 7, 64, 4096), async (seed, maxPiece) => {
          const { client, server } = rechunkingPair(seed, maxPiece);
          await conversation(await secure(client, server, version));
          // On the wire: the commands and replies after CCC are in clear, the ones before are not.
          expect(wireText(client.wire)).toContain('NOOP\r\nQUIT\r\n');
          expect(wireText(server.wire)).toContain('200 NOOP ok.\r\n221 Bye.\r\n');
          expect(wireText(client.wire)).not.toContain('USER');
          expect(wireText(server.wire)).not.toContain('Control channel cleared');
        }),
        { numRuns: 12 },
      );
    });

    it(`${version}: the server's close_notify waits for the client's (lftp reads ahead and takes ours, with the 200, for a hang-up)`, async () => {
      const { client, server } = rechunkingPair(11, 4096);
      const ends = await secure(client, server, version);
      ends.client.carrier.expectClear();
      ends.client.app.write('CCC\r\n');
      expect(await ends.server.reader.line()).toBe('CCC');
      ends.server.carrier.expectClear();
      ends.server.app.write('200 Control channel cleared.\r\n');
      // A grace longer than the test's own timeout: only the client's close_notify can end it.
      const serverCleared = ends.server.carrier.clear(2000, 60_000);
      expect(await ends.client.reader.line()).toBe('200 Control channel cleared.');
      const sentBefore = Buffer.concat(server.wire).length;
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(Buffer.concat(server.wire).length).toBe(sentBefore);
      await ends.client.carrier.clear(2000);
      await serverCleared;
      expect(Buffer.concat(server.wire).length).toBeGreaterThan(sentBefore);
      ends.client.app.write('NOOP\r\n');
      expect(await ends.server.reader.line()).toBe('NOOP');
      ends.server.app.write('200 NOOP ok.\r\n');
      expect(await ends.client.reader.line()).toBe('200 NOOP ok.');
      expect(ends.server.carrier.state).toBe('clear');
      expect(ends.client.carrier.state).toBe('clear');
    });

    for (const peerFirstMs of [0, 150]) {
      it(`${version}: a client that never sends close_notify and goes straight to clear text (curl's passive CCC), grace ${peerFirstMs} ms`, async () => {
        const { client, server } = rechunkingPair(7, 5);
        const { cert, key } = await certificate();
        const serverCarrier = new TlsCarrier(server);
        const serverSocket = new tls.TLSSocket(serverCarrier.transport, {
          isServer: true,
          secureContext: tls.createSecureContext({ cert, key, minVersion: version, maxVersion: version }),
        });
        // The client is plain node:tls behind a gate we can shut, standing in for a client whose TLS
        // library is simply abandoned after the 200 (it never writes its close_notify).
        let gateOpen = true;
        const gate = new Duplex({
          read: () => {},
          write: (chunk: Buffer, _encoding, callback) => (gateOpen ? client.write(chunk, () => callback()) : callback()),
        });
        const received: Buffer[] = [];
        client.on('data', (chunk: Buffer) => {
          received.push(chunk);
          if (gateOpen) gate.push(chunk);
        });
        const clientSocket = tls.connect({ socket: gate, rejectUnauthorized: false, minVersion: version, maxVersion: version });
        clientSocket.on('error', () => {});
        await Promise.all([once(serverSocket, 'secure'), once(clientSocket, 'secureConnect')]);
        const serverApp = serverCarrier.bind(serverSocket);
        const serverReader = new TextReader(serverApp);
        const clientReader = new TextReader(clientSocket);
        await new Promise<void>((resolve) => clientSocket.write('CCC\r\n', () => resolve()));
        expect(await serverReader.line()).toBe('CCC');
        gateOpen = false;
        serverCarrier.expectClear();
        serverApp.write('200 CCC ok.\r\n');
        await serverCarrier.clear(2000, peerFirstMs);
        client.write('PASV\r\n');
        expect(await serverReader.line()).toBe('PASV');
        serverApp.write('227 Entering Passive Mode (127,0,0,1,4,1).\r\n');
        const wire = (): string => Buffer.concat(received).toString('latin1');
        await waitFor(() => wire().endsWith('\r\n'));
        // The 200 went inside TLS, the 227 right after the server's last record, in clear.
        expect(wire()).not.toContain('200 CCC ok.');
        // Walk the TLS records from the start: what follows the last whole record is the 227 alone.
        // (Not a regex on the byte before it: a record's last ciphertext byte can be '\n'.)
        expect(afterTlsRecords(Buffer.concat(received)).toString('latin1')).toBe('227 Entering Passive Mode (127,0,0,1,4,1).\r\n');
        clientReader.end().catch(() => {});
        serverApp.destroy();
      });
    }
  }

  it('a refused CCC leaves the conversation in TLS', async () => {
    const { client, server } = rechunkingPair(3, 11);
    const ends = await secure(client, server, 'TLSv1.3');
    ends.client.carrier.expectClear();
    ends.client.app.write('CCC\r\n');
    expect(await ends.server.reader.line()).toBe('CCC');
    ends.server.app.write('534 CCC refused.\r\n');
    expect(await ends.client.reader.line()).toBe('534 CCC refused.');
    ends.client.carrier.cancelClear();
    ends.client.app.write('NOOP\r\n');
    expect(await ends.server.reader.line()).toBe('NOOP');
    expect(wireText(client.wire)).not.toContain('NOOP');
    expect(ends.client.carrier.state).toBe('tls');
  });

  it('without CCC, clear text inside the TLS stream is a TLS error, as it would be without the carrier', async () => {
    const { client, server } = rechunkingPair(5, 4096);
    const ends = await secure(client, server, 'TLSv1.2');
    const clientFailed = once(ends.client.app, 'error');
    client.write('NOOP\r\n');
    // The server's TLS answers the garbage with a fatal alert and the session is over: nothing of
    // it reaches the server as a command.
    const [error] = (await clientFailed) as [Error];
    expect(String(error)).toMatch(/alert/i);
    expect(await ends.server.reader.end()).toBe('');
  });

  it('ending the TLS session before CCC ends the TCP connection too', async () => {
    const { client, server } = rechunkingPair(9, 4096);
    const ends = await secure(client, server, 'TLSv1.3');
    const serverClosed = once(server, 'close');
    ends.client.app.end();
    // The server reads the end of the session, and the client's FIN went out after its close_notify.
    expect(await ends.server.reader.end()).toBe('');
    await serverClosed;
    await waitFor(() => client.writableFinished);
  });
});

describe('TLS carrier: CCC over real connections', () => {
  for (const version of VERSIONS) {
    it(`${version}: over the simulator's connections`, async () => {
      simulation = createSimulation({});
      const accepted = new Promise<Connection>((resolve) => {
        void simulation?.network('server').listen({ host: '0.0.0.0', port: 2121 }, resolve);
      });
      await new Promise((resolve) => setImmediate(resolve));
      const client = await simulation.network('client').connect({ host: simulation.addresses.server, port: 2121 });
      await conversation(await secure(client, await accepted, version));
    });

    it(`${version}: over loopback TCP sockets`, async () => {
      const listener = net.createServer();
      const accepted = once(listener, 'connection') as Promise<[net.Socket]>;
      await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
      const port = (listener.address() as net.AddressInfo).port;
      const client = net.connect({ host: '127.0.0.1', port });
      try {
        await once(client, 'connect');
        const [server] = await accepted;
        await conversation(await secure(client, server, version));
        await Promise.all([client.closed ? undefined : once(client, 'close'), server.closed ? undefined : once(server, 'close')]);
      } finally {
        client.destroy();
        await new Promise((resolve) => listener.close(resolve));
      }
    });
  }
});
