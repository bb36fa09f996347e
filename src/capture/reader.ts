/**
 * `explain`'s readers for packet captures (pcap, pcapng, either gzip'd): the file streamed through
 * the capture reader into the analysis, and the SourceReading that says what a capture can and
 * cannot show. Detection is by magic number only (a gzip'd file by the magic of what it inflates to).
 */
import { inflateHead } from '../io/gzip.js';
import type { EvidenceReader, ReadOptions, SourceDeclaration, SourceReading, Vantage } from '../evidence/source.js';
import { CaptureAnalyzer } from './analyze.js';
import { captureLimits } from './limits.js';
import { detectCaptureFormat, readCaptureBatches, type CaptureStats } from './read/index.js';
import { guessVantage, type CaptureVantage } from './vantage.js';

/** What the magic says, looking inside gzip; undefined when it is no capture. */
export function captureFormatOf(head: Buffer): 'pcap' | 'pcapng' | undefined {
  const format = detectCaptureFormat(head);
  if (format !== 'gzip') return format;
  // Only the head is at hand: what it inflates to (bounded; a capture's magic is in its first bytes).
  const inflated = inflateHead(head, 64 * 1024);
  const inner = inflated ? detectCaptureFormat(inflated) : undefined;
  return inner === 'gzip' ? undefined : inner;
}

/** Unknown: somewhere on the path, which end not known ('none' is for sources that are not on it at all). */
export const VANTAGE_OF: Record<CaptureVantage, Vantage> = { client: 'client', server: 'server', 'same-host': 'both', unknown: 'path' };

/** Analyse one capture file into a SourceReading (the I/O edge: the analysis itself is pure). */
export async function readCaptureFile(file: string, format: 'pcap' | 'pcapng', options: ReadOptions = {}): Promise<SourceReading & { vantageGuess: CaptureVantage }> {
  const analyzer = new CaptureAnalyzer({ file, ...(options.controlPorts ? { controlPorts: options.controlPorts } : {}) });
  const stats: CaptureStats = { compressed: false, frames: 0, bytes: 0 };
  for await (const batch of readCaptureBatches(file, { format, stats, ...(options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {}) })) {
    for (const item of batch) analyzer.push(item);
  }
  const sessions = analyzer.finish(stats.cut?.frames);
  const vantageGuess = guessVantage(analyzer.sessionBuilders);
  const source: SourceDeclaration = {
    kind: 'capture',
    label: `capture ${file}`,
    vantage: VANTAGE_OF[vantageGuess],
    controlledExperiment: false,
    referenceServerProof: true,
    packets: true,
    timings: true,
    actedItself: false,
  };
  const limits = captureLimits({ vantage: vantageGuess, sessions, counts: analyzer.counts, frames: stats.frames, controlPorts: options.controlPorts ?? [], ...(stats.cut ? { cut: stats.cut } : {}) });
  return { file, format, source, sessions, limits, vantageGuess };
}

function captureReader(format: 'pcap' | 'pcapng', description: string): EvidenceReader {
  return {
    format,
    description,
    detect: (head) => (captureFormatOf(head) === format ? 1 : 0),
    read: (file, options) => readCaptureFile(file, format, options),
  };
}

export const PCAP_READER = captureReader('pcap', 'packet capture, pcap (tcpdump -w), optionally gzip-compressed');
export const PCAPNG_READER = captureReader('pcapng', 'packet capture, pcapng (Wireshark, dumpcap, pktmon), optionally gzip-compressed');
