/**
 * The signing page judges an e.firma in the browser, before anything is sent, with the SAT rules
 * the portal serves at /assets/sat-rules.js. That script is made of the server's own functions;
 * these tests run it as a browser would (a bare context: no require, no process) and hold what it
 * says, read from each certificate the way the page reads it with node-forge, to the server's
 * judgement of the same certificate.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createContext, runInContext } from 'node:vm';
import forge from 'node-forge';
import { browserRulesScript } from '../../src/portal/browser-rules';
import { parseCertificate } from '../../src/signatures/certificate';
import { comparableName } from '../../src/signatures/sat-rules';
import { signingFixtures } from '../support/fixtures';

interface SatRules {
  isSatOrganization(organization: string | null): boolean;
  isSealCertificate(cert: {
    issuedBySat: boolean;
    hasOrganizationalUnit: boolean;
    hasExtendedKeyUsage: boolean;
  }): boolean;
  splitSatPair(value: string | null): [string | null, string | null];
  comparableName(name: string): string;
}

const SAT = join(__dirname, '..', '..', '..', 'shared', 'fixtures', 'sat');

function servedRules(): SatRules {
  const context = createContext({});
  runInContext(`${browserRulesScript()}\nthis.satRules = satRules;`, context);
  return (context as { satRules: SatRules }).satRules;
}

/** What the page reads from a certificate (src/portal/assets/signing.js), given the served rules. */
function pageReading(rules: SatRules, der: Buffer) {
  const cert = forge.pki.certificateFromAsn1(forge.asn1.fromDer(der.toString('binary')));
  const text = (value: unknown): string => {
    try {
      return forge.util.decodeUtf8(String(value));
    } catch {
      return String(value);
    }
  };
  const attribute = (oid: string): string | null => {
    const found = cert.subject.attributes.find((a) => a.type === oid);
    return found ? text(found.value) : null;
  };
  const issuer = cert.issuer.getField('O') as { value: unknown } | null;
  const [rfc, representativeRfc] = rules.splitSatPair(attribute('2.5.4.45'));
  const [curpFirst, curpSecond] = rules.splitSatPair(attribute('2.5.4.5'));
  return {
    csd: rules.isSealCertificate({
      issuedBySat: rules.isSatOrganization(issuer ? text(issuer.value) : null),
      hasOrganizationalUnit: cert.subject.attributes.some((a) => a.type === '2.5.4.11'),
      hasExtendedKeyUsage: cert.extensions.some((e: { name?: string }) => e.name === 'extKeyUsage'),
    }),
    identity: {
      name: attribute('2.5.4.3') ?? attribute('2.5.4.41') ?? '',
      rfc,
      representativeRfc,
      curp: curpSecond ?? curpFirst,
    },
  };
}

describe('the SAT rules served to the signing page', function () {
  it('run alone, as a browser runs them: four functions under one global', function () {
    const rules = servedRules();
    assert.deepEqual(Object.keys(rules).sort(), [
      'comparableName',
      'isSatOrganization',
      'isSealCertificate',
      'splitSatPair',
    ]);
  });

  it('judge SAT’s own e.firma and CSD files exactly as the server does (kind and identity)', function () {
    const rules = servedRules();
    const files = [
      join(SAT, 'FIEL_AAA010101AAA', 'certificate.cer'),
      join(SAT, 'CSD01_AAA010101AAA', 'certificate.cer'),
      ...['personas-fisicas', 'personas-morales'].flatMap((group) =>
        readdirSync(join(SAT, 'uat', group))
          .filter((name) => name.endsWith('.cer'))
          .map((name) => join(SAT, 'uat', group, name)),
      ),
    ];
    let seals = 0;
    for (const file of files) {
      const der = readFileSync(file);
      const server = parseCertificate(der);
      const page = pageReading(rules, der);
      assert.equal(page.csd, server.kind === 'csd', file);
      assert.deepEqual(page.identity, server.subject, file);
      if (page.csd) seals += 1;
    }
    assert.ok(seals >= 6, `the SAT fixtures hold CSDs (found ${seals})`);
  });

  it('judge the tests’ own certificates the same: a CSD-like signer, FIELs, another CA’s signer', function () {
    const rules = servedRules();
    const f = signingFixtures();
    const parties = [f.president, f.commissioner, f.csdLike, f.wrongUsage, f.untrustedSigner];
    for (const party of parties) {
      const server = parseCertificate(party.certDer);
      assert.equal(pageReading(rules, party.certDer).csd, server.kind === 'csd', party.label);
      assert.deepEqual(pageReading(rules, party.certDer).identity, server.subject, party.label);
    }
    assert.equal(pageReading(rules, f.csdLike.certDer).csd, true);
    assert.equal(pageReading(rules, f.president.certDer).csd, false);
  });

  it('compare names as the server compares them, whatever the accents, case and spacing', function () {
    const rules = servedRules();
    for (const name of [
      'José Ñúñez  Peña',
      'MARÍA-JOSÉ O’Brien',
      '  ana  sofía\tlópez ',
      'Straße Ünal',
      'AYUNTAMIENTO DE SAN JOSÉ DEL RINCÓN',
    ]) {
      assert.equal(rules.comparableName(name), comparableName(name), name);
    }
    assert.equal(rules.comparableName('José  Ñúñez'), 'JOSE NUNEZ');
  });
});
