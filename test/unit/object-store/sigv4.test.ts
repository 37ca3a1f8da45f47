// The signer against AWS's published SigV4 test suite (aws-sig-v4-test-suite, credentials
// AKIDEXAMPLE, region us-east-1, service "service", 2015-08-30T12:36:00Z). The intermediate strings
// are compared too: a store answers every signing mistake with the same SignatureDoesNotMatch.
import { describe, expect, it } from 'vitest';
import { EMPTY_SHA256, sha256Hex, signRequest, type SignInput } from '../../../src/object-store/sigv4.js';

const SUITE = {
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
  region: 'us-east-1',
  service: 'service',
  now: new Date('2015-08-30T12:36:00Z'),
};
const CREDENTIAL = 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request';
const sign = (method: string, url: string, extra: Partial<SignInput> = {}) =>
  signRequest({ method, url: new URL(url), headers: {}, payloadHash: EMPTY_SHA256, ...SUITE, ...extra });

describe('SigV4 (AWS test suite)', () => {
  it('get-vanilla: canonical request, string to sign and signature', () => {
    const signed = sign('GET', 'https://example.amazonaws.com/');
    expect(signed.canonicalRequest).toBe(['GET', '/', '', 'host:example.amazonaws.com', 'x-amz-date:20150830T123600Z', '', 'host;x-amz-date', EMPTY_SHA256].join('\n'));
    expect(sha256Hex(signed.canonicalRequest)).toBe('bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63');
    expect(signed.stringToSign).toBe('AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63');
    expect(signed.headers.authorization).toBe(`${CREDENTIAL}, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31`);
  });

  it('get-vanilla-query-order-key-case: parameters sorted by name', () => {
    const signed = sign('GET', 'https://example.amazonaws.com/?Param2=value2&Param1=value1');
    expect(signed.canonicalRequest.split('\n')[2]).toBe('Param1=value1&Param2=value2');
    expect(sha256Hex(signed.canonicalRequest)).toBe('816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0');
    expect(signed.headers.authorization).toBe(`${CREDENTIAL}, SignedHeaders=host;x-amz-date, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500`);
  });

  it('get-vanilla-query-order-value: equal names sorted by value', () => {
    const signed = sign('GET', 'https://example.amazonaws.com/?Param1=value2&Param1=value1');
    expect(signed.headers.authorization).toBe(`${CREDENTIAL}, SignedHeaders=host;x-amz-date, Signature=5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694`);
  });

  it('get-unreserved: unreserved characters stay as they are', () => {
    const signed = sign('GET', 'https://example.amazonaws.com/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz');
    expect(signed.headers.authorization).toBe(`${CREDENTIAL}, SignedHeaders=host;x-amz-date, Signature=07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f`);
  });

  it('post-x-www-form-urlencoded: a signed content-type and body hash', () => {
    const body = 'Param1=value1';
    const signed = sign('POST', 'https://example.amazonaws.com/', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, payloadHash: sha256Hex(body) });
    expect(sha256Hex(signed.canonicalRequest)).toBe('42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281');
    expect(signed.headers.authorization).toBe(`${CREDENTIAL}, SignedHeaders=content-type;host;x-amz-date, Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a`);
  });

  it('a session token is sent and signed as x-amz-security-token', () => {
    const signed = sign('GET', 'https://example.amazonaws.com/', { credentials: { ...SUITE.credentials, sessionToken: 'TOKEN' } });
    expect(signed.headers['x-amz-security-token']).toBe('TOKEN');
    expect(signed.headers.authorization).toContain('SignedHeaders=host;x-amz-date;x-amz-security-token');
  });

  it('S3 keys are encoded once per segment, slashes kept, double slashes kept', () => {
    const signed = sign('GET', 'https://example.amazonaws.com/bucket/a b//c%2Bd');
    expect(signed.canonicalRequest.split('\n')[1]).toBe('/bucket/a%20b//c%2Bd');
  });
});
