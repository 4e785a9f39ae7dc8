import path from 'node:path';
import type { Request, Response } from 'express';
import { AppError } from './app-error';

/** How a stored, content-addressed file is served. */
export interface StoredFile {
  /** Absolute path on the hub. */
  path: string;
  /** The file's sha256: its strong ETag (the bytes never change under one hash). */
  sha256: string;
  contentType: string;
  cacheControl: string;
  /** Extra response headers (download name, version). */
  headers?: Record<string, string>;
  /** Whether `Range` / `If-Range` requests get 206 partial content. */
  ranges?: boolean;
  /** The word for the file in a 416 message ("artifact", "agent package"). */
  what: string;
}

/**
 * Sends a stored file through express's `res.sendFile` (the `send` module), which answers `Range` / `If-Range` with
 * 206 and HEAD without a body; a matching `If-None-Match` gets 304. The ETag is the sha256, set before `send` so its freshness
 * checks use it; an unsatisfiable range becomes the hub's own 416 error, with the `Content-Range` that `send` set.
 */
export function sendStoredFile(req: Request, res: Response, file: StoredFile): Promise<void> {
  const etag = `"${file.sha256}"`;
  res.setHeader('ETag', etag);
  res.setHeader('Content-Type', file.contentType);
  res.setHeader('Cache-Control', file.cacheControl);
  for (const [name, value] of Object.entries(file.headers ?? {})) res.setHeader(name, value);
  // `send` answers If-None-Match itself, except when the request also says `Cache-Control: no-cache`, which fetch()
  // adds to every conditional request. The tag is the bytes' sha256, so a match is always current: 304 here.
  const noneMatch = req.headers['if-none-match'];
  if (noneMatch?.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)) {
    res.status(304).end();
    return Promise.resolve();
  }
  return new Promise<void>((resolve, reject) => {
    res.sendFile(
      path.resolve(file.path),
      {
        // The hub's data folder may sit under a dot-folder (.fleetbench/); the path is the hub's own, not the client's.
        dotfiles: 'allow',
        acceptRanges: file.ranges ?? false,
        cacheControl: false,
        etag: false,
        lastModified: false,
      },
      (err?: Error & { status?: number; code?: string }) => {
        if (!err) return resolve();
        if (err.status === 416) {
          return reject(new AppError('range-not-satisfiable', `The requested range is outside the ${file.what}.`));
        }
        // The client went away or the file vanished mid-send: nothing more can be said on this response.
        if (res.headersSent) {
          res.destroy();
          return resolve();
        }
        reject(err.status === 404 ? AppError.notFound(file.what, file.sha256) : err);
      },
    );
  });
}
