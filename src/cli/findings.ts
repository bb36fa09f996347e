/**
 * `ftp-doctor findings` lists every finding code; `ftp-doctor findings CODE` explains one: meaning,
 * usual causes, references and every product's remedies — what to reach for after seeing a code in
 * CI. An unknown code is a usage error (exit 2) that names the nearest codes.
 */
import type { Argv } from 'yargs';
import { isFindingCode } from '../findings/registry.js';
import { normalizeCode, suggestCodes } from '../findings/suggest.js';
import { EXAMPLE_REMEDY_CONTEXT, remediesForCode } from '../diagnosis/remedies/by-code.js';
import { codeJson, codeListJson, renderCode, renderCodeList } from '../report/finding-codes.js';
import type { CommandBody } from './commands.js';
import { UsageError } from './errors.js';
import { tableWidth } from './output.js';

interface FindingsArguments {
  code?: string;
  json: boolean;
}

const example = EXAMPLE_REMEDY_CONTEXT;
const REMEDIES_HEADING = `Remedies, per product (with the example range ${example.range.from}-${example.range.to} and address ${example.publicAddress}; a report fills in what its run saw):`;

export const findingsCommand: CommandBody<FindingsArguments> = {
  builder: (yargs) =>
    yargs
      .positional('code', { type: 'string', describe: 'a finding code (e.g. DATA_CHANNEL_BLOCKED): its meaning, causes, references and remedies' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON (the list, or the code with its remedies)' }) as unknown as Argv<FindingsArguments>,
  handler: (argv) => {
    if (argv.code === undefined) {
      process.stdout.write(argv.json ? `${JSON.stringify(codeListJson(), null, 2)}\n` : renderCodeList(tableWidth(process.stdout)));
      return;
    }
    const code = normalizeCode(argv.code);
    if (!isFindingCode(code)) {
      const near = suggestCodes(argv.code);
      const hint = near.length > 0 ? ` Did you mean ${near.join(', ')}?` : '';
      throw new UsageError(`${JSON.stringify(argv.code.slice(0, 80))} is not a finding code.${hint} \`ftp-doctor findings\` lists them all.`);
    }
    const remedies = remediesForCode(code);
    process.stdout.write(argv.json ? `${JSON.stringify(codeJson(code, remedies), null, 2)}\n` : renderCode(code, remedies, tableWidth(process.stdout), REMEDIES_HEADING));
  },
};
