import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { replyOncePerRead, SmtpSink } from './smtp-sink';

/** The chunks the client reads until one of them holds `until`. */
const readUntil = async (socket: Socket, until: string): Promise<string[]> => {
  const chunks: string[] = [];
  while (!chunks.some((chunk) => chunk.includes(until))) {
    const [chunk] = (await once(socket, 'data')) as [Buffer];
    chunks.push(chunk.toString('latin1'));
  }
  return chunks;
};

describe('replyOncePerRead', () => {
  const server = createServer();
  const sockets: Socket[] = [];

  beforeAll(async () => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
  });

  afterAll(async () => {
    sockets.forEach((socket) => socket.destroy());
    server.close();
    await once(server, 'close');
  });

  it('when a read brings commands, then the replies written in that turn leave in one write after it', async () => {
    const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
    const [accepted] = (await once(server, 'connection')) as [Socket];
    sockets.push(client, accepted);
    replyOncePerRead(accepted);
    const replies = ['250 OK\r\n', '250 Accepted\r\n', '354 End data with <CR><LF>.<CR><LF>\r\n'];
    const heldInTheTurn = new Promise<number>((resolve) =>
      accepted.once('data', () => {
        replies.forEach((reply) => accepted.write(reply));
        resolve(accepted.writableLength);
      }),
    );

    client.write('MAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\nDATA\r\n');

    // Not held, each reply would go to the kernel as it is written, and nothing would wait.
    expect(await heldInTheTurn).toBe(replies.join('').length);
    const [received] = (await once(client, 'data')) as [Buffer];
    expect(received.toString()).toBe(replies.join(''));
    expect(accepted.writableLength).toBe(0);
  });
});

describe('SmtpSink', () => {
  let sink: SmtpSink;
  let client: Socket;

  beforeEach(async () => {
    sink = await SmtpSink.start({ countOnly: true });
    client = connect(sink.port, '127.0.0.1');
    await readUntil(client, '220 ');
    client.write('EHLO client.test\r\n');
    await readUntil(client, '250 ');
  });

  afterEach(async () => {
    client.destroy();
    await sink.stop();
  });

  it('when the message follows, then it is counted and acknowledged', async () => {
    client.write('MAIL FROM:<rides@taxi.test>\r\nRCPT TO:<ada@example.com>\r\nDATA\r\n');
    await readUntil(client, '354 ');
    client.write('Subject: hi\r\n\r\nhello\r\n.\r\n');

    const chunks = await readUntil(client, '250 ');

    expect(chunks.join('')).toMatch(/^250 /m);
    expect(sink.count).toBe(1);
  });
});
