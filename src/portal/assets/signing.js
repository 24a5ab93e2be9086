/*
 * The signing page's script. The e.firma's .key and password stay in this browser: node-forge
 * decrypts the key and signs here; only the signature and the certificate are sent.
 */
'use strict';
(function () {
  var section = document.getElementById('seccion-efirma');
  if (!section || typeof forge === 'undefined' || typeof satRules === 'undefined') return;
  var token = section.getAttribute('data-token');
  var expectedRfc = (section.getAttribute('data-expected-rfc') || '').toUpperCase();
  var expectedName = section.getAttribute('data-expected-name') || '';
  var identityBy = section.getAttribute('data-identity');
  var expectedSha = section.getAttribute('data-sha256');
  // PAdES: the signature goes inside the letter's PDF; otherwise a signature beside it.
  var signsInPdf = section.getAttribute('data-pades') === 'true';
  var api = '/api/v1/signing/' + token;
  var notices = document.getElementById('avisos');
  var certBox = document.getElementById('certificado');
  var signButton = document.getElementById('firmar');
  var reviewed = null;

  function say(text, kind) {
    notices.textContent = text;
    notices.className = 'notice ' + (kind || '');
    if (kind === 'error') {
      notices.setAttribute('role', 'alert');
    } else {
      notices.setAttribute('role', 'status');
    }
  }

  function readFile(input) {
    return new Promise(function (resolve, reject) {
      var file = input.files && input.files[0];
      if (!file) return reject(new Error('Seleccione el archivo «' + input.labels[0].textContent + '».'));
      if (file.size > 2 * 1024 * 1024)
        return reject(new Error('El archivo ' + file.name + ' es demasiado grande.'));
      var reader = new FileReader();
      reader.onload = function () {
        resolve(new Uint8Array(reader.result));
      };
      reader.onerror = function () {
        reject(new Error('No se pudo leer ' + file.name + '.'));
      };
      reader.readAsArrayBuffer(file);
    });
  }

  function binary(bytes) {
    var out = '';
    for (var i = 0; i < bytes.length; i += 0x8000)
      out += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return out;
  }

  function isText(bytes) {
    return binary(bytes.subarray(0, 30)).indexOf('-----BEGIN') !== -1;
  }

  function decodeUtf8(value) {
    try {
      return forge.util.decodeUtf8(value);
    } catch {
      return value; // not UTF-8: node-forge already gave text
    }
  }

  function attribute(cert, oid) {
    var found = cert.subject.attributes.filter(function (a) {
      return a.type === oid;
    })[0];
    return found ? decodeUtf8(String(found.value)) : null;
  }

  function parseCertificate(bytes) {
    try {
      if (isText(bytes)) return forge.pki.certificateFromPem(binary(bytes));
      return forge.pki.certificateFromAsn1(forge.asn1.fromDer(binary(bytes)));
    } catch (e) {
      throw new Error('El archivo .cer no es un certificado válido de e.firma.', { cause: e });
    }
  }

  // What SAT writes into an e.firma subject, read with the server's rules (satRules, served from
  // src/signatures/sat-rules.ts): RFC / representative's RFC, CURP, name.
  function identity(cert) {
    var rfcs = satRules.splitSatPair(attribute(cert, '2.5.4.45'));
    var curps = satRules.splitSatPair(attribute(cert, '2.5.4.5'));
    return {
      name: attribute(cert, '2.5.4.3') || attribute(cert, '2.5.4.41') || '',
      rfc: rfcs[0],
      representativeRfc: rfcs[1],
      curp: curps[1] || curps[0],
    };
  }

  function decryptKey(bytes, password) {
    var key;
    try {
      if (isText(bytes)) {
        key = forge.pki.decryptRsaPrivateKey(binary(bytes), password);
      } else {
        var info = forge.pki.decryptPrivateKeyInfo(forge.asn1.fromDer(binary(bytes)), password);
        key = info ? forge.pki.privateKeyFromAsn1(info) : null;
      }
    } catch (e) {
      throw new Error('El archivo .key no es una llave privada de e.firma válida.', { cause: e });
    }
    // node-forge answers null, rather than failing, when the password is wrong.
    if (!key)
      throw new Error(
        'La contraseña no corresponde a la llave privada (.key). Revise mayúsculas y minúsculas e intente de nuevo.',
      );
    return key;
  }

  // SAT's seal certificate for invoices, judged by the server's own rule.
  function isCsd(cert) {
    var issuer = cert.issuer.getField('O');
    return satRules.isSealCertificate({
      issuedBySat: satRules.isSatOrganization(issuer ? decodeUtf8(String(issuer.value)) : null),
      hasOrganizationalUnit: cert.subject.attributes.some(function (a) {
        return a.type === '2.5.4.11';
      }),
      hasExtendedKeyUsage: cert.extensions.some(function (e) {
        return e.name === 'extKeyUsage';
      }),
    });
  }

  function spanishDate(date) {
    return date.toLocaleDateString('es-MX', { day: '2-digit', month: 'long', year: 'numeric' });
  }

  function review() {
    var password = document.getElementById('password').value;
    return Promise.all([
      readFile(document.getElementById('cer')),
      readFile(document.getElementById('key')),
    ]).then(function (files) {
      var cert = parseCertificate(files[0]);
      if (!password) throw new Error('Escriba la contraseña de su llave privada.');
      var key = decryptKey(files[1], password);
      if (!cert.publicKey.n || cert.publicKey.n.compareTo(key.n) !== 0) {
        throw new Error(
          'La llave privada (.key) no corresponde al certificado (.cer). Use los dos archivos de la misma e.firma.',
        );
      }
      var who = identity(cert);
      if (isCsd(cert)) {
        throw new Error(
          'Este certificado es un sello digital (CSD) para facturar, no una e.firma. Use los archivos de su e.firma (FIEL).',
        );
      }
      if (expectedRfc && who.rfc !== expectedRfc && who.representativeRfc !== expectedRfc) {
        throw new Error(
          'Este certificado es de ' +
            who.name +
            ' (RFC ' +
            (who.rfc || 'sin RFC') +
            '). Esta firma corresponde al RFC ' +
            expectedRfc +
            ': use la e.firma de esa persona.',
        );
      }
      // Without an RFC or CURP to compare, the process compares names (accents and case aside).
      if (
        identityBy === 'name' &&
        satRules.comparableName(who.name) !== satRules.comparableName(expectedName)
      ) {
        throw new Error(
          'Este certificado es de ' +
            who.name +
            '. Esta firma corresponde a ' +
            expectedName +
            ': use la e.firma de esa persona.',
        );
      }
      var now = new Date();
      if (now > cert.validity.notAfter)
        throw new Error(
          'Su certificado venció el ' + spanishDate(cert.validity.notAfter) + '. Use una e.firma vigente.',
        );
      if (now < cert.validity.notBefore)
        throw new Error(
          'Su certificado será válido a partir del ' + spanishDate(cert.validity.notBefore) + '.',
        );
      return { cert: cert, key: key, who: who };
    });
  }

  /** A <dl> of [term, description] pairs, as text (never HTML). */
  function definitionList(rows) {
    var list = document.createElement('dl');
    rows.forEach(function (pair) {
      var dt = document.createElement('dt');
      dt.textContent = pair[0];
      var dd = document.createElement('dd');
      dd.textContent = pair[1];
      list.appendChild(dt);
      list.appendChild(dd);
    });
    return list;
  }

  function showCertificate(r) {
    certBox.hidden = false;
    certBox.textContent = '';
    var list = definitionList([
      ['Nombre', r.who.name],
      [
        'RFC',
        r.who.rfc + (r.who.representativeRfc ? ' (representante ' + r.who.representativeRfc + ')' : ''),
      ],
      ['CURP', r.who.curp || '—'],
      ['Vigencia', spanishDate(r.cert.validity.notBefore) + ' al ' + spanishDate(r.cert.validity.notAfter)],
    ]);
    var heading = document.createElement('p');
    heading.textContent = 'Va a firmar con este certificado:';
    certBox.appendChild(heading);
    certBox.appendChild(list);
  }

  function post(path, body) {
    return fetch(api + path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      credentials: 'same-origin',
    }).then(function (response) {
      return response
        .json()
        .catch(function () {
          return {};
        })
        .then(function (data) {
          if (!response.ok) {
            var error = new Error((data.error && data.error.message) || 'No se pudo completar la operación.');
            error.code = data.error && data.error.code;
            throw error;
          }
          return data;
        });
    });
  }

  function fail(error) {
    say((error.code ? error.code + ': ' : '') + error.message, 'error');
    notices.focus();
  }

  function confirm(title, rows) {
    var box = document.getElementById('confirmacion');
    box.textContent = '';
    var h = document.createElement('h2');
    h.id = 'confirmacion-titulo';
    h.textContent = title;
    box.appendChild(h);
    box.appendChild(definitionList(rows));
    Array.prototype.forEach.call(
      document.querySelectorAll('main > section.card:not(#confirmacion)'),
      function (s) {
        if (s.querySelector('form')) s.hidden = true;
      },
    );
    say('', '');
    box.hidden = false;
    box.focus();
  }

  function count(checks, outcome) {
    return (checks || []).filter(function (c) {
      return c.outcome === outcome;
    }).length;
  }

  function confirmSignature(result) {
    var r = result.report || {};
    var signer = r.signer || {};
    var cert = r.certificate || {};
    confirm('Firma recibida y verificada', [
      ['Firmante', signer.name || '—'],
      ['RFC', signer.rfc || '—'],
      [
        'Certificado',
        'serie ' + (cert.serial || '—') + ', ' + (cert.kind === 'fiel' ? 'e.firma (FIEL)' : cert.kind || ''),
      ],
      ['Emitido por', cert.issuer || '—'],
      ['Vigencia', (cert.notBefore || '').slice(0, 10) + ' al ' + (cert.notAfter || '').slice(0, 10)],
      ['Algoritmo', r.algorithm || '—'],
      [
        'Forma de la firma',
        r.format === 'pades'
          ? 'dentro del PDF de la carta (PAdES); recibirá el PDF firmado por correo'
          : 'desprendida, junto a la carta (' + (r.format || '—') + ')',
      ],
      // What each digest covers: the letter as sent (beside it), or, signed inside the PDF, the
      // PDF with the signatures up to this one (its bytes but the signature's own space).
      r.format === 'pades'
        ? ['Huella SHA-256 de lo firmado (el PDF con las firmas hasta la suya)', r.documentSha256 || '—']
        : ['Huella SHA-256 de la carta enviada (lo firmado)', r.documentSha256 || expectedSha],
      [
        'Verificaciones',
        count(r.checks, 'passed') +
          ' superadas, ' +
          count(r.checks, 'skipped') +
          ' no aplicables, ' +
          count(r.checks, 'failed') +
          ' fallidas',
      ],
      ['Siguiente etapa', result.stageLabel || result.stage],
    ]);
    refreshProcess(result);
  }

  // The card at the top shows the process as it stands after the answer, like the confirmation.
  function refreshProcess(result) {
    var stage = document.getElementById('etapa');
    if (stage && (result.stageLabel || result.stage)) stage.textContent = result.stageLabel || result.stage;
    var deadline = document.getElementById('fecha-limite');
    if (deadline && typeof result.deadlineText === 'string') deadline.textContent = result.deadlineText;
  }

  function busy(button, on) {
    button.disabled = on;
    button.setAttribute('aria-busy', on ? 'true' : 'false');
  }

  document.getElementById('revisar').addEventListener('click', function () {
    reviewed = null;
    signButton.disabled = true;
    certBox.hidden = true;
    say('Revisando su certificado…');
    review().then(function (r) {
      reviewed = r;
      showCertificate(r);
      signButton.disabled = false;
      say('Certificado y contraseña correctos. Revise los datos y pulse «Firmar la carta».', 'ok');
      signButton.focus();
    }, fail);
  });

  function certificateBase64(cert) {
    return forge.util.encode64(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes());
  }

  /** RSA PKCS #1 v1.5 with SHA-256 over `bytes` (a binary string), as base64. */
  function sign(key, bytes) {
    var md = forge.md.sha256.create();
    md.update(bytes);
    return forge.util.encode64(key.sign(md));
  }

  /**
   * Inside the PDF (PAdES): the server prepares this signer's revision of the letter for the
   * certificate and answers the bytes to sign (the CMS signed attributes, which carry the PDF's
   * digest); the key signs them here.
   */
  function signInPdf(r) {
    var certificate = certificateBase64(r.cert);
    return post('/prepare', { certificate: certificate }).then(function (prepared) {
      if (prepared.digestAlgorithm !== 'SHA-256' || !prepared.toBeSigned)
        throw new Error('El servidor respondió algo inesperado; recargue la página.');
      say('Firmando la carta…');
      var signature = sign(r.key, forge.util.decode64(prepared.toBeSigned));
      return post('/signature', { format: 'pades', signature: signature, certificate: certificate });
    });
  }

  /** Beside the PDF: a signature over the letter's exact bytes, checked against its digest first. */
  function signBeside(r) {
    return fetch(api + '/document', { credentials: 'same-origin' })
      .then(function (response) {
        if (!response.ok) throw new Error('No se pudo obtener la carta; recargue la página.');
        return response.arrayBuffer();
      })
      .then(function (buffer) {
        var bytes = binary(new Uint8Array(buffer));
        var md = forge.md.sha256.create();
        md.update(bytes);
        if (md.digest().toHex() !== expectedSha)
          throw new Error('La carta descargada no coincide con su huella SHA-256; recargue la página.');
        return post('/signature', {
          format: 'pkcs1-sha256',
          signature: sign(r.key, bytes),
          certificate: certificateBase64(r.cert),
        });
      });
  }

  document.getElementById('form-efirma').addEventListener('submit', function (event) {
    event.preventDefault();
    if (!reviewed) return fail(new Error('Primero pulse «Revisar certificado».'));
    busy(signButton, true);
    say(signsInPdf ? 'Preparando la carta para su firma…' : 'Firmando…');
    (signsInPdf ? signInPdf(reviewed) : signBeside(reviewed)).then(confirmSignature, function (error) {
      busy(signButton, false);
      fail(error);
    });
  });

  document.getElementById('form-p7s').addEventListener('submit', function (event) {
    event.preventDefault();
    var button = document.getElementById('enviar-p7s');
    busy(button, true);
    readFile(document.getElementById('archivo-p7s'))
      .then(function (bytes) {
        var text = isText(bytes)
          ? binary(bytes)
              .replace(/-----[^-]+-----/g, '')
              .replace(/\s+/g, '')
          : forge.util.encode64(binary(bytes));
        return post('/signature', { format: 'cms', signature: text });
      })
      .then(confirmSignature, function (error) {
        busy(button, false);
        fail(error);
      });
  });

  // Declining is signed like the letter: the server answers the exact text (the process, the
  // letter's SHA-256 and the reason), the signer reads it, and the key signs it here.
  var declineButton = document.getElementById('enviar-declinar');
  var declineBox = document.getElementById('texto-declinacion');
  var declination = null;

  function reasonGiven() {
    var reason = document.getElementById('motivo').value.trim();
    if (!reason) throw new Error('Escriba el motivo por el que declina.');
    return reason;
  }

  document.getElementById('motivo').addEventListener('input', function () {
    declination = null;
    declineButton.disabled = true;
    declineBox.hidden = true;
  });

  document.getElementById('revisar-declinacion').addEventListener('click', function () {
    var reason;
    try {
      if (!reviewed)
        throw new Error(
          'Primero cargue su e.firma arriba y pulse «Revisar certificado»: la declinación se firma.',
        );
      reason = reasonGiven();
    } catch (error) {
      return fail(error);
    }
    post('/decline/document', { reason: reason }).then(function (answer) {
      var bytes = forge.util.decode64(answer.document);
      var md = forge.md.sha256.create();
      md.update(bytes);
      if (md.digest().toHex() !== answer.sha256)
        throw new Error('El texto recibido no coincide con su huella; recargue la página.');
      declination = { reason: reason, bytes: bytes };
      document.getElementById('declinacion-texto').textContent = decodeUtf8(bytes);
      declineBox.hidden = false;
      declineButton.disabled = false;
      say('Lea el texto de la declinación y, si es correcto, pulse «Firmar y declinar».', 'ok');
      declineButton.focus();
    }, fail);
  });

  document.getElementById('form-declinar').addEventListener('submit', function (event) {
    event.preventDefault();
    if (!reviewed || !declination)
      return fail(new Error('Primero pulse «Revisar el texto de la declinación».'));
    busy(declineButton, true);
    say('Firmando la declinación…');
    post('/decline', {
      reason: declination.reason,
      format: 'pkcs1-sha256',
      signature: sign(reviewed.key, declination.bytes),
      certificate: certificateBase64(reviewed.cert),
    }).then(
      function (result) {
        var signer = (result.report && result.report.signer) || {};
        confirm('Declinación firmada y registrada', [
          ['Firmante', signer.name || '—'],
          ['RFC', signer.rfc || '—'],
          ['Motivo', declination.reason],
          ['Estado del proceso', result.stageLabel || result.stage],
        ]);
        refreshProcess(result);
      },
      function (error) {
        busy(declineButton, false);
        fail(error);
      },
    );
  });
})();
