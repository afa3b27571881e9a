// Generates every PNG of Clawline's artwork from ONE source, assets/icon.svg, by setting the
// SVG's root class (see the comment in the SVG) and rasterizing it in Chromium (playwright-core
// driving /usr/bin/chromium: the same browser the UI tests use, so it works offline and in CI).
// Output (committed): build/icon.png (1024), build/icons/NxN.png, assets/app-icon.png (window
// and notification icon: build/ is not packed into the app), assets/tray/*.png (1x/2x per state,
// macOS Template variants), renderer/static/logo.svg.
// Run: node scripts/icons.mjs
import { chromium } from 'playwright-core';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const source = await readFile(join(root, 'assets/icon.svg'), 'utf8');

// Same list as TRAY_ICON_STATES in main/desktop/tray-model.ts (test/desktop/icons.test.ts checks every file).
const TRAY_STATES = ['connected', 'connecting', 'not-linked', 'disconnected', 'attention'];
const APP_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024];

/** The source SVG with its root class and pixel size replaced. */
function variant(cls, size) {
  return source.replace(/<svg([^>]*?) width="\d+" height="\d+" class="[^"]*"/, `<svg$1 width="${size}" height="${size}" class="${cls}"`);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--force-color-profile=srgb'],
});
try {
  const page = await browser.newPage({ deviceScaleFactor: 1 });
  const render = async (cls, size, out) => {
    await page.setViewportSize({ width: size, height: size });
    await page.setContent(`<!doctype html><html><body style="margin:0;background:transparent">${variant(cls, size)}</body></html>`);
    const png = await page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } });
    await mkdir(dirname(join(root, out)), { recursive: true });
    await writeFile(join(root, out), png);
    return out;
  };
  const written = [];
  written.push(await render('app', 1024, 'build/icon.png'));
  for (const size of APP_SIZES) written.push(await render('app', size, `build/icons/${size}x${size}.png`));
  written.push(await render('app', 256, 'assets/app-icon.png'));
  for (const state of TRAY_STATES) {
    for (const [suffix, size] of [['', 16], ['@2x', 32]]) {
      written.push(await render(`tray state-${state}`, size, `assets/tray/tray-${state}${suffix}.png`));
      written.push(await render(`tray template state-${state}`, size, `assets/tray/tray-${state}Template${suffix}.png`));
    }
  }
  // The window's logo: the app variant as SVG (crisp at any zoom).
  await writeFile(join(root, 'renderer/static/logo.svg'), variant('app', 64));
  written.push('renderer/static/logo.svg');
  console.log(`icons: wrote ${written.length} files`);
} finally {
  await browser.close();
}
