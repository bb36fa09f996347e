/**
 * The built-in demo tree: a read-only, in-memory file system that needs no directory on disk, so
 * `ftp-doctor serve` works anywhere without exposing anything. Generated files (the 1 MiB file and
 * any `demoFiles`) are streamed from demo-content.ts, never stored.
 */
import { Readable } from 'node:stream';
import { demoStream } from './demo-content.js';
import { FileError, readOnlyError, type FileEntry, type FileSystem, type Upload } from './vfs.js';
import { resolveVirtualPath } from './paths.js';

type Node = { type: 'dir'; children: Map<string, Node> } | { type: 'file'; size: number; text?: string };

const README = [
  'This is the ftp-doctor reference server.',
  '',
  'It serves a built-in demo tree so you can test listings and downloads through your firewall',
  'without exposing any real files. 1MiB.bin has deterministic content; `ftp-doctor serve',
  '--demo-file PATH:BYTES` adds more files of any size, generated on the fly.',
  '',
].join('\r\n');

export const DEMO_BIG_FILE = '/1MiB.bin';
export const DEMO_BIG_FILE_SIZE = 1024 * 1024;

export class DemoFileSystem implements FileSystem {
  readonly writable = false;
  private readonly root: Node = { type: 'dir', children: new Map() };
  private readonly created = new Date();

  constructor(extraFiles: Record<string, number> = {}) {
    this.addText('/README.txt', README);
    this.addGenerated(DEMO_BIG_FILE, DEMO_BIG_FILE_SIZE);
    this.addText('/pub/hello.txt', 'Hello from ftp-doctor.\r\n');
    for (const [path, size] of Object.entries(extraFiles)) {
      if (!Number.isSafeInteger(size) || size < 0) throw new Error(`demo file ${path}: size must be a whole number of bytes`);
      this.addGenerated(path, size);
    }
  }

  private addText(path: string, text: string): void {
    this.place(path, { type: 'file', size: Buffer.byteLength(text), text });
  }

  private addGenerated(path: string, size: number): void {
    this.place(path, { type: 'file', size });
  }

  private addDirectory(path: string): void {
    this.place(path, { type: 'dir', children: new Map() });
  }

  private place(path: string, node: Node): void {
    const resolved = resolveVirtualPath('/', path);
    if (!resolved.ok || resolved.value === '/') throw new Error(`demo file path ${JSON.stringify(path)} is not usable`);
    const parts = resolved.value.split('/').filter(Boolean);
    const name = parts.pop() as string;
    let directory = this.root;
    for (const part of parts) {
      if (directory.type !== 'dir') break;
      let next = directory.children.get(part);
      if (!next) {
        next = { type: 'dir', children: new Map() };
        directory.children.set(part, next);
      }
      if (next.type !== 'dir') throw new Error(`demo file path ${path}: ${part} is a file`);
      directory = next;
    }
    if (directory.type === 'dir') directory.children.set(name, node);
  }

  private find(path: string): Node {
    let node: Node = this.root;
    for (const part of path.split('/').filter(Boolean)) {
      if (node.type !== 'dir') throw new FileError('ENOTDIR', 'Not a directory.');
      const next = node.children.get(part);
      if (!next) throw new FileError('ENOENT', 'No such file or directory.');
      node = next;
    }
    return node;
  }

  private entry(name: string, node: Node): FileEntry {
    return { name, type: node.type, size: node.type === 'file' ? node.size : 0, modified: this.created };
  }

  async stat(path: string): Promise<FileEntry> {
    return this.entry(path.split('/').pop() || '/', this.find(path));
  }

  async list(path: string): Promise<FileEntry[]> {
    const node = this.find(path);
    if (node.type !== 'dir') return [this.entry(path.split('/').pop() ?? '', node)];
    return [...node.children].map(([name, child]) => this.entry(name, child)).sort((a, b) => a.name.localeCompare(b.name));
  }

  async read(path: string, offset: number): Promise<Readable> {
    const node = this.find(path);
    if (node.type !== 'file') throw new FileError('EISDIR', 'Is a directory.');
    if (node.text !== undefined) return Readable.from([Buffer.from(node.text).subarray(offset)]);
    return demoStream(node.size, offset);
  }

  async write(): Promise<Upload> {
    throw readOnlyError();
  }
  async mkdir(): Promise<void> {
    throw readOnlyError();
  }
  async rmdir(): Promise<void> {
    throw readOnlyError();
  }
  async remove(): Promise<void> {
    throw readOnlyError();
  }
  async rename(): Promise<void> {
    throw readOnlyError();
  }
}
