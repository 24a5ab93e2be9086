"""pyHanko's verdict on every signature of a PDF: an independent validator for the tests.

Usage: python pyhanko-validate.py ROOT_CA.pem[,ANOTHER_ROOT.pem...] FILE.pdf
       python pyhanko-validate.py --cli ARGS...   (pyHanko's own CLI, with the same fix)

Prints one line per signature, in the order the PDF lists them:

    <field>: <summary> coverage=<coverage> modifications=<level>

and for a document time-stamp (PAdES B-LTA) `<field>: TIMESTAMP <summary>`.

where <summary> is pyHanko's own (e.g. INTACT:TRUSTED,UNTOUCHED) and the other two come from its
diff analysis. Exits 0 when every signature's bottom line is valid, 1 otherwise.

SAT e.firma certificates (and SAT's CA certificates) encode x500UniqueIdentifier (2.5.4.45, the
RFC) as a PrintableString. X.520 says BIT STRING and asn1crypto insists, so without the mapping
below pyHanko fails on SAT names with "tag should have been 3, but 19 was found" (asn1crypto
issue 228). The test PKI copies SAT's encoding on purpose.
"""
import sys

from asn1crypto import x509

x509.NameTypeAndValue._oid_specs['unique_identifier'] = x509.DirectoryString

from pyhanko.keys import load_cert_from_pemder  # noqa: E402
from pyhanko.pdf_utils.reader import PdfFileReader  # noqa: E402
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp  # noqa: E402
from pyhanko_certvalidator import ValidationContext  # noqa: E402


def main(root_path: str, pdf_path: str) -> int:
    context = ValidationContext(trust_roots=[load_cert_from_pemder(path) for path in root_path.split(',')])
    ok = True
    with open(pdf_path, 'rb') as f:
        for signature in PdfFileReader(f).embedded_signatures:
            if signature.sig_object_type == '/DocTimeStamp':
                # A document time-stamp (PAdES B-LTA): its status has no bottom_line.
                status = validate_pdf_timestamp(signature, validation_context=context)
                valid = status.valid and status.intact and status.trusted and status.docmdp_ok is not False
                print(f'{signature.field_name}: TIMESTAMP {status.summary()}')
                ok = ok and valid
                continue
            status = validate_pdf_signature(signature, context)
            level = status.modification_level.name if status.modification_level else 'NONE'
            print(f'{signature.field_name}: {status.summary()} coverage={status.coverage.name} modifications={level}')
            ok = ok and status.bottom_line
    return 0 if ok else 1


if __name__ == '__main__':
    if sys.argv[1] == '--cli':
        from pyhanko.__main__ import launch

        sys.argv = ['pyhanko', *sys.argv[2:]]
        sys.exit(launch())
    sys.exit(main(sys.argv[1], sys.argv[2]))
