/**
 * `npx tsx bench/early-verdict-floor.ts [connects]` (root): what floor the early "dropped" verdict
 * (src/client/early-verdict.ts) needs on this machine. Through the netns topology with no firewall,
 * the edge drops half of the data SYNs at random (nftables numgen), so many connects succeed only
 * after the kernel's SYN retransmission; a Node dialler in the client namespace (the probe's own
 * way of connecting, event loop included) records when each one completed. The floor must lie
 * above every connect that needed exactly one retransmission, with a margin: the report prints the
 * latest of them, and how many needed two (the only case the early verdict misreads).
 */
import { checkNetnsSupport } from '../src/netns/preflight.js';
import { withNetnsTopology } from '../src/netns/topology.js';
import type { Topology } from '../src/topology/model.js';
import { FIRST_SYN_RETRANSMISSION_MS } from '../src/client/early-verdict.js';

const OPEN: Topology = { firewalls: [] };
const DATA_PORT = 40_000;

/** Runs in the client namespace: `connects` dials, 16 at a time, each bounded at 8 s; prints the times as JSON. */
const DIALLER = `
const net = require('node:net');
const [host, port, total] = process.argv.slice(1);
const times = [];
let started = 0;
function one() {
  if (started >= Number(total)) return Promise.resolve();
  started += 1;
  return new Promise((resolve) => {
    const t = performance.now();
    const socket = net.connect({ host, port: Number(port) });
    const timer = setTimeout(() => { times.push(-1); socket.destroy(); resolve(); }, 8000);
    socket.once('connect', () => { clearTimeout(timer); times.push(performance.now() - t); socket.destroy(); resolve(); });
    socket.once('error', () => { clearTimeout(timer); times.push(-2); resolve(); });
  }).then(one);
}
Promise.all(Array.from({ length: 16 }, one)).then(() => process.stdout.write(JSON.stringify(times)));
`;

const LISTENER = `require('node:net').createServer((s) => s.destroy()).listen(${DATA_PORT}, process.argv[1], 1024);`;

async function main(): Promise<void> {
  const connects = Number(process.argv[2] ?? 400);
  const support = await checkNetnsSupport();
  if (!support.ok) throw new Error(`netns not available: ${support.reason}`);
  await withNetnsTopology(OPEN, async (network) => {
    const listener = network.spawn('server', [process.execPath, '-e', LISTENER, network.addresses.server]);
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const rule = 'tcp dport 40000 tcp flags & (syn | ack) == syn numgen random mod 2 == 0 drop';
      const setup = await network.exec('edge', ['nft', `add table inet lossy; add chain inet lossy halfsyn { type filter hook forward priority -10; }; add rule inet lossy halfsyn ${rule}`]);
      if (setup.code !== 0) throw new Error(`nft: ${setup.stderr}`);
      const run = await network.exec('client', [process.execPath, '-e', DIALLER, network.addresses.server, String(DATA_PORT), String(connects)], { timeoutMs: 600_000 });
      const times = JSON.parse(run.stdout) as number[];
      const first = times.filter((ms) => ms >= 0 && ms < FIRST_SYN_RETRANSMISSION_MS / 2);
      const once = times.filter((ms) => ms >= FIRST_SYN_RETRANSMISSION_MS / 2 && ms < 2 * FIRST_SYN_RETRANSMISSION_MS);
      const more = times.filter((ms) => ms >= 2 * FIRST_SYN_RETRANSMISSION_MS || ms < 0);
      const sorted = [...once].sort((a, b) => a - b);
      const at = (q: number): string => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(1) : '-');
      process.stdout.write(
        `${times.length} connects, half of the SYNs dropped at random: ${first.length} answered at once (max ${Math.max(0, ...first).toFixed(1)} ms), ` +
          `${once.length} after one retransmission (median ${at(0.5)} ms, p99 ${at(0.99)} ms, latest ${sorted.length ? sorted[sorted.length - 1]!.toFixed(1) : '-'} ms), ` +
          `${more.length} needed two or more (or failed)\n`,
      );
    } finally {
      listener.kill('SIGKILL');
    }
  });
}

await main();
