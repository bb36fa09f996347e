/** The four ways to open an FTP data connection: passive EPSV/PASV (RFC 2428, RFC 959) and active PORT/EPRT. */
export type DataMode = 'epsv' | 'pasv' | 'port' | 'eprt';
export const ALL_MODES: readonly DataMode[] = ['epsv', 'pasv', 'port', 'eprt'];
/** The commands that move data over a data connection (a listing or a file). */
export const TRANSFER_VERBS: ReadonlySet<string> = new Set(['LIST', 'NLST', 'MLSD', 'RETR', 'STOR', 'STOU', 'APPE']);
