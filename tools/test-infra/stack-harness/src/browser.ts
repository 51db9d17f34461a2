import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { workspaceRoot } from './workspace';

/**
 * Debian's chromium (the test command installs it), driven headless by playwright-core: its own
 * browser download is neither wanted nor possible here. CHROMIUM_PATH points at another build.
 */
export const launchBrowser = async (): Promise<Browser> => {
  const executablePath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) {
    throw new Error(
      `no browser at ${executablePath}: install chromium (apt-get install chromium) or set CHROMIUM_PATH`,
    );
  }
  // Playwright runs Chromium without its sandbox by default, which it needs when run as root
  // (CI, containers).
  return chromium.launch({
    executablePath,
    headless: true,
    args: ['--disable-dev-shm-usage', '--disable-gpu', '--lang=en-US'],
  });
};

/** Test artifacts: screenshots land in tmp/web-screenshots (gitignored). */
export const screenshotPath = (name: string): string => {
  const dir = path.join(workspaceRoot, 'tmp', 'web-screenshots');
  mkdirSync(dir, { recursive: true });
  return path.join(dir, `${name}.png`);
};
