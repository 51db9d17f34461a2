import { Writable } from 'node:stream';
import pino from 'pino';
import { infoRateLimit } from './log-sampling';

const capture = (level: string, perSecond: number) => {
  const lines: { level: number; msg: string; rideId?: string }[] = [];
  const clock = { now: 10_000 };
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  const logger = pino(
    { level, hooks: { logMethod: infoRateLimit(perSecond, () => clock.now) } },
    stream,
  );
  return { logger, lines, clock };
};

describe('infoRateLimit', () => {
  it('when more info lines of one kind arrive in a second than allowed, then the rest are logged at debug', () => {
    const { logger, lines } = capture('debug', 2);

    for (let n = 0; n < 5; n += 1) logger.info({ rideId: `r${n}` }, 'ride confirmed');

    expect(lines.map((line) => [line.level, line.rideId])).toEqual([
      [30, 'r0'],
      [30, 'r1'],
      [20, 'r2'],
      [20, 'r3'],
      [20, 'r4'],
    ]);
  });

  it('when the level is info, then the lines beyond the allowance are not written', () => {
    const { logger, lines } = capture('info', 2);

    for (let n = 0; n < 5; n += 1) logger.info({ rideId: `r${n}` }, 'ride confirmed');

    expect(lines.map((line) => line.rideId)).toEqual(['r0', 'r1']);
  });

  it('when a new second starts, then info lines are written again', () => {
    const { logger, lines, clock } = capture('info', 1);

    logger.info('ride confirmed');
    logger.info('ride confirmed');
    clock.now += 1_000;
    logger.info('ride confirmed');

    expect(lines).toHaveLength(2);
  });

  it('when lines of different kinds arrive, then each kind has its own allowance', () => {
    const { logger, lines } = capture('info', 1);

    logger.info({ rideId: 'a' }, 'ride confirmed');
    logger.info({ rideId: 'b' }, 'ride rejected');
    logger.info('joined consumer group');

    expect(lines.map((line) => line.msg)).toEqual([
      'ride confirmed',
      'ride rejected',
      'joined consumer group',
    ]);
  });

  it('when child loggers (one per message) log, then they share the allowance of their kind', () => {
    const { logger, lines } = capture('info', 1);

    logger.child({ rideId: 'a' }).info('email sent');
    logger.child({ rideId: 'b' }).info('email sent');

    expect(lines.map((line) => line.rideId)).toEqual(['a']);
  });

  it('when warnings and errors come fast, then every one is written at its own level', () => {
    const { logger, lines } = capture('info', 1);

    for (let n = 0; n < 3; n += 1) logger.warn('handling failed');
    logger.error('handling failed');

    expect(lines.map((line) => line.level)).toEqual([40, 40, 40, 50]);
  });
});
