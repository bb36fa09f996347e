/**
 * What the main session does after login: FEAT/SYST (is this our reference server?) and the
 * passive-port samples. Both only read replies; nothing here opens a data connection.
 */
import { isPositiveCompletion, parseEpsvReply, parsePasvReply, parseSentTag } from '../ftp/index.js';
import type { ControlSession } from '../client/control.js';
import { describeError } from '../client/util.js';

export interface FeatureResult {
  features?: string[];
  system?: string;
  detail: string;
}

export async function readFeatures(control: ControlSession): Promise<FeatureResult> {
  const result: FeatureResult = { detail: '' };
  const notes: string[] = [];
  try {
    const feat = await control.command('FEAT');
    if (feat.code === 211) {
      // Feature lines sit between the first and the last line, each indented by one space.
      result.features = feat.lines.slice(1, -1).map((line) => line.trim()).filter((line) => line !== '');
      notes.push(`${result.features.length} features${result.features.length ? `: ${result.features.join(', ')}` : ''}`);
    } else notes.push(`FEAT not supported (${feat.code})`);
    const syst = await control.command('SYST');
    if (isPositiveCompletion(syst.code)) result.system = syst.message;
    notes.unshift(isPositiveCompletion(syst.code) ? `SYST ${syst.message}` : `SYST refused (${syst.code})`);
  } catch (error) {
    notes.push(describeError(error));
  }
  result.detail = notes.join('; ');
  return result;
}

export interface SampleResult {
  ports: number[];
  referenceServer: boolean;
  detail: string;
  error?: string;
}

/** Ask PASV/EPSV `samples` times each; stops at the first refusal or lost reply. */
export async function takeSamples(control: ControlSession, modes: ('epsv' | 'pasv')[], samples: number, replyTimeoutMs: number): Promise<SampleResult> {
  const ports: number[] = [];
  let referenceServer = false;
  let error: string | undefined;
  outer: for (let index = 0; index < samples; index += 1) {
    for (const mode of modes) {
      try {
        const reply = await control.command(mode.toUpperCase(), undefined, replyTimeoutMs);
        const expected = mode === 'epsv' ? 229 : 227;
        if (reply.code !== expected) {
          error = `${mode.toUpperCase()} answered ${reply.code} ${reply.message.split('\n')[0] ?? ''}`;
          break outer;
        }
        if (parseSentTag(reply.message)) referenceServer = true;
        const parsed = mode === 'epsv' ? parseEpsvReply(reply.message) : parsePasvReply(reply.message);
        if (!parsed.ok) {
          error = parsed.error;
          break outer;
        }
        ports.push(typeof parsed.value === 'number' ? parsed.value : parsed.value.port);
      } catch (caught) {
        error = describeError(caught);
        break outer;
      }
    }
  }
  const distinct = [...new Set(ports)].sort((a, b) => a - b);
  const span = distinct.length > 0 ? `, ${distinct[0]}-${distinct[distinct.length - 1]}` : '';
  const asked = samples * modes.length;
  const detail = `${ports.length} of ${asked} replies asked (${samples} × ${modes.map((mode) => mode.toUpperCase()).join(' and ')}), ${distinct.length} distinct ports${span}${distinct.length <= 20 && distinct.length > 0 ? `: ${distinct.join(', ')}` : ''}${error ? `; stopped: ${error}` : ''}`;
  return { ports, referenceServer, detail, ...(error ? { error } : {}) };
}
