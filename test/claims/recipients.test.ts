import { describe, expect, it } from 'vitest';
import {
  classify,
  matchesRecipient,
  recipientDomains,
  registrableDomain,
} from '../../src/claims/recipients.ts';

const domains = recipientDomains({
  searchEngine: ['search.phonehome.test'],
  sites: ['https://news.site-a.test/article/r1', 'shop.site-b.test:443'],
  vendor: ['google.com', 'googleapis.com', 'analytics.test'],
});

describe('recipient classes', () => {
  it('should take registrable domains from the public suffix list', () => {
    expect(registrableDomain('news.site-a.test')).toBe('site-a.test');
    expect(registrableDomain('a.b.example.co.uk')).toBe('example.co.uk');
    expect(registrableDomain('127.0.0.1')).toBe('127.0.0.1');
  });

  it('should classify the fixture hosts by registrable domain', () => {
    expect(classify('search.phonehome.test', domains)).toEqual(['search-engine']);
    expect(classify('img.site-a.test', domains)).toEqual(['site']);
    expect(classify('shop.site-b.test', domains)).toEqual(['site']);
    expect(classify('collect.analytics.test', domains)).toEqual(['vendor']);
    expect(classify('start.duckduckgo.com', domains)).toEqual(['third-party']);
    expect(classify('192.0.2.7', domains)).toEqual(['third-party']);
  });

  it('should keep a declared vendor domain that is itself a private public suffix (googleapis.com)', () => {
    // update.googleapis.com is its own registrable domain under the private section of the list.
    expect(registrableDomain('update.googleapis.com')).toBe('update.googleapis.com');
    expect(classify('update.googleapis.com', domains)).toEqual(['vendor']);
  });

  it('should not let a look-alike domain pass as a declared one', () => {
    expect(classify('evilgoogle.com', domains)).toEqual(['third-party']);
    expect(matchesRecipient('notexample.com', { domain: 'example.com' }, domains)).toBe(false);
    expect(matchesRecipient('api.example.com', { domain: 'example.com' }, domains)).toBe(true);
  });

  it('should let a host be both search engine and vendor', () => {
    const both = recipientDomains({ searchEngine: ['www.google.com'], sites: [], vendor: ['google.com'] });
    expect(classify('suggest.google.com', both)).toEqual(['search-engine', 'vendor']);
  });
});
