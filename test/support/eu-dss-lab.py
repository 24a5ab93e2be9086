"""PAdES files made with pyHanko for the EU DSS lab (test/support/eu-dss-lab.test.ts): a one-page
PDF signed at each baseline level, with time-stamps from pyHanko's in-process TSA (DummyTimeStamper,
signed by a TSA key and certificate the lab makes) and revocation data from a CRL file, never
fetched.

Usage:
    python eu-dss-lab.py sign ROOT.pem SIGNER.pem SIGNER.key OUT.pdf [--tsa TSA.pem TSA.key]
        A new one-page PDF with one PAdES signature (/ETSI.CAdES.detached, field Signature1):
        PAdES-B-B, or PAdES-B-T with --tsa (a signature time-stamp from that TSA).
    python eu-dss-lab.py lta ROOT.pem CRL.pem TSA.pem TSA.key IN.pdf OUT.pdf [--no-vri] [--no-crl]
        PAdES-B-LT then B-LTA: a /DSS (certificates and the CRL, no fetching; with a /VRI entry for
        the signature unless --no-vri) for the signature and its time-stamp, then a document
        time-stamp (/DocTimeStamp, ETSI.RFC3161) over it all. --no-crl leaves the CRL out (the
        certificates only), to see what a validator says about missing revocation data.
"""
import argparse
import io
import logging
import sys

from asn1crypto import pem
from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import PageObject, PdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.sign.validation import add_validation_info
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

# pyHanko warns about the soft-failed fetches it may not make; the lab's outcome says enough.
logging.disable(logging.WARNING)


def blank_pdf() -> io.BytesIO:
    writer = PdfFileWriter()
    contents = writer.add_object(generic.StreamObject(stream_data=b''))
    writer.insert_page(PageObject(contents=contents, media_box=(0, 0, 595, 842)))
    out = io.BytesIO()
    writer.write(out)
    out.seek(0)
    return out


def tsa(cert_path: str, key_path: str, root) -> DummyTimeStamper:
    return DummyTimeStamper(
        tsa_cert=load_cert_from_pemder(cert_path),
        tsa_key=load_private_key_from_pemder(key_path, passphrase=None),
        certs_to_embed=SimpleCertificateStore.from_certs([root]),
    )


def der_crls(path: str) -> list:
    with open(path, 'rb') as f:
        data = f.read()
    if pem.detect(data):
        return [der for kind, _, der in pem.unarmor(data, multiple=True) if kind == 'X509 CRL']
    return [data]


def sign(args) -> None:
    root = load_cert_from_pemder(args.root)
    signer = signers.SimpleSigner(
        signing_cert=load_cert_from_pemder(args.cert),
        signing_key=load_private_key_from_pemder(args.key, passphrase=None),
        cert_registry=SimpleCertificateStore.from_certs([root]),
    )
    meta = signers.PdfSignatureMetadata(
        field_name='Signature1', md_algorithm='sha256', subfilter=SigSeedSubFilter.PADES
    )
    timestamper = tsa(args.tsa[0], args.tsa[1], root) if args.tsa else None
    with open(args.out, 'wb') as out:
        signers.PdfSigner(meta, signer=signer, timestamper=timestamper).sign_pdf(
            IncrementalPdfFileWriter(blank_pdf()), output=out
        )


def lta(args) -> None:
    root = load_cert_from_pemder(args.root)
    context = ValidationContext(
        trust_roots=[root],
        other_certs=[load_cert_from_pemder(args.tsa_cert)],
        crls=[] if args.no_crl else der_crls(args.crl),
        allow_fetching=False,
    )
    with open(args.input, 'rb') as f:
        signature = next(s for s in PdfFileReader(f).embedded_signatures if s.field_name == 'Signature1')
        with_dss = add_validation_info(signature, context, add_vri_entry=not args.no_vri, output=io.BytesIO())
    with_dss.seek(0)
    with open(args.out, 'wb') as out:
        signers.PdfTimeStamper(tsa(args.tsa_cert, args.tsa_key, root)).timestamp_pdf(
            IncrementalPdfFileWriter(with_dss), 'sha256', output=out
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest='command', required=True)
    s = commands.add_parser('sign')
    s.add_argument('root')
    s.add_argument('cert')
    s.add_argument('key')
    s.add_argument('out')
    s.add_argument('--tsa', nargs=2, metavar=('TSA_CERT', 'TSA_KEY'))
    s.set_defaults(run=sign)
    a = commands.add_parser('lta')
    a.add_argument('root')
    a.add_argument('crl')
    a.add_argument('tsa_cert')
    a.add_argument('tsa_key')
    a.add_argument('input')
    a.add_argument('out')
    a.add_argument('--no-vri', action='store_true')
    a.add_argument('--no-crl', action='store_true')
    a.set_defaults(run=lta)
    args = parser.parse_args()
    args.run(args)


if __name__ == '__main__':
    sys.exit(main())
