/**
 * Which FTP server answered, from what it said: the greeting, SYST, FEAT and the wording of its
 * replies. Pure and table-tested (test/diagnosis/server-product.test.ts). The names are the
 * `product` of the remedy tables, so a report can show the remedies of the server that answered
 * and leave out those of the others.
 *
 * A server that names itself (greeting, SYST, FEAT) outranks reply wording, and wording is only
 * used where one product is known to say it; an administrator can change a banner, so the clue
 * that decided is always reported beside the product.
 */
import type { Evidence, RecordedReply } from '../evidence/model.js';
import { clipRedacted } from '../report/secrets.js';

export type ServerProduct = 'vsftpd' | 'Pure-FTPd' | 'ProFTPD' | 'FileZilla Server' | 'IIS' | 'pyftpdlib' | 'ftp-doctor serve';

export interface ServerIdentity {
  product: ServerProduct;
  /** The words that gave it away, e.g. `greeting "220 (vsFTPd 3.0.3)"`. */
  clue: string;
}

/** What the server said, as text; each reply as "code message". */
export interface ServerClues {
  greeting?: string;
  system?: string;
  features?: readonly string[];
  /** FEAT listed our reference server's evidence extension. */
  referenceServer?: boolean;
  /** Every other reply, in the order they came. */
  replies?: readonly string[];
}

interface Signature {
  product: ServerProduct;
  pattern: RegExp;
}

/** How servers name themselves in a greeting or a SYST reply. */
const SELF_NAMES: readonly Signature[] = [
  { product: 'ftp-doctor serve', pattern: /ftp-doctor reference server/i },
  { product: 'vsftpd', pattern: /\bvsftpd\b/i },
  { product: 'Pure-FTPd', pattern: /pure-?ftpd/i },
  { product: 'ProFTPD', pattern: /\bproftpd\b/i },
  { product: 'FileZilla Server', pattern: /filezilla/i },
  { product: 'IIS', pattern: /microsoft ftp service|\bwindows_nt\b/i },
  { product: 'pyftpdlib', pattern: /pyftpdlib/i },
];

/**
 * Reply texts only one product is known to use (defaults of each server's own source). Generic
 * phrases ("Login successful.", "Transfer complete.") are left out: several servers say them.
 */
const WORDINGS: readonly Signature[] = [
  { product: 'vsftpd', pattern: /^\d{3} (?:OOPS: |Security: Bad IP connecting|Please specify the password\.|Here comes the directory listing\.|Directory send OK\.|Non-anonymous sessions must use encryption)/i },
  { product: 'Pure-FTPd', pattern: /^\d{3} (?:This security scheme is not implemented|User \S+ OK\. Password required|Extended Passive mode OK|Accepted data connection|Too many connections \(\d+\) from this IP|Sorry, cleartext sessions)/i },
  { product: 'ProFTPD', pattern: /^\d{3} (?:Password required for |Anonymous login ok, send your complete email address|Anonymous access granted, restrictions apply|Illegal PORT command|Opening (?:ASCII|BINARY) mode data connection for |SSL\/TLS required on the control channel|AUTH not understood)/i },
  { product: 'pyftpdlib', pattern: /^\d{3} (?:Username ok, send password\.|Rejected data connection (?:from|to) foreign address|Entering extended passive mode \(\|\|\|\d+\|\)\.$|Command "\w+" not understood)/ },
  { product: 'FileZilla Server', pattern: /^\d{3} (?:TLS session of data connection not resumed|This server does not allow plain FTP)/i },
  { product: 'IIS', pattern: /^\d{3}[ -](?:Policy requires SSL|User cannot log in|Local policy on server does not allow TLS)/i },
];

const quote = (text: string): string => `"${clipRedacted(text.replace(/\s*\r?\n\s*/g, ' ').trim(), 80)}"`;

/** The product that answered, or undefined when nothing it said is known to one product. */
export function identifyServer(clues: ServerClues): ServerIdentity | undefined {
  if (clues.referenceServer) return { product: 'ftp-doctor serve', clue: 'FEAT lists FTP-DOCTOR' };
  const named: [string, string | undefined][] = [
    ['greeting', clues.greeting],
    ['SYST', clues.system],
    ['FEAT', clues.features?.join(' ')],
  ];
  for (const [where, text] of named) {
    if (!text) continue;
    const signature = SELF_NAMES.find((candidate) => candidate.pattern.test(text));
    if (signature) return { product: signature.product, clue: `${where} ${quote(text)}` };
  }
  for (const text of [clues.greeting, ...(clues.replies ?? [])]) {
    if (!text) continue;
    const signature = WORDINGS.find((candidate) => candidate.pattern.test(text));
    if (signature) return { product: signature.product, clue: `reply ${quote(text)}` };
  }
  return undefined;
}

const replyText = (reply: RecordedReply | undefined): string | undefined => (reply ? `${reply.code} ${reply.message}` : undefined);

/** Everything the server said in a probe, as clues. */
export function serverClues(evidence: Evidence): ServerClues {
  const greeting = evidence.greeting && 'code' in evidence.greeting ? evidence.greeting : undefined;
  const replies: (RecordedReply | undefined)[] = [
    evidence.authTls?.reply,
    evidence.login?.userReply,
    evidence.login?.passReply,
    ...(evidence.sessionFailures ?? []).map((failure) => failure.reply),
    ...evidence.attempts.flatMap((attempt) => [attempt.modeReply, attempt.preliminaryReply, attempt.finalReply]),
  ];
  return {
    ...(greeting ? { greeting: replyText(greeting) } : {}),
    ...(evidence.system ? { system: evidence.system } : {}),
    ...(evidence.features ? { features: evidence.features } : {}),
    referenceServer: evidence.referenceServer,
    replies: replies.map(replyText).filter((text): text is string => text !== undefined),
  };
}

/** The long name for prose: "Microsoft FTP Service (IIS)". */
export function productName(product: ServerProduct): string {
  return product === 'IIS' ? 'Microsoft FTP Service (IIS)' : product === 'ftp-doctor serve' ? 'the ftp-doctor reference server' : product;
}
