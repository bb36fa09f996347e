/**
 * The file system the server serves, seen through virtual absolute paths ('/pub/readme.txt').
 * Two implementations: the built-in demo tree (in memory, generated on the fly) and a disk root
 * with confinement. Handlers only ever see this interface, so confinement lives in one place.
 */
import type { Readable, Writable } from 'node:stream';

export interface FileEntry {
  name: string;
  type: 'file' | 'dir';
  size: number;
  modified: Date;
}

/**
 * ENOTREGULAR: a FIFO, device or socket (never served). ERANGE: a restart offset past the end.
 * ENOSPC / EFBIG: the free-space floor or the upload size limit.
 */
export type FileErrorCode = 'ENOENT' | 'ENOTDIR' | 'EISDIR' | 'EACCES' | 'EEXIST' | 'ENOTEMPTY' | 'EINVAL' | 'ENOTREGULAR' | 'ERANGE' | 'ENOSPC' | 'EFBIG';

/** A refusal the client may hear about (550 + message); never carries a real disk path. */
export class FileError extends Error {
  constructor(
    readonly code: FileErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'FileError';
  }
}

/** An upload in progress: bytes go to a temporary name, renamed to the final one on commit. */
export interface Upload {
  stream: Writable;
  /** Make the file visible under its final name (after the stream finished). */
  commit(): Promise<void>;
  /** Forget the partial upload: nothing appears under the final name. */
  abort(): Promise<void>;
}

export interface FileSystem {
  readonly writable: boolean;
  stat(path: string): Promise<FileEntry>;
  list(path: string): Promise<FileEntry[]>;
  /** A stream of the file's bytes from `offset`. */
  read(path: string, offset: number): Promise<Readable>;
  /**
   * An upload to `path`: a new file, the old one with bytes appended, or (REST + STOR) the old
   * one's first `offset` bytes followed by the upload. The old file stays whole until commit.
   */
  write(path: string, mode: 'replace' | 'append', offset?: number): Promise<Upload>;
  mkdir(path: string): Promise<void>;
  rmdir(path: string): Promise<void>;
  remove(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
}

/**
 * The reply for a refusal: 554 for a restart offset the file cannot honour (RFC 959), 552 for
 * storage limits ("exceeded storage allocation"), 550 for everything else.
 */
export function fileErrorReplyCode(error: FileError): number {
  if (error.code === 'ERANGE') return 554;
  if (error.code === 'ENOSPC' || error.code === 'EFBIG') return 552;
  return 550;
}

/** Storage limits of a writable root. */
export interface UploadLimits {
  /** The most bytes one upload (STOR, APPE) may carry; 0 = no limit. */
  maxBytes: number;
  /** Refuse or stop an upload that would leave less free space than this; 0 = no floor. */
  minFreeBytes: number;
}

export const DEFAULT_UPLOAD_LIMITS: UploadLimits = { maxBytes: 1024 ** 3, minFreeBytes: 100 * 1024 ** 2 };

export function readOnlyError(): FileError {
  return new FileError('EACCES', 'Permission denied: the server is read-only.');
}

export function isFileError(error: unknown): error is FileError {
  return error instanceof FileError;
}
