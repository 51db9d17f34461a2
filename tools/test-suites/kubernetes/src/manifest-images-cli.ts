// `node manifest-images-cli.ts OVERLAY`: the images the overlay's pods run, one per line (test.sh
// plans their builds with the container test's plan-cli.ts --images).
import { imagesOf, renderOverlay } from './manifest-images.ts';

const [overlay] = process.argv.slice(2);
if (!overlay) {
  process.stderr.write('usage: node manifest-images-cli.ts OVERLAY\n');
  process.exit(2);
}
try {
  for (const image of imagesOf(renderOverlay(overlay, process.cwd())))
    process.stdout.write(`${image}\n`);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
