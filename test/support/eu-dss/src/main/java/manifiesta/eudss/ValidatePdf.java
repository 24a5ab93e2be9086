/*
 * EU DSS as an independent, offline PAdES validator for manifiesta's tests (test/support/eu-dss.ts).
 *
 *   java -cp CLASSPATH manifiesta.eudss.ValidatePdf FILE.pdf --trust ANCHOR.pem [--trust ...] [--at ISO-TIME]
 *
 * validates every signature and document time-stamp of FILE.pdf with DSS's PDFDocumentValidator under
 * the default validation policy, trusting only the given certificates, with no online source at all
 * (no AIA, OCSP or CRL fetching): revocation data must come from the file itself (its /DSS). It
 * prints one JSON object on stdout:
 *
 *   {"dssVersion", "validationTime",
 *    "signatures": [{"id", "signatureFormat" (e.g. "PAdES-BASELINE-LTA"), "indication",
 *                    "subIndication", "signingTime", "bestSignatureTime", "signedBy",
 *                    "timestamps": [TIMESTAMP...], "errors", "warnings", "infos"}],
 *    "timestamps": [every time-stamp of the file, document time-stamps included: TIMESTAMP...]}
 *   TIMESTAMP: {"id", "type" (e.g. "SIGNATURE_TIMESTAMP", "DOCUMENT_TIMESTAMP"), "productionTime",
 *               "producedBy", "indication", "subIndication", "errors", "warnings", "infos"}
 *
 * Times are ISO-8601 in UTC; a missing value is null; messages are DSS's own English texts. Exit
 * status 0 whatever DSS concludes, 2 for bad arguments, 1 when DSS could not validate at all.
 */
package manifiesta.eudss;

import eu.europa.esig.dss.alert.SilentOnStatusAlert;
import eu.europa.esig.dss.detailedreport.DetailedReport;
import eu.europa.esig.dss.diagnostic.DiagnosticData;
import eu.europa.esig.dss.diagnostic.TimestampWrapper;
import eu.europa.esig.dss.enumerations.Indication;
import eu.europa.esig.dss.enumerations.SubIndication;
import eu.europa.esig.dss.jaxb.object.Message;
import eu.europa.esig.dss.model.FileDocument;
import eu.europa.esig.dss.model.x509.CertificateToken;
import eu.europa.esig.dss.pades.validation.PDFDocumentValidator;
import eu.europa.esig.dss.simplereport.SimpleReport;
import eu.europa.esig.dss.simplereport.jaxb.XmlDetails;
import eu.europa.esig.dss.simplereport.jaxb.XmlMessage;
import eu.europa.esig.dss.simplereport.jaxb.XmlSignature;
import eu.europa.esig.dss.simplereport.jaxb.XmlTimestamp;
import eu.europa.esig.dss.simplereport.jaxb.XmlTimestamps;
import eu.europa.esig.dss.simplereport.jaxb.XmlToken;
import eu.europa.esig.dss.spi.DSSUtils;
import eu.europa.esig.dss.spi.validation.CommonCertificateVerifier;
import eu.europa.esig.dss.spi.x509.CommonTrustedCertificateSource;
import eu.europa.esig.dss.validation.reports.Reports;
import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

public final class ValidatePdf {
  private ValidatePdf() {}

  /** The version of DSS on the class path, from dss-pades's Maven metadata. */
  private static String dssVersion() {
    String resource = "/META-INF/maven/eu.europa.ec.joinup.sd-dss/dss-pades/pom.properties";
    try (InputStream in = PDFDocumentValidator.class.getResourceAsStream(resource)) {
      if (in == null) return null;
      Properties properties = new Properties();
      properties.load(in);
      return properties.getProperty("version");
    } catch (IOException e) {
      return null;
    }
  }

