import { registerDriver } from './driver.ts';

/**
 * Every driver phonehome ships, registered lazily so a run only loads what its targets use.
 * Import this module once (fixtures and CLI do) before calling getDriver().
 */
registerDriver('chromium', async () => (await import('./chromium.ts')).chromiumDriver);
registerDriver('android', async () => (await import('./android/android-driver.ts')).androidDriver);
registerDriver('firefox', async () => (await import('./firefox.ts')).firefoxDriver);
registerDriver('webkit', async () => (await import('./webkit.ts')).webkitDriver);
registerDriver('webkit-webdriver', async () => (await import('./webkit-webdriver.ts')).webkitWebDriverDriver);
registerDriver('falkon', async () => (await import('./falkon.ts')).falkonDriver);
registerDriver('qutebrowser', async () => (await import('./qutebrowser.ts')).qutebrowserDriver);
registerDriver('epiphany', async () => (await import('./epiphany.ts')).epiphanyDriver);
