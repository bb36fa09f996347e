/**
 * Test helper: an FTP server on 127.0.0.1 whose data channel is broken the way a firewall that
 * forgot the passive range breaks it: the control channel works, login works, and every PASV/EPSV
 * reply names a port nobody listens on (a port that was free a moment ago), so the data connection
 * is refused. Built on the scripted fake (test/client/fake-ftp.ts); every wait is bounded there.
 */
import { startFake, pasvReply, type FakeServer } from '../client/fake-ftp.js';
import { freePort } from '../probe/free-port.js';

/** Commands before QUIT one session may send; a client looping for ever is cut off. */
const MAX_COMMANDS = 50;

export async function startBrokenDataServer(): Promise<FakeServer> {
  const closedPort = await freePort();
  return startFake(async (connection) => {
    connection.send('220 broken data channel test server\r\n');
    for (let count = 0; count < MAX_COMMANDS; count += 1) {
      const line = await connection.command(20_000).catch(() => undefined);
      if (line === undefined) break;
      const verb = line.split(' ')[0]?.toUpperCase() ?? '';
      if (verb === 'QUIT') {
        connection.send('221 Bye.\r\n');
        connection.socket.end();
        return;
      }
      connection.send(reply(verb, closedPort));
    }
    connection.socket.destroy();
  });
}

function reply(verb: string, closedPort: number): string {
  switch (verb) {
    case 'USER':
      return '331 Password please.\r\n';
    case 'PASS':
      return '230 Logged in.\r\n';
    case 'PASV':
      return pasvReply(closedPort);
    case 'EPSV':
      return `229 Entering Extended Passive Mode (|||${closedPort}|)\r\n`;
    case 'TYPE':
    case 'OPTS':
      return '200 OK.\r\n';
    case 'SYST':
      return '215 UNIX Type: L8\r\n';
    case 'PWD':
      return '257 "/" is the current directory.\r\n';
    case 'LIST':
    case 'NLST':
    case 'RETR':
      return '425 Cannot open data connection.\r\n';
    default:
      return '502 Command not implemented.\r\n';
  }
}