  public static void main(String[] args) throws Exception {
    String pdf = null;
    List<String> anchors = new ArrayList<>();
    Date at = null;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if ((arg.equals("--trust") || arg.equals("--at")) && i + 1 >= args.length) usage(arg + " needs a value");
      if (arg.equals("--trust")) anchors.add(args[++i]);
      else if (arg.equals("--at")) at = parseTime(args[++i]);
      else if (arg.startsWith("--")) usage("unknown option " + arg);
      else if (pdf == null) pdf = arg;
      else usage("one PDF at a time");
    }
    if (pdf == null) usage("no PDF given");
    if (anchors.isEmpty()) usage("no --trust anchor given");

    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    out.println(validate(new File(pdf), anchors, at));
  }

  private static void usage(String why) {
    System.err.println("ValidatePdf: " + why);
    System.err.println("usage: ValidatePdf FILE.pdf --trust ANCHOR.pem [--trust ANCHOR.pem...] [--at ISO-TIME]");
    System.exit(2);
  }

  private static Date parseTime(String text) {
    try {
      return Date.from(OffsetDateTime.parse(text).toInstant());
    } catch (DateTimeParseException e) {
      try {
        return Date.from(Instant.parse(text));
      } catch (DateTimeParseException again) {
        usage("--at wants an ISO-8601 time with an offset, e.g. 2026-01-31T12:00:00Z: " + text);
        return null;
      }
    }
  }

  /** Every certificate of a PEM (or DER) file. */
  private static List<CertificateToken> loadCertificates(String path) throws IOException {
    try (InputStream in = new FileInputStream(path)) {
      List<CertificateToken> certificates = DSSUtils.loadCertificateFromP7c(in);
      if (!certificates.isEmpty()) return certificates;
    } catch (RuntimeException notP7c) {
      // a plain certificate, below
    }
    try (InputStream in = new FileInputStream(path)) {
      return List.of(DSSUtils.loadCertificate(in));
    }
  }

  static String validate(File pdf, List<String> anchors, Date at) throws IOException {
    CommonTrustedCertificateSource trusted = new CommonTrustedCertificateSource();
    for (String anchor : anchors) for (CertificateToken certificate : loadCertificates(anchor)) trusted.addCertificate(certificate);

    // Offline: no source of certificates or revocation data but the file and the anchors.
    CommonCertificateVerifier verifier = new CommonCertificateVerifier();
    verifier.setTrustedCertSources(trusted);
    verifier.setAIASource(null);
    verifier.setOcspSource(null);
    verifier.setCrlSource(null);
    // Alerts only act when DSS augments a signature or gathers revocation data: keep them quiet.
    verifier.setAlertOnMissingRevocationData(new SilentOnStatusAlert());
    verifier.setAlertOnUncoveredPOE(new SilentOnStatusAlert());
    verifier.setAlertOnRevokedCertificate(new SilentOnStatusAlert());
    verifier.setAlertOnInvalidTimestamp(new SilentOnStatusAlert());
    verifier.setAlertOnNoRevocationAfterBestSignatureTime(new SilentOnStatusAlert());
    verifier.setAlertOnExpiredCertificate(new SilentOnStatusAlert());
    verifier.setAlertOnNotYetValidCertificate(new SilentOnStatusAlert());

    PDFDocumentValidator validator = new PDFDocumentValidator(new FileDocument(pdf));
    validator.setCertificateVerifier(verifier);
    validator.setEnableEtsiValidationReport(false); // not read here, and it costs
    if (at != null) validator.setValidationTime(at);
    Reports reports = validator.validateDocument(); // the default policy (dss-policy-jaxb's constraint.xml)

    SimpleReport simple = reports.getSimpleReport();
    DetailedReport detailed = reports.getDetailedReport();
    DiagnosticData diagnostic = reports.getDiagnosticData();

    // The simple report's time-stamp entries, nested under signatures or on their own.
    Map<String, XmlTimestamp> simpleTimestamps = new LinkedHashMap<>();
    for (XmlToken token : simple.getJaxbModel().getSignatureOrTimestampOrEvidenceRecord()) {
      if (token instanceof XmlTimestamp) simpleTimestamps.put(token.getId(), (XmlTimestamp) token);
      if (token instanceof XmlSignature) {
        XmlTimestamps nested = ((XmlSignature) token).getTimestamps();
        if (nested != null) for (XmlTimestamp t : nested.getTimestamp()) simpleTimestamps.put(t.getId(), t);
      }
    }

    Json json = new Json();
    json.open('{');
    json.field("dssVersion").string(dssVersion());
    json.field("validationTime").time(simple.getValidationTime());
    json.field("signatures").open('[');
    for (String id : simple.getSignatureIdList()) {
      json.open('{');
      json.field("id").string(id);
      json.field("signatureFormat").string(String.valueOf(simple.getSignatureFormat(id)));
      json.field("indication").string(name(simple.getIndication(id)));
      json.field("subIndication").string(name(simple.getSubIndication(id)));
      json.field("signingTime").time(simple.getSigningTime(id));
      json.field("bestSignatureTime").time(simple.getBestSignatureTime(id));
      json.field("signedBy").string(simple.getSignedBy(id));
      json.field("timestamps").open('[');
      for (TimestampWrapper timestamp : diagnostic.getSignatureById(id).getTimestampList())
        timestamp(json, timestamp, simpleTimestamps.get(timestamp.getId()), detailed);
      json.close(']');
      json.field("errors").messages(simple.getAdESValidationErrors(id));
      json.field("warnings").messages(simple.getAdESValidationWarnings(id));
      json.field("infos").messages(simple.getAdESValidationInfo(id));
      json.close('}');
    }
    json.close(']');
    json.field("timestamps").open('[');
    for (TimestampWrapper timestamp : diagnostic.getTimestampList())
      timestamp(json, timestamp, simpleTimestamps.get(timestamp.getId()), detailed);
    json.close(']');
    json.close('}');
    return json.toString();
  }

  private static void timestamp(Json json, TimestampWrapper timestamp, XmlTimestamp simple, DetailedReport detailed) {
    String id = timestamp.getId();
    json.open('{');
    json.field("id").string(id);
    json.field("type").string(name(timestamp.getType()));
    json.field("productionTime").time(timestamp.getProductionTime());
    json.field("producedBy").string(simple != null ? simple.getProducedBy() : null);
    Indication indication = simple != null ? simple.getIndication() : detailed.getBasicTimestampValidationIndication(id);
    SubIndication subIndication =
        simple != null ? simple.getSubIndication() : detailed.getBasicTimestampValidationSubIndication(id);
    json.field("indication").string(name(indication));
    json.field("subIndication").string(name(subIndication));
    XmlDetails details = simple != null ? simple.getAdESValidationDetails() : null;
    json.field("errors").xmlMessages(details != null ? details.getError() : List.of());
    json.field("warnings").xmlMessages(details != null ? details.getWarning() : List.of());
    json.field("infos").xmlMessages(details != null ? details.getInfo() : List.of());
    json.close('}');
  }

  private static String name(Enum<?> value) {
    return value == null ? null : value.name();
  }

  /** Just enough of a JSON writer: objects, arrays, strings, times and string lists. */
  private static final class Json {
    private final StringBuilder out = new StringBuilder();
    private boolean first = true;

    Json open(char bracket) {
      separate();
      out.append(bracket);
      first = true;
      return this;
    }

    Json close(char bracket) {
      out.append(bracket);
      first = false;
      return this;
    }

    Json field(String name) {
      separate();
      quote(name);
      out.append(':');
      first = true; // the value follows without a comma
      return this;
    }

    Json string(String value) {
      separate();
      if (value == null) out.append("null");
      else quote(value);
      first = false;
      return this;
    }

    Json time(Date value) {
      return string(value == null ? null : value.toInstant().toString());
    }

    Json messages(List<Message> messages) {
      open('[');
      if (messages != null) for (Message m : messages) string(m.getValue());
      return close(']');
    }

    Json xmlMessages(List<XmlMessage> messages) {
      open('[');
      if (messages != null) for (XmlMessage m : messages) string(m.getValue());
      return close(']');
    }

    private void separate() {
      if (!first) out.append(',');
      first = false;
    }

    private void quote(String s) {
      out.append('"');
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        switch (c) {
          case '"' -> out.append("\\\"");
          case '\\' -> out.append("\\\\");
          case '\n' -> out.append("\\n");
          case '\r' -> out.append("\\r");
          case '\t' -> out.append("\\t");
          default -> {
            if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
            else out.append(c);
          }
        }
      }
      out.append('"');
    }

    @Override
    public String toString() {
      return out.toString();
    }
  }
}
