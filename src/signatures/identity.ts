/**
 * Whether the certificate is the person expected: by RFC and CURP (SAT's e.firma subject), else by
 * name, accents, case and spacing aside.
 */
import { type Certificate } from './certificate';
import { type ReportBuilder } from './report-builder';
import { type ExpectedSigner } from './inputs';
import { comparableName } from './sat-rules';

const normalise = (value: string): string => value.trim().toUpperCase();

export function checkIdentity(
  cert: Certificate,
  expected: ExpectedSigner | undefined,
  report: ReportBuilder,
): void {
  const rfc = expected?.rfc ? normalise(expected.rfc) : null;
  const curp = expected?.curp ? normalise(expected.curp) : null;
  if (rfc === null && curp === null) return checkName(cert, expected, report);
  report.identityBasis = 'rfc-curp';
  const problems: string[] = [];
  // A persona moral's e.firma names the company and its representative: either may be expected.
  if (rfc !== null && rfc !== cert.subject.rfc && rfc !== cert.subject.representativeRfc) {
    problems.push(`RFC ${cert.subject.rfc ?? '(none)'} is not the expected ${rfc}`);
  }
  if (curp !== null && curp !== cert.subject.curp) {
    problems.push(`CURP ${cert.subject.curp ?? '(none)'} is not the expected ${curp}`);
  }
  if (problems.length > 0) report.fail('identity', problems.join('; '));
  else
    report.pass(
      'identity',
      [rfc && `RFC ${rfc}`, curp && `CURP ${curp}`].filter(Boolean).join(' and ') + ' match',
    );
}

/** Without an RFC or CURP to compare, the name decides, unless the coordinator accepted anyone. */
function checkName(cert: Certificate, expected: ExpectedSigner | undefined, report: ReportBuilder): void {
  if (expected?.acceptAnySigner === true) {
    report.identityBasis = 'any-signer';
    return report.skip('identity', 'identity not checked: the coordinator accepted any signer for this step');
  }
  const name = expected?.name?.trim() ? expected.name : null;
  if (name === null) return report.skip('identity', 'identity not checked: no expected signer given');
  report.identityBasis = 'name';
  if (comparableName(name) === comparableName(cert.subject.name)) {
    report.pass(
      'identity',
      `name ${cert.subject.name} matches the expected ${name} (no RFC or CURP expected)`,
    );
  } else {
    report.fail(
      'identity',
      `name ${cert.subject.name || '(none)'} is not the expected ${name} (no RFC or CURP expected)`,
    );
  }
}
