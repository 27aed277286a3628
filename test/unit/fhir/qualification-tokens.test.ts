import { z } from 'zod';
import { qualificationSection, refineQualification } from '../../../gateway/config/sections/qualification.js';
import { createStaticTokenVerifier } from '../../../gateway/fhir/qualification-tokens.js';

const entry = { token: '93cde269-0000-4000-8000-000000000001', patientRef: 'medmij-bgz-test-patA', provider: 'demoziekenhuis', services: ['48'] };

describe('createStaticTokenVerifier', () => {
  it('maps a known token to its patient, provider and services, without certificate binding', async () => {
    const v = createStaticTokenVerifier([entry]);
    const g = await v.verify(entry.token);
    expect(g).toMatchObject({ patientRef: 'medmij-bgz-test-patA', providerName: 'demoziekenhuis', serviceIds: ['48'], clientId: 'qualification' });
    expect(g?.certificateThumbprint).toBeUndefined();
    expect(g!.expiresAt.getTime()).toBeGreaterThan(Date.now());
    await expect(v.verify(`${entry.token}x`)).resolves.toBeUndefined();
    await expect(v.verify('')).resolves.toBeUndefined();
  });

  it('refuses duplicate tokens', () => {
    expect(() => createStaticTokenVerifier([entry, { ...entry, patientRef: 'B' }])).toThrow(/duplicate/);
  });
});

describe('qualification config section', () => {
  const schema = z
    .strictObject({
      mode: z.enum(['development', 'test', 'production']),
      qualification: qualificationSection(),
      providers: z.array(z.strictObject({ name: z.string(), services: z.array(z.strictObject({ id: z.string() })) })),
    })
    .superRefine(refineQualification);
  const providers = [{ name: 'demoziekenhuis', services: [{ id: '48' }, { id: '49' }] }];

  it('accepts tokens with mode: test and defaults to none', () => {
    const ok = schema.safeParse({ mode: 'test', qualification: { tokens: [entry] }, providers });
    expect(ok.success).toBe(true);
    expect(ok.data?.qualification.tokens[0]?.clientId).toBe('qualification');
    expect(schema.parse({ mode: 'production', providers }).qualification.tokens).toEqual([]);
  });

  it.each(['production', 'development'])('refuses tokens with mode: %s', (mode) => {
    const r = schema.safeParse({ mode, qualification: { tokens: [entry] }, providers });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join('.'))).toEqual(['qualification.tokens']);
  });

  it('names unknown providers and services, short tokens, duplicates and unknown keys by path', () => {
    const r = schema.safeParse({
      mode: 'test',
      qualification: { tokens: [{ ...entry, services: ['48', '99'] }, { ...entry, provider: 'nope' }] },
      providers,
    });
    expect(r.error?.issues.map((i) => i.path.join('.')).sort()).toEqual(['qualification.tokens.1.provider', 'qualification.tokens.1.token', 'qualification.tokens.0.services.1'].sort());
    const short = schema.safeParse({ mode: 'test', qualification: { tokens: [{ ...entry, token: 'abc' }] }, providers });
    expect(short.error?.issues[0]?.path.join('.')).toBe('qualification.tokens.0.token');
    expect(schema.safeParse({ mode: 'test', qualification: { tokens: [], extra: 1 }, providers }).success).toBe(false);
  });
});
