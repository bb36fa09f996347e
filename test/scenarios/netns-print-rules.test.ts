/** `--print-rules`: the generated nftables scripts, per namespace, with or without a kernel. Pure. */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ScenarioResult } from '../../src/report/model.js';
import { selectScenarios } from '../../src/scenarios/load.js';
import { formatRulesets, withPrintedRules } from '../../src/scenarios/run-netns.js';
import { skippedResult } from '../../src/scenarios/result.js';

const [activeBlocked, epsvBlind] = await selectScenarios(['active-from-port-20-blocked', 'epsv-not-understood']);

function collect(): { out: PassThrough; text: () => string } {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return { out, text: () => text };
}

describe('--print-rules', () => {
  it('prints one script per namespace that has rules, named after the namespace when there is one', () => {
    const text = formatRulesets(activeBlocked!, { client: 'table inet ftpdoctor {}\n', edge: 'table inet ftpdoctor { }\n', server: '' }, { client: 'p-client', edge: 'p-edge', server: 'p-server' });
    expect(text).toBe('# active-from-port-20-blocked: nftables rulesets\n## client (p-client)\ntable inet ftpdoctor {}\n\n## edge (p-edge)\ntable inet ftpdoctor { }\n\n');
  });

  it('on the simulator prints the same generated rules (placeholder interfaces) before running the scenario', async () => {
    const { out, text } = collect();
    const ran: string[] = [];
    const runner = withPrintedRules(async (scenario) => {
      ran.push(scenario.id);
      return skippedResult(scenario, 'sim', 'test') as ScenarioResult;
    }, out);
    await runner(activeBlocked!, {});
    expect(ran).toEqual(['active-from-port-20-blocked']);
    // The client host's own firewall and the edge's: the rules the scenario file describes.
    expect(text()).toMatch(/## client\n[^#]*chain filter_input[^#]*comment "client\/policy client host firewall: no rule matched, policy drop"/);
    expect(text()).toMatch(/## edge\n[^#]*oifname "outside0" meta l4proto tcp tcp sport 20 counter accept comment "edge\/rule:2 edge firewall: allow active data from port 20"/);
    expect(text()).not.toContain('## server');
  });

  it('says when the kernel cannot reproduce the scenario the rules belong to', async () => {
    const { out, text } = collect();
    await withPrintedRules(async (scenario) => skippedResult(scenario, 'sim', 'test'), out)(epsvBlind!, {});
    expect(text()).toContain('# (not reproducible on the kernel: edge firewall: nf_conntrack_ftp always parses EPSV');
  });
});
