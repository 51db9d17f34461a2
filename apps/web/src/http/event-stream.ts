import type { Request, Response } from 'express';

export interface EventStream {
  send(event: string, data: unknown): void;
}

/**
 * Server-Sent Events, which the browser's EventSource reads natively. Open streams are tracked so
 * that a shutdown can end them: an open stream would otherwise keep the HTTP server from closing.
 */
export class EventStreams {
  private readonly open = new Set<Response>();

  /** Opens a stream and feeds it: `feed` subscribes it to updates and returns the unsubscribe. */
  start(req: Request, res: Response, feed: (stream: EventStream) => () => void): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
    });
    res.write('retry: 2000\n\n');
    this.open.add(res);
    const unsubscribe = feed({
      send: (event, data) => {
        res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      },
    });
    req.on('close', () => {
      this.open.delete(res);
      unsubscribe();
    });
  }

  endAll(): void {
    for (const res of this.open) res.end();
    this.open.clear();
  }
}
