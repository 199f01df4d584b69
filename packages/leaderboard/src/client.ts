/**
 * Talking to a leaderboard server over HTTP, for the command line, the demo
 * and remote workers: "cannot connect" and error replies become messages
 * naming the server, not stack traces.
 */
import { InputError } from '@course/models';

/**
 * The server refused a request or could not be reached. `retryable`:
 * unreachable or a 5xx (a restart, a proxy), worth trying again shortly.
 */
export class ServerApiError extends InputError {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** `fetch`, with "cannot connect" reported as a ServerApiError naming the server instead of a stack trace. */
export async function fetchServer(server: string, path: string, init: RequestInit = {}): Promise<Response> {
  try {
    return await fetch(new URL(path, server), init);
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new ServerApiError(
      `${server}: cannot connect (${cause?.code ?? cause?.message ?? (err as Error).message}); is the leaderboard running at that URL?`,
      true,
    );
  }
}

/** A reply's JSON; an error status (or a page that is not JSON, e.g. a proxy's) as a ServerApiError. */
export async function replyJson(server: string, res: Response): Promise<unknown> {
  const text = await res.text();
  let body: { error?: string } | null = null;
  try {
    body = JSON.parse(text) as { error?: string };
  } catch {}
  if (!res.ok || body === null) {
    throw new ServerApiError(
      `${server}: HTTP ${res.status}: ${body?.error ?? text.slice(0, 200)}`,
      res.status >= 500,
    );
  }
  return body;
}
