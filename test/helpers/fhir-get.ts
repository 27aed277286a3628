import https from 'node:https';

/** A PGO's client certificate and the CA it trusts, as PEM. */
export interface PgoTls {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

/** GET a FHIR URL over mTLS as a PGO with a bearer token; the JSON body parsed. */
export function fhirGetJson(url: string, tls: PgoTls, token: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      url,
      { ...tls, servername: 'localhost', agent: false, headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
      },
    );
    req.on('error', reject);
  });
}
