import * as path from 'node:path';
import type { FileOps, WritableFile } from '../util/atomic-file';

/** Thrown by {@link PowerLossFs} when its step budget runs out: the machine loses power at that point. */
export class PowerLoss extends Error {
  constructor() {
    super('power lost');
  }
}

interface Inode {
  /** What a reader sees now (the page cache). */
  data: Buffer;
  /** What is on the disk: only what an fsync of the file pushed there. */
  durable: Buffer;
}

/** Which parts of the state reach the disk besides what was fsynced: names (folder entries) and file contents. */
export interface FlushView {
  names: 'synced' | 'all';
  contents: 'synced' | 'all';
}

export const FLUSH_VIEWS: FlushView[] = [
  { names: 'synced', contents: 'synced' }, // power loss, nothing else flushed
  { names: 'all', contents: 'synced' }, // metadata flushed, data not (ext4 data=writeback: zero-length files)
  { names: 'synced', contents: 'all' },
  { names: 'all', contents: 'all' }, // a process crash (kill -9): the kernel keeps everything
];

/**
 * A file system in memory that models what survives a power loss: file contents reach the disk on fsync of the file,
 * names (create, rename, delete) on fsync of their folder. Every call, and every `chunk` bytes of a write, is a step;
 * after `budget` steps the power goes (each later call throws {@link PowerLoss}), so a test can cut a write at every
 * step and byte boundary and look at what could be on the disk afterwards ({@link afterCrash}).
 */
export class PowerLossFs implements FileOps {
  private steps = 0;
  private nextInode = 1;
  private readonly inodes = new Map<number, Inode>();
  private readonly names = new Map<string, number>();
  private readonly syncedNames = new Map<string, number>();

  constructor(
    private readonly budget = Infinity,
    private readonly chunk = 64,
  ) {}

  get stepsTaken(): number {
    return this.steps;
  }

  private step(): void {
    if (this.steps >= this.budget) throw new PowerLoss();
    this.steps++;
  }

  async mkdir(): Promise<void> {
    this.step();
  }

  async open(file: string): Promise<WritableFile> {
    this.step();
    const ino = this.nextInode++;
    const inode: Inode = { data: Buffer.alloc(0), durable: Buffer.alloc(0) };
    this.inodes.set(ino, inode);
    this.names.set(file, ino);
    return {
      writeFile: async (data) => {
        const buf = Buffer.from(data);
        for (let i = 0; i < buf.length; i += this.chunk) {
          this.step();
          inode.data = Buffer.concat([inode.data, buf.subarray(i, i + this.chunk)]);
        }
      },
      chmod: async () => this.step(),
      sync: async () => {
        this.step();
        inode.durable = Buffer.from(inode.data);
      },
      close: async () => undefined,
    };
  }

  async rename(from: string, to: string): Promise<void> {
    this.step();
    const ino = this.names.get(from);
    if (ino === undefined) throw Object.assign(new Error(`ENOENT: ${from}`), { code: 'ENOENT' });
    this.names.set(to, ino);
    this.names.delete(from);
  }

  async rm(file: string): Promise<void> {
    this.step();
    this.names.delete(file);
  }

  async syncDir(dir: string): Promise<void> {
    this.step();
    for (const name of [...this.syncedNames.keys()])
      if (path.dirname(name) === dir && !this.names.has(name)) this.syncedNames.delete(name);
    for (const [name, ino] of this.names) if (path.dirname(name) === dir) this.syncedNames.set(name, ino);
  }

  /** The files (path → content) a reboot could find, for one {@link FlushView}. */
  afterCrash(view: FlushView): Map<string, string> {
    const names = view.names === 'all' ? this.names : this.syncedNames;
    const out = new Map<string, string>();
    for (const [name, ino] of names) {
      const inode = this.inodes.get(ino) as Inode;
      out.set(name, (view.contents === 'all' ? inode.data : inode.durable).toString('utf8'));
    }
    return out;
  }
}
