import { describe, expect, it } from 'vitest';
import { linesNotInResources, normalisePromise, resourceText } from '../../src/promise/promise.ts';

describe('promise text', () => {
  it('should fold whitespace and drop blank lines, keeping every word', () => {
    expect(normalisePromise('  You’ve gone\u00a0 Incognito \n\n\tChromium won’t save:\r\n')).toBe(
      'You’ve gone Incognito\nChromium won’t save:',
    );
  });

  it('should read resource markup as the page shows it', () => {
    expect(resourceText('Chromium <em>won’t save</em>:\n  <ul><li>Your browsing history')).toBe(
      'Chromium won’t save: Your browsing history',
    );
    expect(resourceText('you can <a href="$1">try it</a>.')).toBe('you can try it.');
  });

  it('should accept lines held by a resource, with placeholders and a trailing link, and list the others', () => {
    const resources = [
      'Others who use this device won’t see your activity.',
      '{ -brand-short-name } deletes your cookies when you close all your private windows.',
      'Search with $1 or enter address',
      'Learn more',
    ];
    const promise = [
      'Others who use this device won’t see your activity. Learn more',
      'Firefox deletes your cookies when you close all your private windows.',
      'Search with DuckDuckGo or enter address',
      'Firefox keeps your cookies.',
    ].join('\n');
    expect(linesNotInResources(promise, resources)).toEqual(['Firefox keeps your cookies.']);
  });
});
