"""pyHanko on a PAdES B-LT/B-LTA file: every signature and document time-stamp, two ways.

Usage: python pyhanko-lta.py ROOT_CA.pem[,ANOTHER_ROOT.pem...] FILE.pdf
       python pyhanko-lta.py ltv ROOT_CA.pem[,...] FIELD IN.pdf OUT.pdf cert:CA.pem... crl:CRL.pem...

Prints one JSON line per field, in the order the PDF lists them:

    {"field", "kind": "signature" | "timestamp", "valid", "summary", "modifications"}

(pyHanko's classic validation: validate_pdf_signature, or validate_pdf_timestamp for a
/DocTimeStamp, which pyhanko-validate.py cannot take), then one line per signature:

    {"field", "ades": "PASSED" | "INDETERMINATE" | "FAILED", "subindication", "failure"}

from ades_lta_validation (ETSI EN 319 102-1 §5.6.3, what `pyhanko sign adesverify` runs) with
revocation information required for every certificate and nothing fetched (LOCAL_ONLY): the
revocation data can only come from the file's /DSS. Exits 0 when every line is valid/PASSED.

`ltv` adds a /DSS for FIELD's signature with pyHanko's add_validation_info (no fetching), as
pyhanko-attacks.py does, but trusting several roots: the signature's time-stamp needs its TSA's.

The SAT name fix of pyhanko-validate.py (x500UniqueIdentifier as a PrintableString) is applied by
running that file first.
"""
import asyncio
import json
import logging
import os
import runpy
import sys

runpy.run_path(os.path.join(os.path.dirname(__file__), 'pyhanko-validate.py'))

from asn1crypto import pem  # noqa: E402
from pyhanko.keys import load_cert_from_pemder, load_certs_from_pemder  # noqa: E402
from pyhanko.pdf_utils.reader import PdfFileReader  # noqa: E402
from pyhanko.sign.validation import (  # noqa: E402
    add_validation_info,
    validate_pdf_signature,
    validate_pdf_timestamp,
)
from pyhanko.sign.validation.ades import ades_lta_validation  # noqa: E402
from pyhanko.sign.validation.policy_decl import (  # noqa: E402
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko_certvalidator import ValidationContext  # noqa: E402
from pyhanko_certvalidator.context import CertValidationPolicySpec  # noqa: E402
from pyhanko_certvalidator.policy_decl import REQUIRE_REVINFO, CertRevTrustPolicy  # noqa: E402
from pyhanko_certvalidator.registry import SimpleTrustManager  # noqa: E402

# pyHanko logs what it cannot validate with tracebacks; the verdicts say enough.
logging.disable(logging.CRITICAL)


def main(root_paths: str, pdf_path: str) -> int:
    roots = [load_cert_from_pemder(path) for path in root_paths.split(',')]
    ok = True
    with open(pdf_path, 'rb') as f:
        reader = PdfFileReader(f)
        for signature in reader.embedded_signatures:
            context = ValidationContext(trust_roots=roots)
            if signature.sig_object_type == '/DocTimeStamp':
                status = validate_pdf_timestamp(signature, validation_context=context)
                # A document time-stamp's status has no bottom_line: the same judgment by hand.
                valid = status.valid and status.intact and status.trusted and status.docmdp_ok is not False
                kind = 'timestamp'
            else:
                status = validate_pdf_signature(signature, context)
                valid = status.bottom_line
                kind = 'signature'
            level = getattr(status, 'modification_level', None)
            print(
                json.dumps(
                    {
                        'field': signature.field_name,
                        'kind': kind,
                        'valid': bool(valid),
                        'summary': status.summary(),
                        'modifications': level.name if level else None,
                    }
                ),
                flush=True,
            )
            ok = ok and bool(valid)

        policy = CertValidationPolicySpec(
            trust_manager=SimpleTrustManager.build(trust_roots=roots),
            revinfo_policy=CertRevTrustPolicy(REQUIRE_REVINFO),
        )
        spec = PdfSignatureValidationSpec(
            signature_validation_spec=SignatureValidationSpec(
                cert_validation_policy=policy,
                revinfo_gathering_policy=RevocationInfoGatheringSpec(
                    online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY
                ),
            )
        )
        for signature in reader.embedded_regular_signatures:
            result = asyncio.run(ades_lta_validation(signature, spec))
            indication = result.ades_subindic.status.name
            passed = indication == 'PASSED'
            print(
                json.dumps(
                    {
                        'field': signature.field_name,
                        'ades': indication,
                        'subindication': None if passed else result.ades_subindic.standard_name,
                        'failure': result.failure_msg,
                    }
                ),
                flush=True,
            )
            ok = ok and passed
    return 0 if ok else 1


def ltv(root_paths: str, field: str, in_path: str, out_path: str, extra: list) -> int:
    crls = []
    for path in [p[len('crl:') :] for p in extra if p.startswith('crl:')]:
        with open(path, 'rb') as f:
            data = f.read()
        crls.extend(der for kind, _, der in pem.unarmor(data, multiple=True) if kind == 'X509 CRL')
    context = ValidationContext(
        trust_roots=[load_cert_from_pemder(path) for path in root_paths.split(',')],
        other_certs=list(load_certs_from_pemder([p[len('cert:') :] for p in extra if p.startswith('cert:')])),
        crls=crls,
        allow_fetching=False,
    )
    with open(in_path, 'rb') as f:
        signature = next(s for s in PdfFileReader(f).embedded_signatures if s.field_name == field)
        with open(out_path, 'wb') as out:
            add_validation_info(signature, context, output=out)
    return 0


if __name__ == '__main__':
    if sys.argv[1] == 'ltv':
        sys.exit(ltv(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6:]))
    sys.exit(main(sys.argv[1], sys.argv[2]))
