package cli

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/app"
	"github.com/yangguang-cdpf/yangguang/internal/store/storetest"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

// selfSigned writes a certificate for 127.0.0.1 and its key.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "阳光县残联"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// serveOn serves the application on ln as cmdServe does.
func serveOn(t *testing.T, a *app.App, ln net.Listener) {
	srv := &http.Server{Handler: a.Handler, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
}

func TestServeTLSAndHSTS(t *testing.T) {
	defer func() { web.Limits = web.DefaultRateLimits }()
	db, err := app.Open(context.Background(), storetest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, dir)

	// Flags as serve reads them.
	sec := addServeSecurityFlags(newFlagSet(&env{stderr: os.Stderr}, "serve", "serve"))
	sec.cert, sec.key = certFile, keyFile
	if err := sec.apply(); err != nil {
		t.Fatal(err)
	}
	if sec.scheme() != "https" || web.Limits != web.DefaultRateLimits {
		t.Fatalf("scheme %s limits %+v", sec.scheme(), web.Limits)
	}
	a := app.New(db)
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := sec.listener(raw)
	if err != nil {
		t.Fatal(err)
	}
	serveOn(t, a, ln)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}}
	res, err := client.Get("https://" + raw.Addr().String() + "/login")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.TLS == nil {
		t.Fatalf("https /login: %d", res.StatusCode)
	}
	if h := res.Header.Get("Strict-Transport-Security"); !strings.HasPrefix(h, "max-age=") {
		t.Fatalf("HSTS under TLS: %q", h)
	}
	if res.Header.Get("Content-Security-Policy") == "" || res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatal("secure headers missing under TLS")
	}
	// Old protocol versions are refused.
	old := &tls.Config{RootCAs: pool, MaxVersion: tls.VersionTLS11}
	if c, err := tls.Dial("tcp", raw.Addr().String(), old); err == nil {
		c.Close()
		t.Fatal("TLS 1.1 accepted")
	}

	// Plain HTTP: no HSTS (it would be ignored, and wrong to promise).
	plain := &serveSecurity{}
	if err := plain.apply(); err != nil {
		t.Fatal(err)
	}
	web.Limits = web.DefaultRateLimits
	raw2, _ := net.Listen("tcp", "127.0.0.1:0")
	ln2, _ := plain.listener(raw2)
	serveOn(t, a, ln2)
	res, err = http.Get("http://" + raw2.Addr().String() + "/login")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Strict-Transport-Security") != "" || plain.scheme() != "http" {
		t.Fatalf("plain http: %d HSTS %q", res.StatusCode, res.Header.Get("Strict-Transport-Security"))
	}

	// Bad settings are refused with a clear message.
	if err := (&serveSecurity{cert: certFile}).apply(); err == nil || !strings.Contains(err.Error(), "--tls-key") {
		t.Fatalf("cert without key: %v", err)
	}
	if err := (&serveSecurity{apiPM: -1}).apply(); err == nil {
		t.Fatal("negative limit accepted")
	}
	if _, err := (&serveSecurity{cert: keyFile, key: keyFile}).listener(raw); err == nil || !strings.Contains(err.Error(), "证书") {
		t.Fatalf("unreadable certificate: %v", err)
	}
}
