/** Errors the HTTP server answers with: a status, a message for the client, optional headers. */
import { CourseError } from '@course/models';
import type { Ajv } from 'ajv';
import multer from 'multer';
import type { LeaderboardConfig } from './config.js';

/** An HTTP error with a status and a message for the client. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** 413 naming the limit and where it comes from. */
export function tooLarge(maxBytes: number, config: LeaderboardConfig): HttpError {
  const a = config.architecture;
  return new HttpError(
    413,
    `checkpoint: larger than ${maxBytes} bytes, the size of an fp32 (version 3) checkpoint of the required architecture d${a.depth} c${a.channels} h${a.heads}`,
  );
}

/** Any error thrown by a route, as the HttpError the client gets (500 for ours, logged). */
export function toHttpError(err: unknown, maxUploadBytes: number, config: LeaderboardConfig): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof multer.MulterError) {
    if (err.code === 'LIMIT_FILE_SIZE') return tooLarge(maxUploadBytes, config);
    if (err.code === 'LIMIT_UNEXPECTED_FILE' || err.code === 'LIMIT_FILE_COUNT') {
      return new HttpError(
        400,
        `checkpoint: expected exactly one file, in the multipart field "checkpoint"${err.field && err.field !== 'checkpoint' ? ` (found a file in field "${err.field}")` : ' (found more than one)'}`,
      );
    }
    return new HttpError(
      400,
      `multipart upload: ${err.message}${err.field ? ` (field "${err.field}")` : ''}`,
    );
  }
  if (err instanceof CourseError) return new HttpError(400, err.message);
  const status = (err as { status?: number; statusCode?: number }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // body-parser's errors (bad JSON, too large) carry a status and a safe message.
    return new HttpError(status, (err as Error).message);
  }
  return new HttpError(500, 'internal server error (logged)');
}

/** Throws a 400 listing ajv's complaints about `body`. */
export function checkBody(validate: ReturnType<Ajv['compile']>, body: unknown, what: string): void {
  if (!validate(body)) {
    const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
    throw new HttpError(400, `${what}: ${problems.join('; ')}`);
  }
}

export function escapeText(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
