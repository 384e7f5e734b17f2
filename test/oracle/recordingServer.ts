/**
 * A small HTTP server on 127.0.0.1 that records every request (method, path, headers, body) and
 * either answers canned Cognito JSON or passes the request on to another server (an emulator).
 * Used to hold our clients' requests and parsing against the AWS SDK's.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface CannedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Close the connection without answering. */
  drop?: boolean;
}

export interface RecordingServer {
  endpoint: string;
  requests: RecordedRequest[];
  /** The comparable part of each request: method, path, target, content type, parsed JSON body. */
  wire(): Array<{ method: string; path: string; target: unknown; contentType: unknown; body: unknown }>;
  close(): Promise<void>;
}

/** Starts a recorder; `answer` gives the canned answer of each request, or `upstream` forwards it. */
export async function startRecordingServer(
  options: { answer?: (request: RecordedRequest, index: number) => CannedAnswer; upstream?: string },
): Promise<RecordingServer> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      const index = requests.length;
      requests.push(recorded);
      if (options.upstream) {
        const target = new URL(options.upstream);
        const forward = httpRequest(
          { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
          (upstream) => {
            res.writeHead(upstream.statusCode ?? 502, upstream.headers);
            upstream.pipe(res);
          },
        );
        forward.on('error', () => res.destroy());
        forward.end(Buffer.concat(chunks));
        return;
      }
      const canned = options.answer?.(recorded, index) ?? { status: 200, body: '{}' };
      if (canned.drop) {
        req.socket.destroy();
        return;
      }
      res.writeHead(canned.status, { 'content-type': 'application/x-amz-json-1.1', ...canned.headers });
      res.end(canned.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    wire: () =>
      requests.map((r) => ({
        method: r.method,
        path: r.path,
        target: r.headers['x-amz-target'],
        contentType: r.headers['content-type'],
        body: r.body === '' ? undefined : (JSON.parse(r.body) as unknown),
      })),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
