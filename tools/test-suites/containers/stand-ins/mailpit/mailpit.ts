// Stand-in for Mailpit (axllent/mailpit), which no registry reachable here has: an SMTP catcher
// on :1025 that keeps what it accepts in memory, and the part of Mailpit's HTTP API on :8025 the
// container test reads (`GET /api/v1/messages`, `/readyz`, `/livez`). `mailpit readyz` is the
// CLI probe docker-compose.yml's healthcheck runs. Bundled with esbuild into the image.
import { createServer, request } from 'node:http';
import { randomUUID } from 'node:crypto';
import PostalMime from 'postal-mime';
import { SMTPServer } from 'smtp-server';

const SMTP_PORT = 1025;
const HTTP_PORT = 8025;

interface Address {
  Name: string;
  Address: string;
}
/** A message summary as Mailpit's `GET /api/v1/messages` lists it (the fields used here). */
interface MessageSummary {
  ID: string;
  MessageID: string;
  From: Address;
  To: Address[];
  Subject: string;
  Created: string;
  Snippet: string;
}

const messages: MessageSummary[] = [];

const address = (a: { name?: string; address?: string } | undefined): Address => ({
  Name: a?.name ?? '',
  Address: a?.address ?? '',
});

const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  onData: (stream, _session, callback) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => void keep(Buffer.concat(chunks), callback));
  },
});

const keep = (raw: Buffer, callback: (error?: Error) => void) =>
  PostalMime.parse(raw)
    .then((email) => {
      messages.unshift({
        ID: randomUUID(),
        MessageID: email.messageId ?? '',
        From: address(email.from),
        To: (email.to ?? []).map(address),
        Subject: email.subject ?? '',
        Created: new Date().toISOString(),
        Snippet: (email.text ?? '').slice(0, 250),
      });
      callback();
    })
    .catch(callback);

const http = createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (req.method === 'GET' && (path === '/readyz' || path === '/livez')) {
    res.writeHead(200).end('ok');
  } else if (req.method === 'GET' && path === '/api/v1/messages') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ total: messages.length, count: messages.length, messages }));
  } else {
    res.writeHead(404).end();
  }
});

const serve = () => {
  smtp.listen(SMTP_PORT, '0.0.0.0');
  http.listen(HTTP_PORT, '0.0.0.0');
  process.stdout.write(`mailpit stand-in: SMTP :${SMTP_PORT}, HTTP :${HTTP_PORT}\n`);
  process.once('SIGTERM', () => {
    http.close();
    smtp.close(() => process.exit(0));
  });
};

const probeReady = () =>
  request({ host: '127.0.0.1', port: HTTP_PORT, path: '/readyz', timeout: 2000 }, (res) =>
    process.exit(res.statusCode === 200 ? 0 : 1),
  )
    .on('error', () => process.exit(1))
    .end();

if (process.argv[2] === 'readyz') probeReady();
else serve();
