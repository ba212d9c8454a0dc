import net from 'node:net';

export interface HttpResult {
  readonly status: number;
  readonly body: string;
}

interface Pending {
  readonly resolve: (result: HttpResult) => void;
  readonly reject: (error: Error) => void;
}

const HEAD_END = Buffer.from('\r\n\r\n');

/**
 * A keep-alive HTTP/1.1 JSON client on bare sockets, one request in flight per socket. The load
 * generator shares the two cores with the engine and PostgreSQL: node:http's client spent ~0.18 ms of
 * CPU per request, taken from the system under test. Each request goes out as one buffer; responses
 * must carry a Content-Length (the engine's always do).
 */
export class HttpClient {
  private readonly idle: Connection[] = [];
  private readonly waiting: (() => void)[] = [];
  private open = 0;
  private closed = false;
  private readonly host: string;
  private readonly port: number;

  constructor(
    baseUrl: string,
    private readonly maxSockets: number,
  ) {
    const url = new URL(baseUrl);
    this.host = url.hostname;
    this.port = Number(url.port);
  }

  async request(method: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
    const payload = body === undefined ? null : Buffer.from(JSON.stringify(body));
    let head = `${method} ${path} HTTP/1.1\r\nhost: ${this.host}:${this.port}\r\n`;
    for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
    if (payload) head += `content-type: application/json\r\ncontent-length: ${payload.length}\r\n`;
    const bytes = payload ? Buffer.concat([Buffer.from(`${head}\r\n`), payload]) : Buffer.from(`${head}\r\n`);
    const connection = await this.acquire();
    try {
      const result = await connection.send(bytes);
      this.release(connection);
      return result;
    } catch (error) {
      connection.destroy();
      this.open--;
      this.wakeOne();
      throw error;
    }
  }

  close(): void {
    this.closed = true;
    for (const connection of this.idle.splice(0)) connection.destroy();
  }

  private async acquire(): Promise<Connection> {
    for (;;) {
      if (this.closed) throw new Error('HttpClient is closed');
      const connection = this.idle.pop();
      // The server may have closed a connection while it sat idle.
      if (connection?.broken) {
        connection.destroy();
        this.open--;
        continue;
      }
      if (connection) return connection;
      if (this.open < this.maxSockets) {
        this.open++;
        try {
          return await Connection.open(this.host, this.port);
        } catch (error) {
          this.open--;
          throw error;
        }
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  private release(connection: Connection): void {
    if (this.closed || connection.broken) {
      connection.destroy();
      this.open--;
    } else {
      this.idle.push(connection);
    }
    this.wakeOne();
  }

  private wakeOne(): void {
    this.waiting.shift()?.();
  }
}

class Connection {
  private buffer: Buffer = Buffer.alloc(0);
  private pending: Pending | null = null;
  broken = false;

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('The server closed the connection')));
  }

  static open(host: string, port: number): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new Connection(socket));
      });
      socket.once('error', reject);
    });
  }

  send(bytes: Buffer): Promise<HttpResult> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.socket.write(bytes);
    });
  }

  destroy(): void {
    this.broken = true;
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const headEnd = this.buffer.indexOf(HEAD_END);
    if (headEnd < 0) return;
    const head = this.buffer.toString('latin1', 0, headEnd);
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (!length) return this.fail(new Error(`A response without Content-Length: ${head.split('\r\n')[0]}`));
    const end = headEnd + 4 + Number(length[1]);
    if (this.buffer.length < end) return;
    if (this.buffer.length > end) return this.fail(new Error('Unexpected bytes after a response'));
    const status = Number(head.slice(9, 12));
    const body = this.buffer.toString('utf8', headEnd + 4, end);
    this.buffer = Buffer.alloc(0);
    if (/\r\nconnection: *close/i.test(head)) this.broken = true;
    const pending = this.pending;
    this.pending = null;
    pending?.resolve({ status, body });
  }

  private fail(error: Error): void {
    this.broken = true;
    const pending = this.pending;
    this.pending = null;
    pending?.reject(error);
  }
}
