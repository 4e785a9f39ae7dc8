import { promises as fs } from 'node:fs';
import path from 'node:path';
import { AppError } from '../utils/app-error';

const inside = (p: string, dir: string) => p === dir || p.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep);

/**
 * A path the hub may read for a registration: absolute, under one of FLEETBENCH_REGISTER_DIRS both as written and
 * after resolving symbolic links. A path outside gets the same answer whether or not it exists, so the API cannot be
 * used to probe the hub's file system. Returns the resolved path.
 */
export async function registrationPath(p: string, dirs: readonly string[], field = 'path'): Promise<string> {
  if (!dirs.length)
    throw new AppError(
      'forbidden',
      'Registration by path is off on this hub; upload the bytes instead, or set FLEETBENCH_REGISTER_DIRS to the folders the hub may read.',
    );
  const outside = () =>
    new AppError(
      'forbidden',
      `\`${field}\` must lie under one of the folders in FLEETBENCH_REGISTER_DIRS (${dirs.join(', ')}); upload the bytes instead.`,
    );
  if (!path.isAbsolute(p))
    throw new AppError('bad-request', `\`${field}\` must be an absolute path on the hub machine.`);
  const lexical = path.resolve(p);
  if (!dirs.some((d) => inside(lexical, d))) throw outside();
  let real: string;
  try {
    real = await fs.realpath(lexical);
  } catch {
    return lexical; // missing: inside the folders, the caller's own "cannot read" answer reveals nothing more
  }
  const realDirs = await Promise.all(dirs.map((d) => fs.realpath(d).catch(() => d)));
  if (!realDirs.some((d) => inside(real, d))) throw outside();
  return real;
}
