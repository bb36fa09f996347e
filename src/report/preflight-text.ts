/**
 * The parts of a preflight report every renderer shows the same way, as plain lines: what was
 * read, what each span of ports meets (with its file:line reasons), what the simulation saw, what
 * could not be evaluated or read. Renderers escape and lay them out; findings they render as for
 * a probe.
 */
import type { PreflightPorts, PreflightReport } from './model.js';

const OUTCOME_WORDS: Record<PreflightPorts['outcome'], string> = { open: 'open', blocked: 'DROPPED', refused: 'REFUSED', unknown: 'unknown' };

export function portsLine(label: string, span: PreflightPorts): string {
  const ports = span.ports.from === span.ports.to ? String(span.ports.from) : `${span.ports.from}-${span.ports.to}`;
  return `${label} ${ports}: ${OUTCOME_WORDS[span.outcome]}${span.because.length > 0 ? ` (${span.because.join('; ')})` : ''}`;
}

export interface PreflightSections {
  inputs: string[];
  facts: string[];
  ports: string[];
  simulation: string[];
  unknown: string[];
  notUnderstood: string[];
  notes: string[];
}

export function preflightSections(report: PreflightReport): PreflightSections {
  const simulation = report.simulation
    ? [
        `${report.simulation.backend === 'netns' ? 'on the real kernel (netns), ' : 'simulated '}${report.client === 'inside' ? 'inside' : 'outside'} client: ${report.simulation.verdict}${report.simulation.codes.length > 0 ? `, ${report.simulation.codes.join(', ')}` : ''}${report.simulation.failure ? ` (failed at ${report.simulation.failure.step}${report.simulation.failure.hop ? ` @ ${report.simulation.failure.hop}: ${report.simulation.failure.rule ?? '?'}` : ''})` : ''}`,
      ]
    : [];
  return {
    inputs: report.inputs.map((input) => `${input.file} (${input.kind})`),
    facts: report.facts,
    ports: [portsLine('control', report.control), ...report.passive.map((span) => portsLine('passive', span))],
    simulation,
    unknown: report.unknown,
    notUnderstood: report.notUnderstood.map((item) => `${item.place}${item.text ? ` ${item.text}` : ''}: ${item.reason}`),
    notes: report.notes,
  };
}

/** Titled blocks in reading order, empty ones left out. */
export function preflightBlocks(report: PreflightReport): { title: string; lines: string[] }[] {
  const sections = preflightSections(report);
  return [
    { title: 'Read', lines: sections.inputs },
    { title: 'Facts', lines: sections.facts },
    { title: 'Ports', lines: sections.ports },
    { title: 'Simulation', lines: sections.simulation },
    { title: 'Unknown (cannot be evaluated)', lines: sections.unknown },
    { title: 'Not understood', lines: sections.notUnderstood },
    { title: 'Notes', lines: sections.notes },
  ].filter((block) => block.lines.length > 0);
}
