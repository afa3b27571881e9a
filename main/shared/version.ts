// The app's version, kept equal to package.json by test/unit/version.test.ts (bundles cannot
// read package.json from a fixed relative path).
export const APP_VERSION = '0.1.0';
