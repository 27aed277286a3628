import { readFile } from 'node:fs/promises';
import { startTestGateway } from '../helpers/gateway.js';
import { HttpSession } from '../helpers/oauth.js';

test('scratch', async () => {
  const gw = await startTestGateway();
  try {
    const ca = await readFile(gw.pki.caCert, 'utf8');
    const s = new HttpSession({ patientUrl: gw.urls.patient, nodeUrl: gw.urls.node, ca, clientCert: await readFile(gw.pki.pgoListedCert, 'utf8'), clientKey: await readFile(gw.pki.pgoListedKey, 'utf8') });
    const meta = await s.get('/.well-known/oauth-authorization-server');
    console.log(meta.body);
    const q = new URLSearchParams({ response_type: 'code', client_id: 'pgo.listed.test', redirect_uri: 'https://pgo.listed.test/medmij/callback', scope: 'demoziekenhuis', state: 'abc', 'MedMij-Request-ID': crypto.randomUUID(), 'X-Correlation-ID': crypto.randomUUID() });
    const a = await s.get(`/oauth/authorize?${q}`);
    console.log(a.status, a.headers.location);
    const l = await s.get(a.location!);
    console.log(l.status, l.body.match(/href="[^"]*"/g));
    const lf = await s.get(a.location! + '/login');
    console.log(lf.status, lf.body.match(/action="[^"]*"/g));
    const lo = await s.postForm(a.location! + '/login', { bsn: '999911120' });
    console.log(lo.status, lo.headers.location);
    const cp = await s.get(lo.location!);
    console.log(cp.status, cp.body.match(/action="[^"]*"/g), cp.body.match(/<button[^>]*>[^<]*/g));
    const c = await s.postForm(lo.location!, { decision: 'allow' });
    console.log(c.status, c.headers.location);
    const r = await s.get(c.location!);
    console.log(r.status, r.headers.location);
    await s.close();
  } finally { await gw.close(); }
});
