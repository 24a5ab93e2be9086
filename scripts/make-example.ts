/**
 * Regenerates examples/: a letter, its detached CMS signature by an e.firma-like test signer, and
 * the example CA's certificate to trust. No private key is kept. Run: npx tsx scripts/make-example.ts
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestPki } from '../test/support/pki';
import { opensslCms } from '../test/support/sign';

const YEAR = 365 * 86_400_000;
const out = join(__dirname, '..', 'examples');
const scratch = mkdtempSync(join(tmpdir(), 'manifiesta-example-'));
const pki = new TestPki(scratch);
const validity = { notBefore: new Date(Date.UTC(2026, 0, 1)), notAfter: new Date(Date.now() + 20 * YEAR) };
const root = pki.issue('ac-ejemplo', { name: 'AC de Ejemplo manifiesta (no usar en produccion)' }, null, {
  bits: 4096,
  ca: {},
  ...validity,
});
const signer = pki.issue(
  'presidenta',
  { name: 'ROMINA CONTRERAS CARRASCO', rfc: 'COCR800101AB1', curp: 'COCR800101MMCNRM09' },
  root,
  validity,
);
const letter = Buffer.from(
  [
    'Huixquilucan, Estado de México; 08 de julio de 2022',
    '',
    'ASUNTO: Manifestación expresa de la intención de participar en el ejercicio de Gobierno Abierto',
    'en el ámbito municipal en el Estado de México.',
    '',
    '(Documento de ejemplo firmado con un certificado de prueba.)',
    '',
  ].join('\n'),
);
writeFileSync(join(out, 'carta.txt'), letter);
writeFileSync(join(out, 'carta.p7s'), opensslCms(letter, signer));
copyFileSync(root.certPath, join(out, 'ac-ejemplo.pem'));
rmSync(scratch, { recursive: true });
console.log(`examples written to ${out}`);
