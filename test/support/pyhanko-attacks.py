"""pyHanko for the attack corpus (test/support/pdf-attacks.ts): judging many files in one process,
and the two legitimate extensions the corpus needs from it.

Usage:
    python pyhanko-attacks.py validate ROOT_CA.pem SECONDS FILE.pdf...
        One JSON line per file: {"file", "signatures": [{"field", "valid", "summary",
        "coverage", "modifications"}], "error", "ms"}. A file that takes longer than SECONDS is
        reported as {"error": "timeout"}. Starting Python and pyHanko takes most of a second: one
        process for the whole corpus keeps the test within its time.
    python pyhanko-attacks.py ltv ROOT_CA.pem FIELD IN.pdf OUT.pdf cert:CA.pem... crl:CRL.pem...
        Adds a /DSS (certificates and CRLs, no fetching) for the signature in FIELD.
    python pyhanko-attacks.py timestamp TSA_CERT.pem TSA_KEY.pem IN.pdf OUT.pdf CHAIN.pem...
        Adds a document time-stamp (/DocTimeStamp, ETSI.RFC3161) from pyHanko's in-process TSA
        (DummyTimeStamper), signed by TSA_CERT's key: no TSA server needed.

The SAT name fix of pyhanko-validate.py (x500UniqueIdentifier as a PrintableString) is applied by
running that file first.
"""
import json
import logging
import os
import runpy
import signal
import sys
import time

runpy.run_path(os.path.join(os.path.dirname(__file__), 'pyhanko-validate.py'))

from asn1crypto import pem  # noqa: E402
from pyhanko.keys import load_cert_from_pemder, load_certs_from_pemder, load_private_key_from_pemder  # noqa: E402
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter  # noqa: E402
from pyhanko.pdf_utils.reader import PdfFileReader  # noqa: E402
from pyhanko.sign import signers  # noqa: E402
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper  # noqa: E402
from pyhanko.sign.validation import add_validation_info, validate_pdf_signature, validate_pdf_timestamp  # noqa: E402
from pyhanko_certvalidator import ValidationContext  # noqa: E402


# pyHanko logs every suspicious modification with a traceback; the verdicts say enough.
logging.disable(logging.CRITICAL)


class Timeout(Exception):
    pass


def on_alarm(_signum, _frame):
    raise Timeout()


def judge(pdf_path: str, root) -> list:
    context = ValidationContext(trust_roots=[root])
    found = []
    with open(pdf_path, 'rb') as f:
        for signature in PdfFileReader(f).embedded_signatures:
            if signature.sig_object_type == '/DocTimeStamp':
                status = validate_pdf_timestamp(signature, validation_context=context)
                # A document time-stamp's status has no bottom_line: the same judgment by hand.
                valid = status.valid and status.intact and status.trusted and status.docmdp_ok is not False
            else:
                status = validate_pdf_signature(signature, context)
                valid = status.bottom_line
            level = getattr(status, 'modification_level', None)
            coverage = getattr(status, 'coverage', None)
            found.append(
                {
                    'field': signature.field_name,
                    'valid': bool(valid),
                    'summary': status.summary(),
                    'coverage': coverage.name if coverage else None,
                    'modifications': level.name if level else None,
                }
            )
    return found


def validate(root_path: str, seconds: str, files: list) -> int:
    root = load_cert_from_pemder(root_path)
    signal.signal(signal.SIGALRM, on_alarm)
    for path in files:
        started = time.monotonic()
        line = {'file': path, 'signatures': [], 'error': None}
        signal.alarm(int(seconds))
        try:
            line['signatures'] = judge(path, root)
        except Timeout:
            line['error'] = 'timeout'
        except RecursionError:
            line['error'] = 'RecursionError'
        except Exception as error:  # noqa: BLE001 — every failure is a verdict here
            line['error'] = f'{type(error).__name__}: {error}'[:200]
        finally:
            signal.alarm(0)
        line['ms'] = round((time.monotonic() - started) * 1000)
        print(json.dumps(line), flush=True)
    return 0


def der_crls(paths: list) -> list:
    crls = []
    for path in paths:
        with open(path, 'rb') as f:
            data = f.read()
        if pem.detect(data):
            crls.extend(der for kind, _, der in pem.unarmor(data, multiple=True) if kind == 'X509 CRL')
    return crls


def ltv(root_path: str, field: str, in_path: str, out_path: str, extra: list) -> int:
    cert_paths = [p[len('cert:'):] for p in extra if p.startswith('cert:')]
    crl_paths = [p[len('crl:'):] for p in extra if p.startswith('crl:')]
    context = ValidationContext(
        trust_roots=[load_cert_from_pemder(root_path)],
        other_certs=list(load_certs_from_pemder(cert_paths)),
        crls=der_crls(crl_paths),
        allow_fetching=False,
    )
    with open(in_path, 'rb') as f:
        reader = PdfFileReader(f)
        signature = next(s for s in reader.embedded_signatures if s.field_name == field)
        with open(out_path, 'wb') as out:
            add_validation_info(signature, context, output=out)
    return 0


def timestamp(cert_path: str, key_path: str, in_path: str, out_path: str, chain: list) -> int:
    stamper = DummyTimeStamper(
        tsa_cert=load_cert_from_pemder(cert_path),
        tsa_key=load_private_key_from_pemder(key_path, passphrase=None),
        certs_to_embed=list(load_certs_from_pemder(chain)),
    )
    with open(in_path, 'rb') as f, open(out_path, 'wb') as out:
        signers.PdfTimeStamper(stamper).timestamp_pdf(IncrementalPdfFileWriter(f), 'sha256', output=out)
    return 0


if __name__ == '__main__':
    command, *args = sys.argv[1:]
    if command == 'validate':
        sys.exit(validate(args[0], args[1], args[2:]))
    if command == 'ltv':
        sys.exit(ltv(args[0], args[1], args[2], args[3], args[4:]))
    if command == 'timestamp':
        sys.exit(timestamp(args[0], args[1], args[2], args[3], args[4:]))
    sys.exit(f'unknown command {command}')
