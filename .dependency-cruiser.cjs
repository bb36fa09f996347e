/**
 * The layers of src/ (README, "Development"), checked by `npm test` (`npm run layers`):
 *
 *   ftp, text  ←  evidence, findings  ←  topology  ←  net, client, server  ←  probe, sweep, diagnosis, …  ←  report  ←  cli
 *
 * A rule's comment is what the failure says: where the import must go instead. Fix a violation by
 * moving the shared thing down to the layer both sides may use, not by adding an exception here.
 * Type-only imports count for the layers (tsPreCompilationDeps): a type is a dependency too. A
 * cycle is an error when it holds at run time; types may refer to each other in a circle (a command
 * module and the command table naming its type), which loads nothing.
 */
const layer = (name, allowed, comment) => ({
  name,
  comment,
  severity: 'error',
  from: { path: `^src/${name}/` },
  to: { path: '^src/', pathNot: `^src/(${[name, ...allowed].join('|')})/` },
});

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'Modules import each other in a circle: split out what both need into a module both import.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    layer('ftp', [], 'src/ftp is the protocol itself (replies, commands, addresses): it imports nothing else of src/.'),
    layer('text', [], 'src/text (secret redaction, control-character stripping) imports nothing else of src/.'),
    layer('io', [], 'src/io (streaming file input: gzip detection and decompression, shared by the capture and log readers) imports nothing else of src/.'),
    layer('evidence', ['ftp', 'text'], 'src/evidence (what a source observed) depends only on src/ftp: every source writes it and every rule reads it.'),
    layer('findings', ['ftp', 'evidence'], 'src/findings (the finding registry, Verdict, Severity) depends only on src/ftp and src/evidence.'),
    layer('topology', ['ftp', 'evidence', 'findings'], 'src/topology (the scenario/topology model) is shared by the simulator, netns and scenarios: it depends only on src/ftp, src/evidence and src/findings.'),
    layer('net', ['ftp', 'text', 'evidence', 'findings', 'topology'], 'src/net (sockets, TLS, the simulator) sits below the client and the server: it may use only src/ftp, src/text, src/evidence, src/findings and src/topology. Move a shared type down, e.g. into src/evidence.'),
    layer('client', ['ftp', 'text', 'evidence', 'findings', 'net'], 'src/client writes the evidence model: it may use only src/ftp, src/text, src/evidence, src/findings and src/net — not the report, probe or sweep above it. Move a shared type down, e.g. into src/evidence.'),
    layer('server', ['ftp', 'text', 'evidence', 'findings', 'net'], 'src/server (the reference server) may use only src/ftp, src/text, src/evidence, src/findings and src/net. Move what it shares with a command above it down, e.g. a wire protocol into src/ftp.'),
    {
      name: 'netns-not-simulator',
      comment: 'src/netns runs the real kernel; it must not import the simulator (src/net/sim). What both need belongs in src/topology.',
      severity: 'error',
      from: { path: '^src/netns/' },
      to: { path: '^src/net/sim/' },
    },
    {
      name: 'report-not-cli',
      comment: 'Renderers (src/report) are pure and sit below the CLI: they must not import src/cli.',
      severity: 'error',
      from: { path: '^src/report/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'only-cli-imports-cli',
      comment: 'src/cli is the top: only the CLI itself (bin: src/cli/main.ts) imports it. Move what another module needs out of src/cli.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['es6', 'cjs'],
  },
};
