import type autocannon from 'autocannon';

// The part of autocannon's programmatic API season-load uses beyond bench/autocannon.d.ts: a body
// and headers of its own per request and per connection, and a rate per connection.

export interface RequestData {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

export interface SequenceRequest {
  method?: string;
  path?: string;
  /** Called before each request is built; what it returns is sent. */
  setupRequest?: (request: RequestData, context: Record<string, unknown>) => RequestData;
  /** Called with each answer, its body as text. */
  onResponse?: (status: number, body: string, context: Record<string, unknown>) => void;
}

/** One connection; setupClient gets it before its first request. */
export interface LoadClient {
  setHeaders(headers: Record<string, string>): void;
}

export type SequenceOptions = autocannon.Options & {
  requests: SequenceRequest[];
  setupClient?: (client: LoadClient) => void;
  /** Requests per second of each connection. */
  connectionRate?: number;
};
