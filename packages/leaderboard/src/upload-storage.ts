/**
 * Where an upload is written while it arrives: `uploads/<random>.part`,
 * removed again whatever happens (refused, malformed, cut off); the folder is
 * emptied when the server starts, so a crash leaves nothing behind for long.
 *
 * Unlike multer's disk storage it reports a file over the size limit the
 * moment busboy crosses it (`onTooLarge`): multer itself answers only once the
 * request has ended, and a chunked upload has no Content-Length to refuse it by.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, rm, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Request } from 'express';
import multer from 'multer';

/** Empties `dir` (uploads a crash left half-written) and creates it. */
export function clearUploads(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
}

/** A multer storage engine writing `<dir>/<random>.part`; `onTooLarge` runs once the partial file is gone. */
export function partFileStorage(
  dir: string,
  onTooLarge: (err: multer.MulterError) => void,
): multer.StorageEngine {
  return {
    _handleFile(
      _req: Request,
      file: Express.Multer.File,
      cb: (error?: unknown, info?: Partial<Express.Multer.File>) => void,
    ) {
      const path = join(dir, `${randomBytes(16).toString('hex')}.part`);
      const out = createWriteStream(path, { flags: 'wx' });
      // Known before the file is complete, so that multer's clean-up after a failed request removes it too.
      file.path = path;
      let size = 0;
      let settled = false;
      /** Closes and removes the partial file, then reports `err`. */
      const fail = (err: unknown, then: () => void = () => {}) => {
        if (settled) return;
        settled = true;
        file.stream.unpipe(out);
        file.stream.resume(); // the rest of the part is read and dropped
        out.once('close', () =>
          rm(path, { force: true }, () => {
            cb(err);
            then();
          }),
        );
        out.destroy();
      };
      file.stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
      });
      file.stream.once('limit', () => {
        const err = new multer.MulterError('LIMIT_FILE_SIZE', file.fieldname);
        fail(err, () => onTooLarge(err));
      });
      file.stream.once('error', (err) => fail(err));
      out.once('error', (err) => fail(err));
      out.once('finish', () => {
        if (settled) return;
        settled = true;
        cb(null, { path, size, destination: dir, filename: path.slice(dir.length + 1) });
      });
      file.stream.pipe(out);
    },
    _removeFile(_req: Request, file: Express.Multer.File, cb: (error: Error | null) => void) {
      rm(file.path, { force: true }, (err) => cb(err));
    },
  };
}
