import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';

/** The file-system calls a durable write needs; tests pass a simulated file system that can lose power. */
export interface FileOps {
  mkdir(dir: string): Promise<void>;
  /** Creates (or truncates) `file` for writing. */
  open(file: string, mode: number): Promise<WritableFile>;
  rename(from: string, to: string): Promise<void>;
  rm(file: string): Promise<void>;
  /** fsync of a folder, so a rename or a new name in it survives a power loss. */
  syncDir(dir: string): Promise<void>;
}

export interface WritableFile {
  writeFile(data: string | Uint8Array): Promise<void>;
  chmod(mode: number): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

export const nodeFileOps: FileOps = {
  mkdir: async (dir) => {
    await fs.mkdir(dir, { recursive: true });
  },
  open: (file, mode) => fs.open(file, 'w', mode),
  rename: (from, to) => fs.rename(from, to),
  rm: (file) => fs.rm(file, { force: true }),
  syncDir: (dir) => fsyncDir(dir),
};

/**
 * Writes a file so that a power loss leaves either the old or the new content, never a torn one:
 * temp file in the same folder, fsync, rename over the target, fsync the folder.
 */
export async function writeFileAtomic(
  file: string,
  data: string | Uint8Array,
  mode = 0o600,
  ops: FileOps = nodeFileOps,
): Promise<void> {
  const dir = path.dirname(file);
  await ops.mkdir(dir);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await ops.open(tmp, mode);
  try {
    await handle.writeFile(data);
    await handle.chmod(mode);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await ops.rename(tmp, file);
  } catch (err) {
    await ops.rm(tmp);
    throw err;
  }
  await ops.syncDir(dir);
}

export async function fsyncDir(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch {
    // Some file systems refuse fsync on a directory; the rename is still atomic there.
  } finally {
    await handle?.close();
  }
}
