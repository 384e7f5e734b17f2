/**
 * A pass-through HTTP proxy in front of cognito-local (which has no fault injection) that applies
 * the emulator's kind of fault rules to user-pool calls: throttling, HTTP 500, dropped connections
 * and a refused token, for the next N calls of an operation, plus added latency. It counts the
 * calls that reached it (the operation only, never a parameter: those hold passwords and tokens).
 *
 * The path of the request is dropped before forwarding, so each model run can point its auth
 * instances at `<proxy>/run<N>` and get an AWS SDK client of its own (the library keeps one
 * user-pool client per endpoint, and with it the SDK's retry budget).
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultQueue } from './faultQueue.js';

export interface FaultProxy {
  endpoint: string;
  faults: FaultQueue;
  latencyMs: number;
  /** Operations that reached the proxy, oldest first (`InitiateAuth`, `GlobalSignOut`, …). */
  calls: string[];
  /** Requests still being answered. */
  readonly inFlight: number;
  close(): Promise<void>;
}

const MESSAGES: Record<string, { status: number; message: string }> = {
  TooManyRequestsException: { status: 400, message: 'Rate exceeded' },
  InternalErrorException: { status: 500, message: 'An internal error occurred.' },
  NotAuthorizedException: { status: 400, message: 'Injected: token refused.' },
};

export interface FaultProxyOptions {
  /**
   * Sees the body of every request and of every answer that passed through (test use only: the
   * secret scan harvests the secrets that crossed the wire from here).
   */
  onExchange?: (requestBody: string, answerBody: string) => void;
}

export async function startFaultProxy(target: string, options: FaultProxyOptions = {}): Promise<FaultProxy> {
  const upstream = new URL(target);
  const faults = new FaultQueue();
  const calls: string[] = [];
  let inFlight = 0;
  const state = { latencyMs: 0 };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    inFlight += 1;
    res.on('close', () => {
      inFlight -= 1;
    });
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const operation = String(req.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
      calls.push(operation);
      const answer = () => {
        const fault = operation ? faults.take(operation) : undefined;
        if (fault === 'ConnectionDropped') {
          req.socket.destroy();
          return;
        }
        if (fault && fault !== 'Hang') {
          const { status, message } = MESSAGES[fault] ?? { status: 400, message: fault };
          const text = JSON.stringify({ __type: fault, message });
          res.writeHead(status, {
            'content-type': 'application/x-amz-json-1.1',
            'x-amzn-errortype': fault,
            'content-length': Buffer.byteLength(text),
          });
          res.end(text);
          return;
        }
        const forward = httpRequest(
          {
            host: upstream.hostname,
            port: upstream.port,
            method: req.method,
            path: '/',
            headers: { ...req.headers, host: upstream.host },
          },
          (upstreamAnswer) => {
            res.writeHead(upstreamAnswer.statusCode ?? 502, upstreamAnswer.headers);
            if (!options.onExchange) {
              upstreamAnswer.pipe(res);
              return;
            }
            const answerChunks: Buffer[] = [];
            upstreamAnswer.on('data', (chunk: Buffer) => answerChunks.push(chunk));
            upstreamAnswer.on('end', () => {
              const answerBody = Buffer.concat(answerChunks);
              options.onExchange?.(body.toString('utf8'), answerBody.toString('utf8'));
              res.end(answerBody);
            });
          },
        );
        forward.on('error', () => res.destroy());
        forward.end(body);
      };
      if (state.latencyMs > 0) setTimeout(answer, state.latencyMs);
      else answer();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    faults,
    get latencyMs() {
      return state.latencyMs;
    },
    set latencyMs(ms: number) {
      state.latencyMs = ms;
    },
    calls,
    get inFlight() {
      return inFlight;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
