import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the provider would have received it: the bytes, not an interpretation. */
export interface RecordedRequest {
  readonly method: string;
  /** Path and query string. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface FakeResponse {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string | object;
}

export type Handler = (request: RecordedRequest) => FakeResponse | Promise<FakeResponse>;

/**
 * A provider stand-in on 127.0.0.1 (a free port): every request is recorded (unless `record` is
 * off, for benchmarks), answered by the queued responses first (`respondNext`: a 429, a 500…),
 * then by the provider's own handler.
 */
export class FakeHttpServer {
  readonly requests: RecordedRequest[] = [];
  /** Requests received, recorded or not. */
  received = 0;
  record = true;
  private readonly queued: FakeResponse[] = [];

  private constructor(
    private readonly server: Server,
    private readonly handler: Handler,
  ) {}

  static async start(handler: Handler): Promise<FakeHttpServer> {
    let fake: FakeHttpServer | null = null;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const request: RecordedRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks) };
        void (fake as FakeHttpServer).answer(request).then(
          (response) => {
            const body = response.body === undefined ? '' : typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
            const type = typeof response.body === 'object' ? { 'content-type': 'application/json' } : {};
            res.writeHead(response.status, { ...type, ...response.headers });
            res.end(body);
          },
          (error: unknown) => {
            res.writeHead(500, { 'content-type': 'text/plain' });
            res.end(String(error));
          },
        );
      });
    });
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake = new FakeHttpServer(server, handler);
    return fake;
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** Answer the next requests with these, in order, before the handler takes over again. */
  respondNext(...responses: FakeResponse[]): void {
    this.queued.push(...responses);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async answer(request: RecordedRequest): Promise<FakeResponse> {
    this.received += 1;
    if (this.record) this.requests.push(request);
    return this.queued.shift() ?? this.handler(request);
  }
}

export function json(request: RecordedRequest): unknown {
  return JSON.parse(request.body.toString('utf8'));
}

export function form(request: RecordedRequest): URLSearchParams {
  return new URLSearchParams(request.body.toString('utf8'));
}

/** What every fake provider offers its tests: where it listens, what it received, scripted answers. */
export abstract class FakeProvider {
  protected constructor(readonly server: FakeHttpServer) {}

  get url(): string {
    return this.server.url;
  }

  get requests(): RecordedRequest[] {
    return this.server.requests;
  }

  respondNext(...responses: FakeResponse[]): void {
    this.server.respondNext(...responses);
  }

  close(): Promise<void> {
    return this.server.close();
  }
}
