import { describe, it, expect } from 'vitest';
import { SurveyTokens } from './survey-token';

describe('survey tokens', () => {
  const id = '0195b3a0-1c2d-7e4f-8a6b-1234567890ab';
  const exp = new Date('2026-12-01T10:00:00Z');
  const a = new SurveyTokens('secret-one-secret-one-secret-one');

  it('round-trips the survey id and expiry (to the second)', () => {
    expect(a.verify(a.sign(id, exp))).toEqual({ surveyId: id, expiresAt: exp });
  });

  it('refuses a changed expiry or id, another secret, and junk', () => {
    const tok = a.sign(id, exp);
    const [sid, e, mac] = tok.split('.');
    expect(a.verify(`${sid}.${Number(e) + 3600}.${mac}`)).toBeNull();
    expect(a.verify(`${sid.replace(/^0/, '1')}.${e}.${mac}`)).toBeNull();
    expect(new SurveyTokens('another-secret-another-secret-xx').verify(tok)).toBeNull();
    for (const junk of ['', 'x', `${sid}.${e}`, `${tok}x`, tok.toUpperCase()]) expect(a.verify(junk)).toBeNull();
  });
});
