/**
 * The privacy notice as configuration: the Spanish default when no file is given, an institution's
 * own file (version line, short notice, `---`, full notice), and a file that is not one refused at
 * start with a message in Spanish that says what the file must hold.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/config';
import { privacyNotice, privacyNoticeUrl } from '../../src/config/privacy-notice';

describe('the privacy notice (PRIVACY_NOTICE_FILE, PRIVACY_NOTICE_URL)', function () {
  const dir = mkdtempSync(join(tmpdir(), 'aviso-'));
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('defaults to a Spanish notice naming who is responsible, the purposes, transfers and the ARCO rights', function () {
    const notice = privacyNotice({});
    assert.match(notice.version, /^2026-12-02/);
    const short = notice.short.join('\n');
    assert.match(short, /es responsable de los datos personales/);
    assert.match(short, /nombre, RFC, CURP/);
    assert.match(short, /no se transfieren/);
    assert.match(short, /acceso, rectificación, cancelación y oposición \(ARCO\)/);
    assert.ok(notice.full.length > notice.short.length, 'the full notice says more');
    assert.equal(notice.sha256, createHash('sha256').update(notice.bytes).digest('hex'));
    assert.equal(
      privacyNoticeUrl(notice, 'https://firma.example.mx/portal/'),
      'https://firma.example.mx/portal/aviso-de-privacidad',
    );
  });

  it('reads an institution’s own file: its version, its short and full notices, its SHA-256', function () {
    const text =
      'Versión: 2027-01 (Secretaría de la Contraloría)\n\nAviso corto, primer párrafo.\n\nSegundo párrafo\ncontinuado.\n---\nAviso integral.\n';
    const notice = privacyNotice({
      PRIVACY_NOTICE_FILE: file('aviso.txt', text),
      PRIVACY_NOTICE_URL: 'https://secogem.example.mx/aviso',
    });
    assert.equal(notice.version, '2027-01 (Secretaría de la Contraloría)');
    assert.deepEqual(notice.short, ['Aviso corto, primer párrafo.', 'Segundo párrafo continuado.']);
    assert.deepEqual(notice.full, ['Aviso integral.']);
    assert.equal(notice.sha256, createHash('sha256').update(text).digest('hex'));
    assert.equal(privacyNoticeUrl(notice, 'https://firma.example.mx'), 'https://secogem.example.mx/aviso');
  });

  it('refuses a file without its version line, a missing file and a URL that is not http(s), in Spanish', function () {
    for (const [env, message] of [
      [
        { PRIVACY_NOTICE_FILE: file('sin-version.txt', 'Aviso sin versión.\n') },
        /debe empezar con una línea «Versión: …»/,
      ],
      [{ PRIVACY_NOTICE_FILE: join(dir, 'no-existe.txt') }, /no se puede leer/],
      [
        { PRIVACY_NOTICE_FILE: file('vacio.txt', 'Versión: 1\n\n---\nIntegral.\n') },
        /el aviso corto está vacío/,
      ],
      [{ PRIVACY_NOTICE_URL: 'javascript:alert(1)' }, /PRIVACY_NOTICE_URL debe ser una dirección http\(s\)/],
    ] as const) {
      assert.throws(
        () => privacyNotice(env),
        (error: Error) => error instanceof ConfigError && message.test(error.message),
      );
    }
  });
});
