import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import {
  launchBrowser,
  screenshotPath,
  startService,
  type ServiceProcess,
  startStack,
  type Stack,
  workspaceRoot,
} from '@taxi/stack-harness';

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
/** Transaction's fleet, an unusual size: the page can only know it from `fleet_state`. */
const FLEET_SIZE = 120;

/**
 * The web page in a real browser (headless Chromium), against the real pipeline: four service
 * processes, the web process, a real broker and SMTP server. Nothing is stubbed: what the page
 * shows comes from Kafka.
 */
describe('the web page, in a browser, on the running pipeline', () => {
  let stack: Stack;
  let web: ServiceProcess;
  let webUrl: string;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([
      // Busy for a trip's real time (minutes): the drivers of the rides booked here stay busy.
      startStack({
        env: { transaction: { FLEET_SIZE: String(FLEET_SIZE), DRIVER_BUSY_TIME_SCALE: '1' } },
      }),
      launchBrowser(),
    ]);
    const started = await startService(
      'web',
      {
        KAFKA_BROKERS: stack.brokers,
        KAFKA_TOPIC_PREFIX: stack.prefix,
        KAFKA_CLIENT_ID: `${stack.prefix}web`,
        HTTP_PORT: '0',
        RIDES_URL: stack.ridesUrl,
        OPERATIONS_INTERVAL_MS: '500',
      },
      'joined consumer group',
    );
    web = started.process;
    webUrl = `http://127.0.0.1:${started.port}`;
  });

  afterAll(async () => {
    await browser?.close();
    await web?.stop();
    await stack?.stop();
  });

  beforeEach(async () => {
    page = await browser.newPage({ viewport: DESKTOP });
  });

  afterEach(async () => {
    await page?.close();
  });

  const openView = async (view: 'book' | 'watch') => {
    await page.goto(`${webUrl}/#${view}`);
    await page.waitForSelector('body[data-ready="true"]');
  };

  const stepText = (status: string) =>
    page.locator(`#ride-steps [data-status="${status}"]`).textContent({ timeout: 30_000 });

  it('when a ride is booked on the map with a card, then it shows confirmed with driver, vehicle, ETA and fare, then the email', async () => {
    await openView('book');
    const box = await page.locator('#book-map svg').boundingBox();
    if (!box) throw new Error('the map is not drawn');

    await page.mouse.click(box.x + box.width * 0.45, box.y + box.height * 0.45);
    await page.mouse.click(box.x + box.width * 0.6, box.y + box.height * 0.62);
    await page.selectOption('#payment-token', 'tok_visa');
    await page.click('#submit');

    const confirmed = await stepText('confirmed');
    expect(confirmed).toMatch(
      /^Confirmed: .+ in a \w+ .+, plate TX-\d{4}, pickup in about \d+ min, fare \$\d+\.\d{2}$/,
    );
    expect(await stepText('emailed')).toMatch(/^Email sent: confirmation/);
    const pickup = Number(await page.inputValue('#pickup-lat'));
    expect(pickup).toBeGreaterThan(40.73);
    await page.screenshot({ path: screenshotPath('book-confirmed'), fullPage: true });
  });

  it('when a ride is booked from the keyboard with the declining card, then it shows the rejection and its email', async () => {
    await openView('book');

    await page.focus('#payment-token');
    await page.selectOption('#payment-token', 'tok_chargeDeclined');
    await page.focus('#customer-email');
    await page.keyboard.press('Enter');

    expect(await stepText('rejected')).toMatch(/^Rejected \(payment_declined\): /);
    expect(await stepText('emailed')).toMatch(/^Email sent: rejection/);
    await page.screenshot({ path: screenshotPath('book-rejected'), fullPage: true });
  });

  it('when the form has bad entries, then the API field errors show beside their fields', async () => {
    await openView('book');

    await page.fill('#customer-email', 'not-an-email');
    await page.fill('#passengers', '12');
    await page.fill('#pickup-lat', '95');
    await page.click('#submit');

    await page.waitForSelector('#customer-email[aria-invalid="true"]');
    const errors = await page.$$eval('#ride-form .error', (elements) =>
      Object.fromEntries(elements.map((element) => [element.id, element.textContent ?? ''])),
    );
    expect(errors['customerEmail-error']).not.toBe('');
    expect(errors['passengers-error']).toMatch(/8/);
    expect(errors['pickup.lat-error']).toMatch(/90/);
    expect(errors['dropoff.lat-error']).toBe('');
    expect(await page.$eval('#form-error', (element) => element.textContent)).toMatch(
      /invalid fields/,
    );
    expect(await page.$('#ride-steps [data-status]')).toBeNull();
    await page.screenshot({ path: screenshotPath('book-errors'), fullPage: true });
  });

  it('when the demo stream runs, then the operations view counts rides, rates, lag, drivers and events', async () => {
    await openView('watch');
    const count = (id: string) =>
      page.$eval(`#${id}`, (element) => Number(element.textContent ?? 'NaN'));
    const confirmedBefore = await count('confirmed-count');

    const demo = spawn(
      process.execPath,
      [path.join(workspaceRoot, 'tools/dev-env/demo/ride-stream.ts')],
      {
        env: {
          PATH: process.env['PATH'] ?? '',
          RIDES_URL: stack.ridesUrl,
          DEMO_RATE: '20',
          DEMO_LIMIT: '80',
        },
        stdio: 'ignore',
      },
    );
    try {
      await page.waitForFunction(
        (before) => Number(document.getElementById('confirmed-count')?.textContent) >= before + 40,
        confirmedBefore,
        { timeout: 30_000 },
      );
      await page.waitForFunction(
        () =>
          Number(
            document.querySelector('#rates tr[data-topic$="ride_details"] td.number')?.textContent,
          ) > 0,
      );
      await page.waitForFunction(() =>
        [...document.querySelectorAll('#lag tbody tr')].some((row) =>
          row.textContent?.includes('transaction'),
        ),
      );
    } finally {
      demo.kill('SIGTERM');
    }

    const recent = await page.$$eval('#recent tbody tr', (rows) =>
      rows.map((row) => [...row.querySelectorAll('td')].map((cell) => cell.textContent ?? '')),
    );
    expect(recent.length).toBe(20);
    for (const [, topic, partition, offset] of recent) {
      expect(topic).toMatch(/(ride_details|ride_confirmed|ride_rejected|email_sent)$/);
      expect(Number(partition)).toBeGreaterThanOrEqual(0);
      expect(offset).toMatch(/^\d+$/);
    }
    // The drivers are transaction's fleet state: every driver of every shard, busy or free,
    // those of the rides booked here busy. Confirmations alone could not show the idle ones.
    await page.waitForFunction(
      () => document.getElementById('shards-reported')?.textContent === '',
    );
    const drivers = await page.evaluate(() => ({
      busy: Number(document.getElementById('busy-count')?.textContent),
      free: Number(document.getElementById('free-count')?.textContent),
      busyMarkers: document.querySelectorAll('#drivers-map circle.busy').length,
      freeMarkers: document.querySelectorAll('#drivers-map circle.free').length,
    }));
    expect(drivers.busy + drivers.free).toBe(FLEET_SIZE);
    expect(drivers.busy).toBeGreaterThan(0);
    expect(drivers.busyMarkers).toBe(drivers.busy);
    expect(drivers.freeMarkers).toBe(drivers.free);
    await page.screenshot({ path: screenshotPath('watch'), fullPage: true });
  });

  it('when the page is opened at phone width, then nothing needs sideways scrolling', async () => {
    await page.close();
    page = await browser.newPage(PHONE);
    for (const view of ['book', 'watch'] as const) {
      await openView(view);

      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow).toBe(0);
      await page.screenshot({ path: screenshotPath(`phone-${view}`), fullPage: true });
    }
  });
});
