/**
 * The environment conventions of the most used FTP container images: which variable sets the
 * passive range and the advertised address, and what the image does when it is not set. Each
 * convention is named with its image and taken from that image's documentation and entrypoint
 * (docs/preflight.md lists them):
 *
 * - fauria/vsftpd: PASV_ADDRESS, PASV_MIN_PORT (default 21100), PASV_MAX_PORT (default 21110),
 *   PASV_ENABLE; without PASV_ADDRESS it advertises the address of its own eth0 (a private one).
 * - stilliard/pure-ftpd: PUBLICHOST (passed as -P), FTP_PASSIVE_PORTS (min:max, default
 *   30000:30009), ADDED_FLAGS (more pure-ftpd flags, e.g. --tls=2).
 * - delfer/alpine-ftp-server (vsftpd): ADDRESS, MIN_PORT (default 21000), MAX_PORT (default 21010).
 * - garethflowers/ftp-server (vsftpd): PUBLIC_IP replaces its pasv_address=0.0.0.0; the range is
 *   fixed at 40000-40009.
 */
import { complain, fact, shellWords } from '../lines.js';
import { portNumber, type Fact, type InputFacts, type ServerFacts, type Where } from '../model.js';
import { pureFtpdFromArguments } from './pure-ftpd.js';

export type Environment = Map<string, Fact<string>>;

interface Convention {
  image: string;
  product: string;
  read(env: Environment, imageAt: Where, facts: InputFacts): ServerFacts;
}

/** "docker.io/fauria/vsftpd:latest" → "fauria/vsftpd". */
export function imageName(reference: string): string {
  const withoutDigest = reference.split('@')[0] ?? '';
  const withoutTag = withoutDigest.replace(/:[^/:]+$/, '');
  return withoutTag.replace(/^(docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, '').replace(/^library\//, '');
}

/** A variable's value, or the image's default said at the image line. */
function valueOr(env: Environment, name: string, fallback: string | undefined, image: string, imageAt: Where): Fact<string> | undefined {
  const set = env.get(name);
  if (set) return set;
  if (fallback === undefined) return undefined;
  return fact(fallback, { ...imageAt, text: `${image} default ${name}=${fallback}` });
}

function known(value: Fact<string> | undefined, facts: InputFacts, name: string): Fact<string> | undefined {
  if (value && /\$/.test(value.value)) {
    complain(facts, value.at, `${name}=${value.value}: a variable, known only when the container starts; give its value to predict with it`);
    return undefined;
  }
  return value;
}

function rangeFrom(min: Fact<string> | undefined, max: Fact<string> | undefined, facts: InputFacts, server: ServerFacts): void {
  if (!min || !max) return;
  const from = portNumber(min.value);
  const to = portNumber(max.value);
  if (from === undefined || to === undefined || from > to) return complain(facts, max.at, `passive range ${min.value}-${max.value} is not two port numbers, low then high`);
  // The later of the two lines is the one a reader looks at.
  server.passiveRange = fact({ from, to }, max.at.line >= min.at.line ? max.at : min.at);
}

const vsftpdStyle = (image: string, names: { address: string; min: string; max: string; minDefault: string; maxDefault: string }): Convention => ({
  image,
  product: 'vsftpd',
  read(env, imageAt, facts) {
    const server: ServerFacts = { product: 'vsftpd', image, controlPort: fact(21, { ...imageAt, text: `${image} listens on 21` }) };
    rangeFrom(known(valueOr(env, names.min, names.minDefault, image, imageAt), facts, names.min), known(valueOr(env, names.max, names.maxDefault, image, imageAt), facts, names.max), facts, server);
    const address = known(env.get(names.address), facts, names.address);
    if (address && address.value !== '') server.advertisedAddress = address;
    else facts.notes.push(`${imageAt.file}:${imageAt.line}: ${image} without ${names.address} advertises the container's own (private) address`);
    return server;
  },
});

export const CONVENTIONS: readonly Convention[] = [
  vsftpdStyle('fauria/vsftpd', { address: 'PASV_ADDRESS', min: 'PASV_MIN_PORT', max: 'PASV_MAX_PORT', minDefault: '21100', maxDefault: '21110' }),
  vsftpdStyle('delfer/alpine-ftp-server', { address: 'ADDRESS', min: 'MIN_PORT', max: 'MAX_PORT', minDefault: '21000', maxDefault: '21010' }),
  {
    image: 'garethflowers/ftp-server',
    product: 'vsftpd',
    read(env, imageAt, facts) {
      const image = 'garethflowers/ftp-server';
      const server: ServerFacts = { product: 'vsftpd', image, controlPort: fact(21, { ...imageAt, text: `${image} listens on 21` }), passiveRange: fact({ from: 40000, to: 40009 }, { ...imageAt, text: `${image} pasv_min_port=40000 pasv_max_port=40009 (fixed in the image)` }) };
      const address = known(env.get('PUBLIC_IP'), facts, 'PUBLIC_IP');
      server.advertisedAddress = address ?? fact('0.0.0.0', { ...imageAt, text: `${image} without PUBLIC_IP keeps pasv_address=0.0.0.0` });
      return server;
    },
  },
  {
    image: 'stilliard/pure-ftpd',
    product: 'Pure-FTPd',
    read(env, imageAt, facts) {
      const image = 'stilliard/pure-ftpd';
      const server: ServerFacts = { product: 'Pure-FTPd', image, controlPort: fact(21, { ...imageAt, text: `${image} listens on 21` }) };
      const ports = known(valueOr(env, 'FTP_PASSIVE_PORTS', '30000:30009', image, imageAt), facts, 'FTP_PASSIVE_PORTS');
      if (ports) pureFtpdFromArguments(['-p', ports.value], ports.at, facts, server);
      const host = known(env.get('PUBLICHOST'), facts, 'PUBLICHOST');
      if (host) pureFtpdFromArguments(['-P', host.value], host.at, facts, server);
      else facts.notes.push(`${imageAt.file}:${imageAt.line}: ${image} without PUBLICHOST advertises the container's own (private) address`);
      const added = env.get('ADDED_FLAGS');
      if (added) pureFtpdFromArguments(shellWords(added.value), added.at, facts, server);
      return server;
    },
  },
];

export function conventionFor(reference: string): Convention | undefined {
  const name = imageName(reference);
  return CONVENTIONS.find((convention) => convention.image === name);
}
