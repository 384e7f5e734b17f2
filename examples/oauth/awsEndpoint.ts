/**
 * A stand-in for an AWS API on 127.0.0.1: it answers 200 only to requests signed (SigV4) with
 * credentials the emulator's identity pool handed out, and says who signed. Browsers call it
 * from another origin, so it answers CORS preflights.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EmulatorHandle } from '../../emulator/index.js';

/** The service name requests must be signed for (API Gateway's). */
export const EXAMPLE_SERVICE = 'execute-api';

export interface AwsEndpointHandle {
  /** `http://127.0.0.1:<port>/hello` */
  url: string;
  /** The outcome of every request, oldest first: the identity, or the error name. */
  requests(): { status: number; identityId?: string; error?: string }[];
  close(): Promise<void>;
}

export async function startAwsEndpoint(emulator: Pick<EmulatorHandle, 'verifySignedRequest'>): Promise<AwsEndpointHandle> {
  const outcomes: { status: number; identityId?: string; error?: string }[] = [];
  const server = createServer((req, res) => {
    const cors = {
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'GET, POST',
      'access-control-allow-headers': 'authorization, content-type, x-amz-date, x-amz-security-token, x-amz-content-sha256',
      'access-control-max-age': '600',
    };
    if (req.method === 'OPTIONS') {
      res.writeHead(204, cors).end();
      return;
    }
    readBody(req)
      .then((body) =>
        emulator.verifySignedRequest(
          { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body },
          { service: EXAMPLE_SERVICE },
        ),
      )
      .then(
        ({ identityId }) => {
          outcomes.push({ status: 200, identityId });
          res.writeHead(200, { ...cors, 'content-type': 'application/json' }).end(JSON.stringify({ identityId }));
        },
        (error: unknown) => {
          // The emulator's messages are AWS's wording and never hold a key or token.
          const { name, message } = error instanceof Error ? error : new Error(String(error));
          outcomes.push({ status: 403, error: name });
          res.writeHead(403, { ...cors, 'content-type': 'application/json' }).end(JSON.stringify({ __type: name, message }));
        },
      );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hello`,
    requests: () => outcomes.map((outcome) => ({ ...outcome })),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 65_536) throw new Error('Request body too large.');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
