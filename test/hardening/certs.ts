/** Test certificates made at run time: a CA, a server certificate for localhost, client certificates. */
import forge from "node-forge";

export interface Pem {
  cert: string;
  key: string;
}

function makeCert(subject: string, issuer: { cert: forge.pki.Certificate; key: forge.pki.PrivateKey } | null, opts: { ca?: boolean; server?: boolean }): { pem: Pem; cert: forge.pki.Certificate; key: forge.pki.PrivateKey } {
  const keys = forge.pki.rsa.generateKeyPair(2048);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = String(Math.floor(Math.random() * 1e9) + 1);
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 24 * 3600_000);
  const attrs = [{ name: "commonName", value: subject }];
  cert.setSubject(attrs);
  cert.setIssuer(issuer ? issuer.cert.subject.attributes : attrs);
  const ext: object[] = [{ name: "basicConstraints", cA: opts.ca ?? false }];
  if (opts.ca) ext.push({ name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true });
  else ext.push({ name: "keyUsage", digitalSignature: true, keyEncipherment: true }, { name: "extKeyUsage", serverAuth: true, clientAuth: true });
  if (opts.server) ext.push({ name: "subjectAltName", altNames: [{ type: 2, value: "localhost" }, { type: 7, ip: "127.0.0.1" }] });
  cert.setExtensions(ext);
  cert.sign(issuer ? (issuer.key as forge.pki.rsa.PrivateKey) : keys.privateKey, forge.md.sha256.create());
  return { pem: { cert: forge.pki.certificateToPem(cert), key: forge.pki.privateKeyToPem(keys.privateKey) }, cert, key: keys.privateKey };
}

/** A CA, a server certificate it signed, a client certificate it signed, and one it did not. */
export function testPki(): { ca: string; server: Pem; client: Pem; stranger: Pem } {
  const ca = makeCert("seldon-sim test CA", null, { ca: true });
  const other = makeCert("another CA", null, { ca: true });
  return {
    ca: ca.pem.cert,
    server: makeCert("localhost", ca, { server: true }).pem,
    client: makeCert("seldon-agent", ca, {}).pem,
    stranger: makeCert("stranger", other, {}).pem,
  };
}
