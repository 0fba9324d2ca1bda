import { fileURLToPath } from 'node:url';
import type { TargetConfig } from './driver.ts';

const referenceExtension = fileURLToPath(new URL('../fixtures/reference/extension', import.meta.url));

/** Registrable domains of Chromium's own services (Google). */
const CHROMIUM_VENDOR = [
  'google.com',
  'googleapis.com',
  'gstatic.com',
  'gvt1.com',
  'chromium.org',
  'googleusercontent.com',
];

/**
 * The default matrix's targets. Each runs in every mode it lists (both by default).
 * Vendor domains are registrable domains (eTLD+1) of the browser maker.
 */
export const DEFAULT_TARGETS: TargetConfig[] = [
  {
    id: 'chromium',
    name: 'Chromium',
    engine: 'chromium',
    executablePath: '/usr/bin/chromium',
    vendorDomains: CHROMIUM_VENDOR,
    // Debian's Chromium searches DuckDuckGo from the address bar by default.
    addressBarEngine: ['duckduckgo.com'],
  },
  {
    id: 'firefox-esr',
    name: 'Firefox ESR',
    engine: 'firefox',
    executablePath: '/usr/bin/firefox-esr',
    vendorDomains: ['mozilla.org', 'mozilla.com', 'mozilla.net', 'firefox.com', 'mozaws.net', 'mozgcp.net'],
    // Debian's Firefox ESR searches Google from the address bar by default (client=firefox-b-e).
    addressBarEngine: ['google.com'],
  },
  {
    id: 'falkon',
    name: 'Falkon',
    engine: 'chromium',
    driver: 'falkon',
    executablePath: '/usr/bin/falkon',
    // KDE's browser on QtWebEngine; its filter lists come from Adblock Plus's and GitHub's servers.
    vendorDomains: ['kde.org', 'falkon.org'],
    // Falkon's address bar and search box suggest and search with DuckDuckGo by default.
    addressBarEngine: ['duckduckgo.com'],
  },
  {
    id: 'qutebrowser',
    name: 'qutebrowser',
    engine: 'chromium',
    driver: 'qutebrowser',
    executablePath: '/usr/bin/qutebrowser',
    vendorDomains: ['qutebrowser.org'],
    // Its default start page and search engine are DuckDuckGo's.
    addressBarEngine: ['duckduckgo.com'],
  },
  {
    id: 'gnome-web',
    name: 'GNOME Web',
    engine: 'webkit',
    driver: 'epiphany',
    executablePath: '/usr/bin/epiphany-browser',
    // GNOME's browser on WebKitGTK; its content filter comes from Adblock Plus's servers.
    vendorDomains: ['gnome.org'],
    // GNOME Web's address bar searches DuckDuckGo by default.
    addressBarEngine: ['duckduckgo.com'],
  },
  {
    id: 'webkitgtk',
    name: "WebKitGTK MiniBrowser (WebKitGTK's test shell)",
    engine: 'webkit',
    executablePath: '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser',
    // Driven by keys on a virtual display (drivers/webkit.ts): normal and --private.
    vendorDomains: ['webkitgtk.org', 'webkit.org', 'igalia.com', 'gnome.org'],
  },
  {
    id: 'reference',
    name: 'Leaky reference (Chromium + vendor telemetry)',
    engine: 'chromium',
    executablePath: '/usr/bin/chromium',
    extensions: [referenceExtension],
    reference: true,
    // The reference shows a leak of what the user does; what Chromium sends by itself (idle, restart)
    // is the Chromium target's column already.
    scenarios: ['search', 'visit'],
    // The same values are hard-coded in fixtures/reference/extension/background.js.
    identifiers: [
      { kind: 'android-id', value: '8a4fe2c1d9b73e05' },
      { kind: 'os-version', value: 'QKQ1.200114.002' },
    ],
    // Its vendor is the phone maker's analytics service, on top of Chromium's own.
    vendorDomains: ['analytics.test', ...CHROMIUM_VENDOR],
  },
];
